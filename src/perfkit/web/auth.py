"""Who may use the web UI: the debug endpoint's rules (:mod:`perfkit.debug.security`), for a browser.

The UI shows what an exposed ``/debug/pprof`` leaks (stacks, paths, command lines, source), so:

* on a loopback address (the default) it answers only requests that are local in every sense:
  a loopback peer, no proxy headers (a local reverse proxy makes every client look local), and a
  ``Host`` header naming a loopback host (a web page cannot reach it through DNS rebinding);
* any other address needs a token (``--token`` or ``PERFKIT_DEBUG_TOKEN``, at least
  :data:`~perfkit.debug.security.MIN_TOKEN_LENGTH` characters), and then every request must carry
  it: ``Authorization: Bearer TOKEN`` (scheme in any case) from scripts, or HTTP Basic with the
  token as password, which a browser asks for.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from perfkit.debug import security
from perfkit.errors import PerfkitError

__all__ = ["Gate", "check_bind"]

REALM = "perfkit web"


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token."""
    if not security.is_loopback(host) and token is None:
        raise PerfkitError(
            f"--host {host}: not a loopback address, and the UI shows stacks, file paths and source; "
            f"bind to 127.0.0.1, or pass --token (or set {security.TOKEN_ENV}) so every request needs it"
        )


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    message: str
    headers: tuple[tuple[str, str], ...] = ()


def _host_name(host_header: str) -> str:
    """The host part of a ``Host`` header (``[::1]:8080`` -> ``::1``)."""
    host = host_header.strip()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Gate:
    """Decides, per request, whether to answer (``token`` None: the loopback rules)."""

    def __init__(self, token: str | None) -> None:
        self.token = token

    def refuse(self, client: str | None, headers: Mapping[str, str]) -> Refusal | None:
        """None to answer, else why not (``headers`` with lower-case names)."""
        if self.token is not None:
            if self._authorized(headers.get("authorization", "")):
                return None
            return Refusal(
                401,
                "401 unauthorized: this perfkit web UI needs its token "
                "(HTTP Basic with the token as password, or Authorization: Bearer TOKEN)",
                (("WWW-Authenticate", f'Basic realm="{REALM}", charset="UTF-8"'),),
            )
        if not security.is_local_client(client, headers):
            through = any(headers.get(name) for name in security.PROXY_HEADERS)
            who = "requests through a proxy" if through else (client or "a client whose address is unknown")
            return Refusal(403, f"403 forbidden: this UI answers loopback clients only, not {who}")
        host = _host_name(headers.get("host", ""))
        if not security.is_loopback(host):
            return Refusal(
                403,
                f"403 forbidden: Host {host[:64]!r} is not a loopback name; open the UI as "
                "http://127.0.0.1:PORT/ or http://localhost:PORT/",
            )
        return None

    def _authorized(self, header: str) -> bool:
        assert self.token is not None
        if security.authorized(header, self.token):  # Bearer, as the debug routes take it
            return True
        scheme, _, credentials = header.strip().partition(" ")
        expected = self.token.encode()
        if scheme.lower() == "basic":  # what a browser sends after asking
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True)
            except (binascii.Error, ValueError):
                return False
            _user, _, password = decoded.partition(b":")
            return hmac.compare_digest(password, expected)
        return False
