"""Fetch profiles over HTTP from a running service, like ``go tool pprof http://host/debug/pprof/profile``.

Works against perfkit's own routes and a Go service's ``net/http/pprof`` (both answer
gzipped pprof).  Every failure a user can cause (nothing listening, wrong path, missing token, a
profile already running, a body that is not a profile) is one :class:`PerfkitError` line that
names the URL and says what to do.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from perfkit.debug import security
from perfkit.errors import PerfkitError
from perfkit.model import Profile

DEFAULT_PATH = "/debug/pprof/profile"


def profile_url(url: str, seconds: float | None = None, *, mode: str | None = None) -> str:
    """The full profile URL for what the user typed: a bare ``http://host:port`` means the CPU
    profile; an explicit ``/debug/pprof/NAME`` path is kept; ``seconds``/``mode`` are added
    unless the URL already has them."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PerfkitError(
            f"--url {url!r}: use http://HOST:PORT (optionally with /debug/pprof/profile or /debug/pprof/heap)"
        )
    path = parts.path.rstrip("/")
    if path in ("", "/debug/pprof"):
        path = DEFAULT_PATH
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if seconds is not None and "seconds" not in query and path.endswith("/profile"):
        query["seconds"] = _seconds_text(seconds)
    if mode and "mode" not in query:
        query["mode"] = mode
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def _seconds_text(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def fetch_bytes(url: str, *, token: str | None = None, timeout: float = 60.0) -> tuple[bytes, str]:
    """GET ``url``; (body, content type), or a one-line PerfkitError."""
    token = token if token is not None else security.token_from_env()
    request = urllib.request.Request(url, headers={"User-Agent": "perfkit"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace") if exc.fp else ""
        raise http_error(url, exc.code, body) from None
    except urllib.error.URLError as exc:
        reason = getattr(exc.reason, "strerror", None) or str(exc.reason)
        raise PerfkitError(
            f"{url}: cannot connect ({reason}); is the service running with perfkit.debug.start() "
            "or net/http/pprof listening there?"
        ) from None
    except TimeoutError:
        raise PerfkitError(
            f"{url}: no answer within {timeout:g}s; is the service overloaded, or the port wrong?"
        ) from None
    except (http.client.HTTPException, ConnectionError, OSError) as exc:
        raise PerfkitError(
            f"{url}: the connection failed ({type(exc).__name__}: {exc}); retry, or check the address"
        ) from None


def http_error(url: str, status: int, body: str) -> PerfkitError:
    """The one line for a non-200 answer."""
    detail = next((line.strip() for line in body.splitlines() if line.strip()), "")[:200]
    if status == 401:
        return PerfkitError(
            f"{url}: 401 unauthorized; pass --token (or set {security.TOKEN_ENV}) with the service's debug token"
        )
    if status == 403:
        return PerfkitError(
            f"{url}: 403 forbidden ({detail[:160]}); the service has no debug token, so only its own machine "
            f"may ask: run perfkit there, or set {security.TOKEN_ENV} in the service and pass --token"
        )
    if status == 404:
        return PerfkitError(
            f"{url}: 404 not found; the service serves no such profile "
            "(start perfkit.debug, or import net/http/pprof in Go)"
        )
    if status == 409:
        return PerfkitError(f"{url}: 409 another CPU profile is running in the service; retry when it ends")
    if status == 400:
        return PerfkitError(f"{url}: 400 bad request ({detail}); fix the parameter")
    return PerfkitError(f"{url}: HTTP {status} ({detail or 'no message'})")


def decode_profile(data: bytes, url: str, content_type: str = "") -> Profile:
    """The pprof body of a response as a Profile, or a one-line error naming the URL."""
    from perfkit.formats import pprof

    if not data:
        raise PerfkitError(f"{url}: the response is empty; the service sent no profile")
    if not pprof.sniff(data[:4096]):
        kind = content_type.split(";")[0] or "unknown content"
        raise PerfkitError(f"{url}: the response is not a pprof profile ({kind}); point --url at a /debug/pprof/ route")
    try:
        return pprof.decode(data)
    except Exception as exc:
        raise PerfkitError(f"{url}: the response is not a valid pprof profile ({str(exc)[:200]})") from None


def fetch_profile(
    url: str, seconds: float = 30.0, *, mode: str | None = None, token: str | None = None, timeout: float | None = None
) -> Profile:
    """Record ``seconds`` of the service's CPU (or the route named in ``url``) and return it."""
    full = profile_url(url, seconds, mode=mode)
    wait = timeout if timeout is not None else float(seconds or 0) + 30.0
    data, content_type = fetch_bytes(full, token=token, timeout=wait)
    profile = decode_profile(data, full, content_type)
    profile.metadata["source_url"] = full
    profile.metadata.setdefault("backend", "url")
    return profile


def fetch_dump(url: str, *, token: str | None = None, debug: int = 2, timeout: float = 30.0) -> str:
    """The ``goroutine?debug=N`` text of a service (perfkit's or Go's)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PerfkitError(f"--url {url!r}: use http://HOST:PORT")
    full = urlunsplit((parts.scheme, parts.netloc, "/debug/pprof/goroutine", f"debug={int(debug)}", ""))
    data, _ = fetch_bytes(full, token=token, timeout=timeout)
    return data.decode("utf-8", "replace")
