"""Security behaviour over real sockets: loopback by default, tokens, one profile at a time,
bounded parameters, request input never reaching code or paths."""

from __future__ import annotations

import contextlib
import os
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.debug.live import get

import perfkit.debug
from perfkit.debug import security
from perfkit.errors import PerfkitError


@pytest.fixture
def server():
    handle = perfkit.debug.start("127.0.0.1:0")
    yield handle
    handle.close()


@pytest.fixture
def token_server():
    handle = perfkit.debug.start("127.0.0.1:0", token="s3cret-token-0123456789")
    yield handle
    handle.close()


@pytest.mark.parametrize("address", ["0.0.0.0:0", ":0", "192.0.2.10:6060", "[::]:0", "example.com:6060"])
def test_non_loopback_without_token_is_refused_at_start(address: str) -> None:
    with pytest.raises(PerfkitError, match=r"not a loopback address.*token") as info:
        perfkit.debug.start(address)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "::1", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert security.is_loopback(host)
    security.check_bind(host, None)


def test_non_loopback_with_token_passes_the_check() -> None:
    security.check_bind("0.0.0.0", "tok")  # bound only in production; the tests stay on 127.0.0.1


def test_empty_token_is_refused() -> None:
    with pytest.raises(PerfkitError, match="empty"):
        perfkit.debug.start("127.0.0.1:0", token="  ")


@pytest.mark.parametrize("address", ["6060", "host:port", "127.0.0.1:99999"])
def test_bad_address_is_one_line(address: str) -> None:
    with pytest.raises(PerfkitError, match="debug address"):
        perfkit.debug.start(address)


def test_start_returns_address_and_close_stops_listening(server) -> None:
    host, port = server.address
    assert host == "127.0.0.1" and port > 0
    assert get(server.url, "/debug/pprof/")[0] == 200
    server.close()
    with pytest.raises(OSError):
        get(server.url, "/debug/pprof/", timeout=2)


@pytest.mark.parametrize(
    "path", ["/debug/pprof/", "/debug/pprof/profile?seconds=1", "/debug/vars", "/debug/metrics", "/debug/pprof/cmdline"]
)
def test_token_required_on_every_route(token_server, path: str) -> None:
    status, headers, _body = get(token_server.url, path)
    assert status == 401 and headers["www-authenticate"] == "Bearer"
    assert get(token_server.url, path, headers={"Authorization": "Bearer wrong"})[0] == 401
    assert get(token_server.url, path, headers={"Authorization": "s3cret-token-0123456789"})[0] == 401
    assert get(token_server.url, path, headers={"Authorization": "Bearer s3cret-token-0123456789"})[0] == 200


def test_authorized_compares_exactly_with_any_case_of_scheme() -> None:
    assert security.authorized("Bearer abc", "abc")
    assert security.authorized("bearer abc", "abc") and security.authorized("BEARER  abc ", "abc")
    assert not security.authorized("Basic abc", "abc")
    assert not security.authorized("Bearer abcd", "abc")
    assert not security.authorized("Bearer ab", "abc")
    assert not security.authorized("Bearer Abc", "abc")  # the token itself is case-sensitive
    assert not security.authorized(None, "abc")
    assert security.authorized(None, None)


@pytest.mark.parametrize("token", ["x", "short-token-15ch"[:15]])
def test_short_tokens_are_refused_at_start(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(PerfkitError, match="too short") as info:
        perfkit.debug.start("127.0.0.1:0", token=token)
    assert "\n" not in str(info.value)
    monkeypatch.setenv(security.TOKEN_ENV, token)
    for make in (
        lambda: perfkit.debug.start(),
        lambda: perfkit.debug.wsgi(lambda e, s: []),
        lambda: perfkit.debug.asgi(None),
    ):
        with pytest.raises(PerfkitError, match="too short"):
            make()


def test_start_honours_the_token_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(security.TOKEN_ENV, "from-the-environment-0123")
    with perfkit.debug.start("127.0.0.1:0") as server:
        assert get(server.url, "/debug/vars")[0] == 401
        assert get(server.url, "/debug/vars", headers={"Authorization": "bearer from-the-environment-0123"})[0] == 200


@pytest.mark.parametrize(
    ("client", "headers", "local"),
    [
        ("127.0.0.1", {}, True),
        ("::1", {}, True),
        ("::ffff:127.0.0.1", {}, True),
        ("10.1.2.3", {}, False),
        ("127.0.0.1", {"x-forwarded-for": "203.0.113.9"}, False),  # a local reverse proxy
        ("127.0.0.1", {"forwarded": "for=203.0.113.9"}, False),
        ("", {}, False),  # a Unix socket: unknown peer
        (None, {}, False),
    ],
)
def test_local_client(client, headers, local) -> None:
    assert security.is_local_client(client, headers) is local


def test_concurrent_cpu_profile_is_409(server) -> None:
    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(get(server.url, "/debug/pprof/profile?seconds=2")[0]))
    first.start()
    time.sleep(0.5)
    status, _, body = get(server.url, "/debug/pprof/profile?seconds=1")
    first.join()
    assert status == 409 and b"already running" in body
    assert results == [200]
    assert get(server.url, "/debug/pprof/profile?seconds=1")[0] == 200  # the lock was released


