"""The standalone debug server under a burst: 200 clients asking ``/debug/vars`` at once.

    python benchmarks/bench_debug_server.py [--clients 200] [--rounds 3] [--out reports/debug-server.md]

tests/debug/programs/live_service.py (debug server on 127.0.0.1, plus its own threads: two
busy ones with ``--workers 2``, none with ``--workers 0``) gets ``--clients`` simultaneous
connections (released together by a barrier), each one GET /debug/vars on its own connection.
Reports successes and latency percentiles per round, and how many threads the service had
while 300 idle connections were held open (the pool is bounded; idle clients time out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.debug.live import get, live_service  # noqa: E402


def burst(url: str, clients: int) -> tuple[int, list[float]]:
    """(successes, latencies in s) of ``clients`` simultaneous GET /debug/vars."""
    barrier = threading.Barrier(clients)
    latencies: list[float] = []
    ok = [0]
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            status = get(url, "/debug/vars", timeout=30)[0]
        except OSError:
            status = 0
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            ok[0] += status == 200

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ok[0], sorted(latencies)


def idle_connections(url: str, count: int) -> int:
    """The service's thread count while ``count`` connections sit open sending nothing."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    socks = [socket.create_connection((host, int(port))) for _ in range(count)]
    try:
        time.sleep(0.5)
        return json.loads(get(url, "/debug/vars", timeout=30)[2])["threads"]
    finally:
        for sock in socks:
            sock.close()


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = []
    for label, workers in (("idle service", "0"), ("2 busy threads", "2")):
        with live_service("--workers", workers, seconds=3600) as url:
            threads = idle_connections(url, 300)
            time.sleep(1.0)  # let the server see the 300 connections close before the first burst
            for n in range(args.rounds):
                load = os.getloadavg()[0]
                ok, lat = burst(url, args.clients)
                rows.append((label, n + 1, ok, pct(lat, 0.5), pct(lat, 0.99), lat[-1], threads, load))
                print(rows[-1], flush=True)
    lines = [
        f"### Standalone debug server: {args.clients} simultaneous GET /debug/vars",
        "",
        f"Python {platform.python_version()}, {args.rounds} rounds per service; 2-core shared machine, load average "
        "at the start of each round. Threads: the service's thread count while 300 idle connections were open.",
        "",
        "| service | round | succeeded | p50 ms | p99 ms | max ms | threads, 300 idle conns | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, n, ok, p50, p99, top, threads, load in rows:
        lines.append(
            f"| {label} | {n} | {ok}/{args.clients} | {p50 * 1e3:.0f} | {p99 * 1e3:.0f} | {top * 1e3:.0f} "
            f"| {threads} | {load:.1f} |"
        )
    worst = max(r[4] for r in rows)
    lines += [
        "",
        f"Worst p99: **{worst * 1e3:.0f} ms**; median of p99s {statistics.median(r[4] for r in rows) * 1e3:.0f} ms.",
    ]
    lines += ["", f"Remake: `python benchmarks/bench_debug_server.py --clients {args.clients} --rounds {args.rounds}`"]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report)


if __name__ == "__main__":
    main()
