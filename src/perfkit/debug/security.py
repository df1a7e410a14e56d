"""Who may read the debug routes, and how much a request may ask for.

An exposed pprof endpoint leaks source paths, stacks, command lines and memory contents
(CWE-489), so, everywhere (standalone server, ASGI and WSGI wrappers):

* with a token (``token=...`` or ``PERFKIT_DEBUG_TOKEN``, at least :data:`MIN_TOKEN_LENGTH`
  characters) every debug route wants ``Authorization: Bearer TOKEN`` (scheme in any case),
  compared in constant time;
* without one, only loopback clients are answered, and a request that came through a proxy
  (``Forwarded`` / ``X-Forwarded-For`` / ``X-Real-IP``) or from a client whose address is unknown
  (a Unix socket) is not loopback, since a local reverse proxy makes every client look local;
* the standalone server refuses a non-loopback address without a token at start;
* a profile's length is bounded; one CPU profile runs at a time (per server, see
  :mod:`perfkit.debug.workers`).
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from perfkit.errors import PerfkitError

TOKEN_ENV = "PERFKIT_DEBUG_TOKEN"
MIN_TOKEN_LENGTH = 16
#: headers a reverse proxy adds: a request carrying one did not come from this machine's user
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
HOW_TO_MAKE_A_TOKEN = "e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`"
log = logging.getLogger("perfkit.debug")


@dataclass(frozen=True)
class Limits:
    """Bounds on what one request may ask for."""

    min_seconds: float = 1.0
    max_seconds: float = 300.0
    max_hz: int = 1000


#: one CPU profile at a time in this process (sampling twice would only disturb the service more);
#: a pre-fork server adds a lock shared by its workers (perfkit.debug.workers). Rebuilt after fork.
PROFILE_LOCK = threading.Lock()
#: one heap profile at a time (a snapshot of a large heap costs seconds of CPU)
HEAP_LOCK = threading.Lock()


def _reset_after_fork() -> None:
    global PROFILE_LOCK, HEAP_LOCK
    PROFILE_LOCK = threading.Lock()
    HEAP_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


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


@functools.lru_cache(maxsize=1024)
def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1, ::ffff:127.x.x.x); cached,
    since the wrappers ask for every request's client until they have warned."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def resolve_token(token: str | None) -> str | None:
    """``token``, else ``PERFKIT_DEBUG_TOKEN``; refused (one line) when too short to be secret."""
    token = token if token is not None else token_from_env()
    if token is None:
        return None
    if not token.strip():
        raise PerfkitError(f"debug token: empty; use a long random string, {HOW_TO_MAKE_A_TOKEN}")
    if len(token) < MIN_TOKEN_LENGTH:
        raise PerfkitError(
            f"debug token: {len(token)} characters, too short to keep the debug routes private; "
            f"use at least {MIN_TOKEN_LENGTH}, {HOW_TO_MAKE_A_TOKEN}"
        )
    return token


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve the debug routes beyond this machine without a token."""
    if not is_loopback(host) and token is None:
        raise PerfkitError(
            f"debug address {host}: not a loopback address, and the debug routes leak stacks and memory; "
            f"bind to 127.0.0.1, or pass token=... (or set {TOKEN_ENV}) so every request needs it"
        )


def token_from_env() -> str | None:
    return os.environ.get(TOKEN_ENV) or None


def authorized(header: str | None, token: str | None) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer TOKEN`` (scheme in any case, RFC 7235;
    the token compared in constant time)."""
    if token is None:
        return True
    scheme, _, credentials = (header or "").strip().partition(" ")
    given = credentials.strip().encode("utf-8", "replace")
    return scheme.lower() == "bearer" and hmac.compare_digest(given, token.encode())


def is_local_client(client: str | None, headers: Mapping[str, str]) -> bool:
    """A loopback peer that did not come through a proxy (``headers`` keys lower-case)."""
    if not client or not is_loopback(client):
        return False
    return not any(headers.get(name) for name in PROXY_HEADERS)


def refusal(client: str | None, headers: Mapping[str, str]) -> str:
    """The one-line reason a tokenless endpoint gives a client that is not local."""
    if client and any(headers.get(name) for name in PROXY_HEADERS):
        who = "a request through a proxy"
    elif client and client[:1].isalnum():
        who = f"client {client[:64]}"
    else:
        who = "a client whose address is unknown (Unix socket?)"
    return (
        f"403 forbidden: the debug routes answer only loopback clients when no token is set, and this is {who}; "
        f"set {TOKEN_ENV} in the service and send Authorization: Bearer <token>"
    )


class ExposureWarning:
    """Logs once that an app serving tokenless debug routes is reached from beyond this machine."""

    def __init__(self) -> None:
        self.warned = False

    def seen(self, client: str | None, headers: Mapping[str, str]) -> None:
        if self.warned or is_local_client(client, headers):
            return
        self.warned = True
        log.warning(
            "perfkit.debug: this app is reached from a non-loopback client (%s) and has no debug token; its "
            "/debug/pprof routes answer loopback clients only (403 for others); set %s to use them remotely",
            (client or "unknown address")[:64],
            TOKEN_ENV,
        )
