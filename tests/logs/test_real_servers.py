"""perfkit logs on logs written by real servers and loggers, as users configure them: gunicorn's
JSON-ish and combined access logs (with %(D)s / %(L)s), uvicorn's access log through
python-json-logger (no duration at all), structlog's JSONRenderer, python-json-logger, and the
example order service.  Counts are checked against the requests actually made."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cli_helpers import perfkit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

WSGI_APP = textwrap.dedent(
    """
    import time

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/fail":
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"boom"]
        if path.startswith("/slow"):
            time.sleep(0.05)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    """
)
ASGI_APP = textwrap.dedent(
    """
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        status = 500 if scope["path"] == "/fail" else 200
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})
    """
)
#: the requests every server gets: 20 item reads with ids, 5 slow ones, 3 failures
PLAN = [f"/items/{1000 + i}" for i in range(20)] + [f"/slow/{i}" for i in range(5)] + ["/fail"] * 3


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _drive(port: int) -> None:
    for path in PLAN:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"X-Request-Id": f"rq{path[-4:]}"})
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except urllib.error.HTTPError as exc:
            assert exc.code == 500, exc


def _serve(argv: list[str], port: int, cwd: Path) -> None:
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait(port, proc)
        _drive(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def _groups(*args) -> dict[str, dict]:
    done = perfkit("logs", *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return {row["group"]: row for row in json.loads(done.stdout)}


def _check_plan(groups: dict[str, dict], timed: bool = True) -> None:
    assert groups.get("GET /items/:id", {}).get("count") == 20, groups
    assert groups["GET /slow/:id"]["count"] == 5
    assert groups["GET /fail"]["count"] == 3 and groups["GET /fail"]["errors"] == 3
    assert groups["GET /items/:id"]["errors"] == 0
    if timed:
        assert groups["GET /slow/:id"]["p50"] >= 0.05  # the app sleeps 50 ms
        assert groups["GET /items/:id"]["timed"] == 20  # every line has its duration (nginx may log 0.000)


@pytest.fixture
def wsgi(tmp_path: Path) -> Path:
    (tmp_path / "wsgiapp.py").write_text(WSGI_APP)
    return tmp_path


def test_gunicorn_json_access_log(wsgi: Path) -> None:
    port, log = _port(), wsgi / "access.jsonl"
    fmt = (
        '{"time":"%(t)s","request":"%(r)s","status":%(s)s,"duration_us":%(D)s,"bytes":"%(b)s",'
        '"request_id":"%({x-request-id}i)s"}'
    )
    argv = [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "--access-logfile", str(log), "--access-logformat", fmt]
    _serve([*argv, "wsgiapp:app"], port, wsgi)
    groups = _groups(log)
    _check_plan(groups)
    done = perfkit("logs", log)
    assert "request line=request" in done.stderr and "duration=duration_us (us, from the name)" in done.stderr


def test_gunicorn_combined_with_request_time(wsgi: Path) -> None:
    port, log = _port(), wsgi / "access.log"
    fmt = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
    argv = [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "--access-logfile", str(log), "--access-logformat", fmt]
    _serve([*argv, "wsgiapp:app"], port, wsgi)
    _check_plan(_groups(log))
    # gunicorn's %(D)s appended instead: microseconds, told apart by magnitude
    log_us = wsgi / "access-us.log"
    port = _port()
    argv = [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "--access-logfile", str(log_us)]
    _serve([*argv, "--access-logformat", fmt.replace("%(L)s", "%(D)s"), "wsgiapp:app"], port, wsgi)
    _check_plan(_groups(log_us))
    assert "(us, from the magnitude of the values)" in perfkit("logs", log_us).stderr


def test_uvicorn_json_access_log_has_no_duration(tmp_path: Path) -> None:
    # uvicorn formats client, request line and status into the message; its access log has no duration
    (tmp_path / "asgiapp.py").write_text(ASGI_APP)
    log = tmp_path / "uvicorn.jsonl"
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(message)s",
            }
        },
        "handlers": {"file": {"class": "logging.FileHandler", "filename": str(log), "formatter": "json"}},
        "loggers": {"uvicorn.access": {"handlers": ["file"], "level": "INFO", "propagate": False}},
    }
    (tmp_path / "log.json").write_text(json.dumps(config))
    port = _port()
    argv = [str(BIN / "uvicorn"), "asgiapp:app", "--port", str(port), "--log-config", "log.json"]
    _serve(argv, port, tmp_path)
    groups = _groups(log)
    _check_plan(groups, timed=False)
    assert groups["GET /items/:id"]["p50"] is None
    text = perfkit("logs", log)
    assert "latency columns are empty" in text.stdout
    assert "method, path and status from the message text" in text.stderr


def test_structlog_and_python_json_logger(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(
        textwrap.dedent(
            """
            import logging, sys
            import structlog
            from pythonjsonlogger.json import JsonFormatter

            structlog.configure(
                processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso"),
                            structlog.processors.JSONRenderer()],
                logger_factory=structlog.WriteLoggerFactory(file=open(sys.argv[1], "w")),
            )
            log = structlog.get_logger()
            for i in range(200):
                log.info("request finished", method="GET", path=f"/users/{i}", status=200, duration=0.010 + i / 10000)
            for i in range(7):
                log.error("payment failed for order %d" % (900 + i), method="POST", path="/pay", status=502,
                          duration=1.5)

            handler = logging.FileHandler(sys.argv[2])
            handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(message)s"))
            std = logging.getLogger("app")
            std.addHandler(handler)
            std.setLevel(logging.INFO)
            for i in range(100):
                std.info("job done", extra={"job": "resize", "elapsed_ms": 20 + i})
            std.error("job crashed: disk full on /dev/sda%d" % 1, extra={"job": "resize"})
            """
        )
    )
    structlog_log, jsonlogger_log = tmp_path / "structlog.jsonl", tmp_path / "stdlib.jsonl"
    subprocess.run([sys.executable, str(script), str(structlog_log), str(jsonlogger_log)], check=True, timeout=60)
    groups = _groups(structlog_log)
    assert groups["GET /users/:id"]["count"] == 200
    assert groups["GET /users/:id"]["p50"] == pytest.approx(0.010 + 99 / 10000)  # the 100th of 200: nearest rank
    assert groups["POST /pay"]["errors"] == 7
    done = perfkit("logs", structlog_log)
    assert "duration=duration (s, from the magnitude of the values)" in done.stderr
    assert "502 POST /pay" in done.stdout
    groups = _groups(jsonlogger_log, "--by", "job")
    assert groups["resize"]["count"] == 101 and groups["resize"]["errors"] == 1
    assert groups["resize"]["p50"] == pytest.approx(0.069)  # elapsed_ms 20..119: the 50th is 69 ms
    text = perfkit("logs", jsonlogger_log).stdout
    assert "job crashed: disk full on /dev/sda<n>" in text  # the error template, number masked


def test_example_service_before_and_after_the_fix(tmp_path: Path) -> None:
    service = ROOT / "examples" / "order_service.py"
    runs = {}
    for name, extra in (("slow", []), ("fast", ["--fast"])):
        log = tmp_path / f"{name}.jsonl"
        done = subprocess.run(
            [sys.executable, str(service), "--demo", "2", "--log", str(log), *extra],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        sent, enriched = map(int, re.search(r"(\d+) orders sent, (\d+) enriched", done.stdout).groups())
        groups = _groups(log)
        assert groups["POST /orders"]["count"] == sent
        assert groups["order enriched"]["count"] == enriched
        runs[name] = log
    processing = _groups(runs["slow"], "--duration", "processing_ms")["order enriched"]
    latency = _groups(runs["slow"])["order enriched"]
    assert latency["p50"] >= processing["p50"]  # latency = queue wait + processing
    compared = _groups("--base", runs["slow"], runs["fast"])
    assert (
        compared["order enriched"]["significant"]
        and compared["order enriched"]["p50"] < compared["order enriched"]["base_p50"]
    )


@pytest.mark.skipif(
    not os.path.exists("/usr/sbin/nginx"), reason="SKIPPED LOUDLY: nginx is not installed (.ci/run installs it)"
)
def test_nginx_in_front_of_gunicorn(wsgi: Path) -> None:
    """nginx's combined format with $request_time and $upstream_response_time appended, proxying
    to gunicorn: what a production access log looks like."""
    port, upstream, log = _port(), _port(), wsgi / "access.log"
    conf = wsgi / "nginx.conf"
    conf.write_text(
        textwrap.dedent(
            f"""
            daemon off;
            worker_processes 1;
            pid {wsgi}/nginx.pid;
            error_log {wsgi}/error.log;
            events {{ worker_connections 64; }}
            http {{
                log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                                 '"$http_referer" "$http_user_agent" $request_time $upstream_response_time';
                access_log {log} timed;
                client_body_temp_path {wsgi}/body;
                proxy_temp_path {wsgi}/proxy;
                fastcgi_temp_path {wsgi}/fastcgi;
                uwsgi_temp_path {wsgi}/uwsgi;
                scgi_temp_path {wsgi}/scgi;
                server {{
                    listen 127.0.0.1:{port};
                    location / {{ proxy_pass http://127.0.0.1:{upstream}; }}
                }}
            }}
            """
        )
    )
    app = subprocess.Popen(
        [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{upstream}", "wsgiapp:app"],
        cwd=wsgi,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(upstream, app)
        _serve(["/usr/sbin/nginx", "-c", str(conf), "-p", str(wsgi)], port, wsgi)
    finally:
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=30)
    _check_plan(_groups(log))
    done = perfkit("logs", log)
    assert "Common/Combined Log Format, 28 lines" in done.stderr
    assert "duration=request_time (s, from the magnitude of the values)" in done.stderr
    upstream_time = _groups(log, "--duration", "tail2")  # $upstream_response_time, the second appended field
    assert upstream_time["GET /slow/:id"]["p50"] >= 0.05
