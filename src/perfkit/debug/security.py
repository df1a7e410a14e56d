"""Who may read the debug routes, and how much a request may ask for.

An exposed pprof endpoint leaks source paths, stacks, command lines and memory contents
(CWE-489), so: loopback by default; a non-loopback address without a token is refused at start;
with a token every debug route wants ``Authorization: Bearer TOKEN``, compared in constant time;
a profile's length is bounded; one CPU profile runs at a time.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import threading
from dataclasses import dataclass

from perfkit.errors import PerfkitError

TOKEN_ENV = "PERFKIT_DEBUG_TOKEN"


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may ask for."""

    min_seconds: float = 1.0
    max_seconds: float = 300.0
    max_hz: int = 1000


#: one CPU profile at a time in this process (sampling twice would only disturb the service more)
PROFILE_LOCK = threading.Lock()


def parse_address(address: str | tuple[str, int]) -> tuple[str, int]:
    """``"127.0.0.1:6060"``, ``"[::1]:0"``, ``"localhost:6060"`` or ``(host, port)`` -> (host, port).
    An empty host (``":6060"``) means every interface, as in Go."""
    if isinstance(address, tuple):
        host, port = address
    else:
        text = str(address).strip()
        host, sep, port_text = text.rpartition(":")
        if not sep or not port_text.isdigit():
            raise PerfkitError(f"debug address {text!r}: use HOST:PORT, e.g. 127.0.0.1:6060 (port 0 picks a free one)")
        port = int(port_text)
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    host = host or "0.0.0.0"
    if not 0 <= int(port) <= 65535:
        raise PerfkitError(f"debug address port {port}: use 0..65535")
    return str(host), int(port)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve the debug routes beyond this machine without a token."""
    if token is not None and not token.strip():
        raise PerfkitError(
            "debug token: empty; use a long random string, "
            "e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`"
        )
    if not is_loopback(host) and token is None:
        raise PerfkitError(
            f"debug address {host}: not a loopback address, and the debug routes leak stacks and memory; "
            f"bind to 127.0.0.1, or pass token=... (or set {TOKEN_ENV}) so every request needs it"
        )


def token_from_env() -> str | None:
    return os.environ.get(TOKEN_ENV) or None


def authorized(header: str | None, token: str | None) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer TOKEN`` (constant-time compare)."""
    if token is None:
        return True
    expected = f"Bearer {token}".encode()
    given = (header or "").strip().encode("utf-8", "replace")
    return hmac.compare_digest(given, expected)
