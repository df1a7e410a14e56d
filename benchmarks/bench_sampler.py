"""Overhead of perfkit.debug's in-process sampler on a CPU-bound service's throughput.

    /tmp/venv311/bin/python benchmarks/bench_sampler.py [--rounds 8] [--seconds 2] [--threads 4] [--depth 30]

A service of ``--threads`` worker threads runs ``busy_handler`` requests (pure-Python work under a
``--depth``-frame call stack, like a web framework's) as fast as it can.  Rounds alternate
sampler off / sampler on at 100 Hz (cpu mode); each round counts requests done and the process
CPU time used.  Alternating
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


def run_round(seconds: float, threads: int, depth: int, sampled: bool) -> tuple[int, float, dict]:
    """(requests done, process CPU seconds used, sampler facts) for one round."""
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
    base, cpu0 = sum(counts), time.process_time()
    extra: dict = {}
    if sampled:
        sampler = Sampler(100, "cpu").start()
        time.sleep(seconds)
        done, cpu = sum(counts) - base, time.process_time() - cpu0
        profile = sampler.stop()
        extra = {"ticks": profile.metadata["ticks"], "sampler_cpu_ns": profile.metadata["sampler_cpu_ns"]}
    else:
        time.sleep(seconds)
        done, cpu = sum(counts) - base, time.process_time() - cpu0
    stop.set()
    for w in workers:
        w.join()
    return done, cpu, extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--depth", type=int, default=30)
    args = parser.parse_args()
    done: dict[bool, list[int]] = {False: [], True: []}
    per_cpu: dict[bool, list[float]] = {False: [], True: []}
    ticks: list[float] = []
    sampler_cpu: list[float] = []
    for _ in range(args.rounds):
        for sampled in (False, True):
            n, cpu, extra = run_round(args.seconds, args.threads, args.depth, sampled)
            done[sampled].append(n)
            per_cpu[sampled].append(n / cpu)
            if extra:
                ticks.append(extra["ticks"] / args.seconds)
                sampler_cpu.append(extra["sampler_cpu_ns"] / (args.seconds * 1e9))
    wall_ratio = statistics.median(done[True]) / statistics.median(done[False])
    cpu_ratio = statistics.median(per_cpu[True]) / statistics.median(per_cpu[False])
    print(f"# Sampler overhead at 100 Hz: {args.threads} CPU-bound threads, {args.depth}-frame stacks")
    print()
    print(
        f"Python {platform.python_version()}, {args.rounds} alternating rounds of {args.seconds:g} s "
        "(off, on, off, on ...)."
    )
    print("The machine is a shared 2-core box with other work running, so wall-clock rounds are noisy;")
    print("requests per CPU-second of the process is the steadier measure (the sampler's own CPU is included).")
    print()
    print("| measure | sampler off (median) | sampler on (median) | on / off |")
    print("|---|---:|---:|---:|")
    print(
        f"| requests per round | {statistics.median(done[False]):,.0f} | {statistics.median(done[True]):,.0f} "
        f"| {100 * wall_ratio:.1f}% |"
    )
    print(
        f"| requests per CPU-second | {statistics.median(per_cpu[False]):,.0f} "
        f"| {statistics.median(per_cpu[True]):,.0f} | {100 * cpu_ratio:.1f}% |"
    )
    print()
    print(f"Rounds off: {', '.join(map(str, done[False]))}; on: {', '.join(map(str, done[True]))}.")
    print()
    print(
        f"Sampler: {statistics.median(ticks):.0f} ticks/s achieved of 100 requested (with {args.threads} threads "
        "busy it waits for the GIL; CPU weights stay exact because each sample carries its thread's CPU-clock "
        f"delta); its own thread used {100 * statistics.median(sampler_cpu):.2f}% of one CPU."
    )
    print()
    print("Remake: `" + " ".join(["/tmp/venv311/bin/python", "benchmarks/bench_sampler.py", *sys.argv[1:]]) + "`")


if __name__ == "__main__":
    main()
