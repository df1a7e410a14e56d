"""Overhead of perfkit.debug's in-process sampler on a CPU-bound service's throughput.

    /tmp/venv311/bin/python benchmarks/bench_sampler.py [--rounds 6] [--seconds 3] [--threads 4] [--depth 30]

A service of ``--threads`` worker threads runs ``busy_handler`` requests (pure-Python work under a
``--depth``-frame call stack, like a web framework's) as fast as it can.  Rounds alternate
sampler off / sampler on at 100 Hz (cpu mode) and, for reference, pyinstrument on the main
thread's view (its default interval, 1 ms); each round counts requests done.  Alternating
rounds and reporting the median ratio keeps a noisy shared machine from biasing one side.
Prints a Markdown table (reports/sampler-overhead.md is this output).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import threading
import time

from perfkit.debug.sampler import Sampler


def busy_handler(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def nest(depth: int, fn, *args):
    if depth <= 0:
        return fn(*args)
    return nest(depth - 1, fn, *args)


def run_round(seconds: float, threads: int, depth: int, mode: str) -> tuple[int, dict]:
    stop = threading.Event()
    counts = [0] * threads

    def worker(k: int) -> None:
        while not stop.is_set():
            nest(depth, busy_handler, 2000)
            counts[k] += 1

    workers = [threading.Thread(target=worker, args=(k,), name=f"worker-{k}") for k in range(threads)]
    for w in workers:
        w.start()
    time.sleep(0.2)  # warm up
    base = sum(counts)
    extra: dict = {}
    if mode == "perfkit":
        sampler = Sampler(100, "cpu").start()
        time.sleep(seconds)
        done = sum(counts) - base
        profile = sampler.stop()
        extra = {"ticks": profile.metadata["ticks"], "sampler_cpu_ns": profile.metadata["sampler_cpu_ns"]}
    elif mode == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="disabled")
        profiler.start()
        time.sleep(seconds)
        done = sum(counts) - base
        profiler.stop()
    else:
        time.sleep(seconds)
        done = sum(counts) - base
    stop.set()
    for w in workers:
        w.join()
    return done, extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--depth", type=int, default=30)
    parser.add_argument("--no-pyinstrument", action="store_true")
    args = parser.parse_args()
    modes = ["off", "perfkit"] + ([] if args.no_pyinstrument else ["pyinstrument"])
    results: dict[str, list[int]] = {m: [] for m in modes}
    ticks: list[float] = []
    sampler_cpu: list[float] = []
    for _ in range(args.rounds):
        for mode in modes:
            done, extra = run_round(args.seconds, args.threads, args.depth, mode)
            results[mode].append(done)
            if extra:
                ticks.append(extra["ticks"] / args.seconds)
                sampler_cpu.append(extra["sampler_cpu_ns"] / (args.seconds * 1e9))
    off = statistics.median(results["off"])
    print(
        f"# Sampler overhead: {args.threads} CPU-bound threads, {args.depth}-frame stacks, {args.rounds} alternating rounds of {args.seconds:g}s"
    )
    print()
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {threading.active_count()} threads idle at the end; "
        "a shared 2-core machine (other work running), so single rounds are noisy: compare medians."
    )
    print()
    print("| profiler | median requests/round | throughput vs off | rounds |")
    print("|---|---:|---:|---|")
    for mode in modes:
        med = statistics.median(results[mode])
        print(f"| {mode} | {med:,.0f} | {100 * med / off:.1f}% | {', '.join(map(str, results[mode]))} |")
    print()
    print(
        f"perfkit sampler: {statistics.median(ticks):.0f} ticks/s achieved (100 requested; the sampler waits for the GIL),"
        f" its own thread used {100 * statistics.median(sampler_cpu):.2f}% of one CPU."
    )
    print()
    print("Remake: `" + " ".join(["/tmp/venv311/bin/python", "benchmarks/bench_sampler.py", *sys.argv[1:]]) + "`")


if __name__ == "__main__":
    main()
