"""The web UI over real sockets: who it answers (loopback, Host, proxies, token), what it refuses."""

from __future__ import annotations

import base64
import http.client
from collections.abc import Iterator

import pytest

from perfkit.debug.security import resolve_token
from perfkit.errors import PerfkitError
from perfkit.web import Session, WebServer

from .webprofiles import split_profile

TOKEN = "s3cret-token-0123456789"


def get(server: WebServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    _host, port = server.address
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server() -> Iterator[WebServer]:
    with WebServer(Session(split_profile(), name="split.pb.gz")).start(prefetch=False) as s:
        yield s


@pytest.fixture(scope="module")
def guarded() -> Iterator[WebServer]:
    """Bound to every interface, so a token is required; reached here over loopback."""
    with WebServer(Session(split_profile(), name="split.pb.gz"), host="0.0.0.0", token=TOKEN).start(
        prefetch=False
    ) as s:
        yield s


def test_loopback_server_answers_local_requests(server: WebServer) -> None:
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/ui/")
    status, headers, body = get(server, "/ui/top?f=cold")
    assert status == 200 and b"Showing 300ms of 1s total" in body
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    status, headers, _ = get(server, "/?si=samples")
    assert status == 307 and headers["Location"] == "/ui/?si=samples"
    status, headers, body = get(server, "/ui/top", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


def test_loopback_server_refuses_what_is_not_local(server: WebServer) -> None:
    # DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own Host
    status, _, body = get(server, "/ui/", {"Host": "evil.example:8080"})
    assert status == 403 and b"not a loopback name" in body
    status, _, body = get(server, "/ui/", {"X-Forwarded-For": "203.0.113.9"})
    assert status == 403 and b"through a proxy" in body
    assert get(server, "/ui/", {"Host": "localhost:1234"})[0] == 200
    assert get(server, "/ui/", {"Host": "[::1]:1234"})[0] == 200
    status, headers, _ = get(server, "/ui/", method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_token_is_required_beyond_loopback(guarded: WebServer) -> None:
    status, headers, body = get(guarded, "/ui/")
    assert status == 401 and headers["WWW-Authenticate"].startswith('Basic realm="perfkit web"')
    assert b"needs its token" in body
    assert get(guarded, "/ui/static/web.css")[0] == 401  # nothing is public
    assert get(guarded, "/ui/top", {"Authorization": f"Bearer {TOKEN}"})[0] == 200
    assert get(guarded, "/ui/top", {"Authorization": f"bearer {TOKEN}"})[0] == 200  # scheme in any case
    basic = base64.b64encode(f"anyone:{TOKEN}".encode()).decode()
    assert get(guarded, "/ui/top", {"Authorization": f"Basic {basic}"})[0] == 200  # what a browser sends
    wrong = base64.b64encode(b"anyone:guess-guess-guess-guess").decode()
    assert get(guarded, "/ui/top", {"Authorization": f"Basic {wrong}"})[0] == 401
    assert get(guarded, "/ui/top", {"Authorization": f"Bearer {TOKEN}x"})[0] == 401
    assert get(guarded, "/ui/top", {"Authorization": "Basic !!!"})[0] == 401
    # with a token the Host header is free (a name the machine is reached by)
    assert get(guarded, "/ui/top", {"Authorization": f"Bearer {TOKEN}", "Host": "box.internal:80"})[0] == 200


def test_binding_beyond_loopback_needs_a_long_token() -> None:
    with pytest.raises(PerfkitError, match=r"^--host 0\.0\.0\.0: not a loopback address.*--token"):
        WebServer(Session(split_profile()), host="0.0.0.0")
    with pytest.raises(PerfkitError, match=r"^debug token: 5 characters, too short"):
        resolve_token("short")
    with pytest.raises(PerfkitError, match=r"^debug token: empty"):
        resolve_token("   ")
    assert resolve_token(TOKEN) == TOKEN


def test_port_in_use_is_one_line(server: WebServer) -> None:
    _, port = server.address
    with pytest.raises(PerfkitError, match=rf"^--port {port}: cannot listen on 127\.0\.0\.1 .*pick another --port"):
        WebServer(Session(split_profile()), port=port)
