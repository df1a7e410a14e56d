"""How long ``/debug/pprof/heap`` takes on a service with a large traced heap.

    python benchmarks/bench_debug_heap.py [--hold-mb 26] [--repeat 3] [--out reports/debug-heap.md]

tests/debug/programs/live_service.py runs with tracemalloc (25 frames) and grows its traced heap
to ``--hold-mb`` MB; the heap profile is fetched ``--repeat`` times while the service is idle
(``--workers 0``) and while two threads burn CPU in it (``--workers 2``), and once as a 2-second
delta (``heap?seconds=2``, whose time includes the 2 s).  Each answer is checked with ``go tool
pprof`` when go is installed.  Prints a Markdown table (the report).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.debug.live import get, live_service  # noqa: E402

from perfkit.formats import pprof  # noqa: E402


def cpu_seconds(url: str) -> tuple[float, float]:
    """(the service's own CPU seconds, its reaped children's): from /proc/PID/stat (utime, stime,
    cutime, cstime), so the CPU of the forked child that builds the profile is counted too."""
    pid = json.loads(get(url, "/debug/vars")[2])["pid"]
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = os.sysconf("SC_CLK_TCK")
    utime, stime, cutime, cstime = (int(v) / ticks for v in fields[11:15])
    return utime + stime, cutime + cstime


def fetch(url: str, path: str) -> tuple[float, float, float, bytes]:
    """(wall seconds, service CPU seconds meanwhile, its children's CPU seconds, body): the CPU
    figures are what a quiet machine would need at least, whatever the load on this one."""
    own, children = cpu_seconds(url)
    started = time.perf_counter()
    status, _, body = get(url, path, timeout=600)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"{path}: HTTP {status}: {body[:200]!r}")
    own_after, children_after = cpu_seconds(url)
    return elapsed, own_after - own, children_after - children, body


def go_reads(body: bytes) -> str:
    go = shutil.which("go")
    if go is None:
        return "go not installed"
    with tempfile.NamedTemporaryFile(suffix=".pb.gz") as handle:
        handle.write(body)
        handle.flush()
        done = subprocess.run([go, "tool", "pprof", "-top", handle.name], capture_output=True, text=True)
    return "yes" if done.returncode == 0 and "inuse_space" in done.stdout else f"no: {done.stderr[:100]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold-mb", type=float, default=26)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = []
    fork = os.environ.get("PERFKIT_DEBUG_FORK") != "0"
    for label, workers in (("idle", "0"), ("2 busy threads", "2")):
        load = os.getloadavg()[0]
        hold = ("--tracemalloc", "--hold-mb", str(args.hold_mb))
        with live_service("--workers", workers, *hold, seconds=3600) as url:
            times, cpus, children, body = [], [], [], b""
            for _ in range(args.repeat):
                elapsed, cpu, child, body = fetch(url, "/debug/pprof/heap")
                times.append(elapsed)
                cpus.append(cpu)
                children.append(child)
            profile = pprof.decode(body)
            traced = float(profile.metadata.get("traced_memory", 0)) / 1e6
            delta_time, delta_cpu, delta_child, _delta = fetch(url, "/debug/pprof/heap?seconds=2")
        delta = (delta_time, delta_cpu, delta_child)
        rows.append((label, traced, times, cpus, children, delta, go_reads(body), load))
        print(rows[-1], flush=True)
    lines = [
        f"### /debug/pprof/heap with a {args.hold_mb:g} MB traced heap (tracemalloc, 25 frames)"
        + ("" if fork else ", built in process (PERFKIT_DEBUG_FORK=0)"),
        "",
        f"Python {platform.python_version()}, {args.repeat} requests each; 2-core shared machine, load average "
        "at the start of each row. Service CPU is all the service's threads' CPU during the request (with busy "
        "threads, theirs too); child CPU is the forked child's that built the profile.",
        "",
        "| service | traced MB | heap: each request, s | median, s | service CPU, s | child CPU, s "
        "| heap?seconds=2: wall / service CPU / child CPU, s | go | load |",
        "|---|---:|---|---:|---|---|---|---|---:|",
    ]
    for label, traced, times, cpus, children, (delta_time, delta_cpu, delta_child), reads, load in rows:
        each = " / ".join(f"{t:.2f}" for t in times)
        cpu = " / ".join(f"{c:.2f}" for c in cpus)
        child = " / ".join(f"{c:.2f}" for c in children)
        median = statistics.median(times)
        lines.append(
            f"| {label} | {traced:.1f} | {each} | {median:.2f} | {cpu} | {child} "
            f"| {delta_time:.2f} / {delta_cpu:.2f} / {delta_child:.2f} | {reads} "
            f"| {load:.1f} |"
        )
    fork_env = "" if fork else "PERFKIT_DEBUG_FORK=0 "
    lines += [
        "",
        f"Remake: `{fork_env}python benchmarks/bench_debug_heap.py --hold-mb {args.hold_mb:g} --repeat {args.repeat}`",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report)


if __name__ == "__main__":
    main()