@pytest.mark.parametrize(
    "query",
    ["seconds=0", "seconds=301", "seconds=-5", "seconds=abc", "seconds=nan", "seconds=1e9", "hz=0", "hz=100000"],
)
def test_seconds_and_rate_bounded(server, query: str) -> None:
    status, _, body = get(server.url, f"/debug/pprof/profile?{query}")
    assert status == 400, body
    assert b"use " in body


@pytest.mark.parametrize(
    "query", ["format=../../etc/passwd", "format=os.system", "mode=__import__('os')", "format=", "debug=3"]
)
def test_request_input_only_selects_fixed_choices(server, query: str) -> None:
    path = "/debug/pprof/goroutine" if query.startswith("debug") else "/debug/pprof/profile"
    status, _, _ = get(server.url, f"{path}?seconds=1&{query}")
    assert status == 400 or (query == "format=" and status == 200)


@pytest.mark.parametrize(
    "path", ["/debug/pprof/../../etc/passwd", "/debug/pprof/%2e%2e/%2e%2e/etc/passwd", "/debug/pprof/os", "/etc/passwd"]
)
def test_unknown_paths_are_404(server, path: str) -> None:
    status, _, body = get(server.url, path)
    assert status == 404
    assert b"root:" not in body


def test_only_get_and_head(server) -> None:
    assert get(server.url, "/debug/vars", method="POST")[0] == 405
    status, _headers, body = get(server.url, "/debug/vars", method="HEAD")
    assert status == 200 and body == b""


def test_security_headers(server) -> None:
    _, headers, _ = get(server.url, "/debug/vars")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_idle_and_slow_clients_cost_no_thread_and_time_out(monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import socket

    from perfkit.debug import server as server_module

    monkeypatch.setattr(server_module, "HEAD_TIMEOUT", 0.5)
    with perfkit.debug.start("127.0.0.1:0") as running:
        assert running._httpd.request_queue_size >= 128  # the listen backlog
        threads_before = threading.active_count()
        idle = [socket.create_connection(running.address) for _ in range(300)]
        slow = socket.create_connection(running.address)
        slow.sendall(b"GET /debug/vars HTTP/1.0\r\n")  # and never the rest
        try:
            status, _, body = get(running.url, "/debug/vars", timeout=5)  # served past 301 idle clients
            assert status == 200 and json.loads(body)["pid"] > 0
            assert threading.active_count() <= threads_before + server_module.WORKERS
            time.sleep(1.0)
            slow.settimeout(2)
            assert slow.recv(100) == b""  # closed by the server: it took too long to send its head
        finally:
            for sock in [*idle, slow]:
                sock.close()


@pytest.fixture(scope="module")
def shared_server():
    handle = perfkit.debug.start("127.0.0.1:0")
    yield handle
    handle.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.binary(max_size=300).map(lambda b: b + b"\r\n\r\n"))
def test_any_request_head_gets_an_answer_or_a_close_and_the_server_stays_up(shared_server, head: bytes) -> None:
    import socket

    with socket.create_connection(shared_server.address, timeout=10) as sock:
        sock.sendall(head)
        with contextlib.suppress(OSError):
            sock.recv(65536)
    assert get(shared_server.url, "/debug/vars", timeout=10)[0] == 200


def test_the_worker_agent_survives_garbage_and_answers_a_real_request(tmp_path) -> None:
    import json as json_module
    import socket
    import subprocess
    import sys

    code = (
        "import os, sys, time; from perfkit.debug import workers; g = workers.join(os.getppid()); "
        "print(g.path, flush=True); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        path = child.stdout.readline().strip()
        for junk in (b"\x00\xff" * 50 + b"\n", b'{"op": "rm -rf"}\n', b'{"op": "profile", "seconds": 1e9}\n', b"\n"):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(10)
                sock.connect(path)
                sock.sendall(junk)
                head = sock.makefile("rb").readline()
                assert json_module.loads(head)["ok"] is False
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(10)
            sock.connect(path)
            sock.sendall(b'{"op": "vars"}\n')
            reader = sock.makefile("rb")
            head = json_module.loads(reader.readline())
            assert head["ok"] and json_module.loads(reader.read(head["length"]))["pid"] == child.pid
    finally:
        child.kill()
        child.wait()
        from perfkit.debug import workers

        workers.remove_group(os.getpid())
