"""The issue's must-hold behaviour against a real service process over real sockets: the CPU
profile read by the real ``go tool pprof``, thread and task dumps, vars, metrics, CLI fetch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.debug.live import get, live_service

from perfkit.formats import pprof


@pytest.fixture(scope="module")
def service() -> str:
    with live_service("--workers", "2") as url:
        yield url


def test_cpu_profile_read_by_go_tool_pprof_busy_handler_dominant(service: str, go_tool: str, tmp_path: Path) -> None:
    status, headers, body = get(service, "/debug/pprof/profile?seconds=2")
    assert status == 200, body[:200]
    assert headers["content-type"] == "application/octet-stream"
    assert body[:2] == b"\x1f\x8b"
    path = tmp_path / "cpu.pb.gz"
    path.write_bytes(body)
    top = subprocess.run([go_tool, "tool", "pprof", "-top", str(path)], capture_output=True, text=True, check=True)
    rows = [
        line.split() for line in top.stdout.splitlines() if line.strip().endswith(("busy_handler", "light_handler"))
    ]
    flat = {row[-1]: float(row[1].rstrip("%")) for row in rows}
    assert flat.get("busy_handler", 0) > 70, top.stdout
    assert flat.get("busy_handler", 0) > 5 * flat.get("light_handler", 0.1), top.stdout
    profile = pprof.decode(body)
    assert [str(t) for t in profile.sample_types] == ["samples/count", "cpu/nanoseconds"]
    assert {"busy-0", "busy-1"} <= set(profile.label_values("thread"))
    # waiting threads (the idle event loop, the main thread) are all but absent from the CPU
    # profile: a tick may catch one in the moment it wakes, weighted by the little CPU it used
    cpu = profile.stack_totals("cpu")
    waiting = sum(v for stack, v in cpu.items() if stack and profile.frames[stack[-1]].function.endswith(".wait"))
    assert waiting <= 0.02 * sum(cpu.values()), f"waiting threads took {waiting} of {sum(cpu.values())} ns"


def test_goroutine_debug2_names_each_thread_and_task(service: str) -> None:
    status, _, body = get(service, "/debug/pprof/goroutine?debug=2")
    text = body.decode()
    assert status == 200
    for name in ("busy-0", "busy-1", "light", "event-loop", "MainThread"):
        assert f"thread {name!r}" in text
    blocks = text.split("\n\n")
    busy = next(b for b in blocks if b.startswith("thread 'busy-0'"))
    assert "in busy_handler" in busy and "daemon" in busy
    for n in range(3):
        task = next(b for b in blocks if b.startswith(f"task 'poll-orders-{n}'"))
        assert "[pending]" in task and "in poll_orders" in task and "on thread 'event-loop'" in task
    assert "perfkit-debug-server" in text  # the server thread itself is listed, the answering one is not


def test_goroutine_debug1_groups_identical_stacks(service: str) -> None:
    text = get(service, "/debug/pprof/goroutine?debug=1")[2].decode()
    assert "3 @ tasks 'poll-orders-0', 'poll-orders-1', 'poll-orders-2'" in text
    assert "2 @ threads 'busy-0', 'busy-1'" in text


def test_goroutine_debug0_is_pprof_with_thread_and_task_labels(service: str, go_tool: str, tmp_path: Path) -> None:
    status, _, body = get(service, "/debug/pprof/goroutine?debug=0")
    assert status == 200
    profile = pprof.decode(body)
    assert {"poll-orders-0", "poll-orders-1", "poll-orders-2"} <= set(profile.label_values("task"))
    path = tmp_path / "goroutine.pb.gz"
    path.write_bytes(body)
    traces = subprocess.run(
        [go_tool, "tool", "pprof", "-traces", str(path)], capture_output=True, text=True, check=True
    )
    assert "poll_orders" in traces.stdout and "busy_handler" in traces.stdout


def test_vars_is_json_with_process_facts(service: str) -> None:
    status, headers, body = get(service, "/debug/vars")
    assert status == 200 and headers["content-type"].startswith("application/json")
    doc = json.loads(body)
    assert doc["threads"] >= 5
    assert doc["asyncio_tasks"] == 4  # three pollers and the task gathering them
    assert doc["rss_bytes"] > 1_000_000
    assert doc["cpu_seconds"]["user"] > 0
    assert len(doc["gc"]["collections"]) == 3
    assert doc["pid"] > 0 and doc["uptime_seconds"] > 0


def test_metrics_is_prometheus_text(service: str) -> None:
    status, headers, body = get(service, "/debug/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    assert families["perfkit_threads"].samples[0].value >= 5
    assert families["perfkit_process_info"].samples[0].labels["pid"] == headers["x-perfkit-pid"]
    assert families["perfkit_asyncio_tasks"].samples[0].value == 4
    assert "process_cpu_seconds" in families and "python_gc_collections" in families


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [("svg", b"<svg"), ("folded", b"busy_handler"), ("speedscope", b'"$schema"'), ("html", b"<!DOCTYPE html")],
)
def test_profile_formats(service: str, fmt: str, marker: bytes) -> None:
    status, _, body = get(service, f"/debug/pprof/profile?seconds=1&format={fmt}")
    assert status == 200
    assert marker.lower() in body[:4096].lower() or marker in body


def test_wall_mode_samples_waiting_threads_and_tasks(service: str) -> None:
    body = get(service, "/debug/pprof/profile?seconds=1&mode=wall")[2]
    profile = pprof.decode(body)
    assert str(profile.sample_types[1]) == "wall/nanoseconds"
    assert {"poll-orders-0", "poll-orders-1", "poll-orders-2"} <= set(profile.label_values("task"))
    assert "MainThread" in profile.label_values("thread")


def test_index_and_cmdline(service: str) -> None:
    status, headers, body = get(service, "/debug/pprof/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    for route in ("profile", "heap", "goroutine", "cmdline", "/debug/vars", "/debug/metrics"):
        assert route.encode() in body
    argv = get(service, "/debug/pprof/cmdline")[2].split(b"\x00")
    assert argv[1].endswith(b"live_service.py")


def test_heap_off_is_503_with_the_fix(service: str) -> None:
    status, _, body = get(service, "/debug/pprof/heap")
    assert status == 503
    assert b"PYTHONTRACEMALLOC=25" in body and b"tracemalloc=True" in body


def test_cli_profile_url_fetches_and_converts(service: str, tmp_path: Path) -> None:
    out = tmp_path / "live.folded"
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "profile", "--url", service, "--seconds", "1", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr
    assert "busy_handler" in out.read_text()


def test_cli_dump_url(service: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "dump", "--url", service], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "task 'poll-orders-1'" in done.stdout and "thread 'busy-1'" in done.stdout
