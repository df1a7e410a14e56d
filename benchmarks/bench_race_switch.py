"""Does a race whose accesses need two threads to run get found, and what does the scheduling
that finds it cost? Detection rate by scheduling option on a worker group
(``race_worker_group.py``: three workers, one queue, an unlocked ``stats.done += 1``), for
growing amounts of work; then the race-free threaded pipeline's time under each option.

A race is found only if both accesses happen; with a long switch interval one worker can take
every item before the others run. The options are alternated run by run.

    python benchmarks/bench_race_switch.py --runs 10 --write     # reports/race-switch-interval.md
    python benchmarks/bench_race_switch.py --runs 8 --cost-runs 0 --sizes 30,100 --quanta 250,1000,2000

The second form compares other hand-off quanta (``perturb=N`` µs) with the default, printing only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "race_worker_group.py"
PIPELINE = HERE / "race_pipeline.py"
REPORT = HERE.parent / "reports" / "race-switch-interval.md"
#: (column, PERFKIT_RACE): the last one is the detector's default
OPTIONS = (
    ("30 ms interval", "switch_interval=0.03 perturb=0"),
    ("5 ms interval (Python's)", "switch_interval=0.005 perturb=0"),
    ("1 ms interval", "switch_interval=0.001 perturb=0"),
    ("5 ms + hand-off after 500 µs alone (default)", ""),
)
SIZES = (100, 300, 1000, 3000)


def race_env(setting: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PERFKIT_RACE"] = setting
    return env


def found(setting: str, items: int) -> bool:
    cmd = [sys.executable, "-m", "perfkit", "race", "--", "python", str(TARGET), str(items)]
    done = subprocess.run(cmd, env=race_env(setting), capture_output=True, text=True, timeout=300)
    return done.returncode == 66 and "Stats.done" in done.stderr


def pipeline(setting: str | None, orders: int) -> tuple[float, float]:
    """The pipeline's own seconds and its process's CPU seconds (None: without the detector)."""
    if setting is None:
        cmd, env = [sys.executable, str(PIPELINE), str(orders)], race_env("")
    else:
        cmd = [sys.executable, "-m", "perfkit", "race", "--", "python", str(PIPELINE), str(orders)]
        env = race_env(setting)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"], cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--cost-runs", type=int, default=3)
    ap.add_argument("--orders", type=int, default=150_000)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="worker group sizes (items), comma-separated")
    ap.add_argument("--quanta", default="", help="extra hand-off quanta to compare (perturb=N µs), comma-separated")
    ap.add_argument("--write", action="store_true", help=f"write {REPORT.relative_to(HERE.parent)}")
    args = ap.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    options = OPTIONS + tuple((f"hand-off after {q} µs", f"perturb={q}") for q in args.quanta.split(",") if q)
    load = [os.getloadavg()[0]]
    hits = {(label, n): 0 for label, _ in options for n in sizes}
    for n in sizes:
        for _ in range(args.runs):
            for label, setting in options:
                hits[label, n] += found(setting, n)
    load.append(os.getloadavg()[0])
    costs: dict[str, list[tuple[float, float]]] = {"plain": []} | {label: [] for label, _ in options}
    for _ in range(args.cost_runs):
        costs["plain"].append(pipeline(None, args.orders))
        for label, setting in options:
            costs[label].append(pipeline(setting, args.orders))
    load.append(os.getloadavg()[0])

    head = "| items (≈10 µs of work each) | " + " | ".join(label for label, _ in options) + " |"
    rows = [head, "|---" * (len(options) + 1) + "|"]
    for n in sizes:
        rows.append(f"| {n} | " + " | ".join(f"{hits[label, n]} of {args.runs}" for label, _ in options) + " |")
    if not args.cost_runs:
        print("\n".join(rows) + f"\n\nload average {load[0]:.1f} at the start, {load[1]:.1f} at the end")
        return
    plain_s = statistics.median(s for s, _ in costs["plain"])
    plain_cpu = statistics.median(c for _, c in costs["plain"])
    cost_rows = [
        "| scheduling | pipeline time | ratio to plain | process CPU time | ratio to plain |",
        "|---|---|---|---|---|",
    ]
    cost_rows.append(f"| plain Python | {plain_s:.2f} s | 1.0x | {plain_cpu:.2f} s | 1.0x |")
    for label, _ in options:
        s = statistics.median(x for x, _ in costs[label])
        c = statistics.median(x for _, x in costs[label])
        cost_rows.append(f"| {label} | {s:.2f} s | {s / plain_s:.1f}x | {c:.2f} s | {c / plain_cpu:.1f}x |")
    table, cost_table = "\n".join(rows), "\n".join(cost_rows)
    print(table + "\n\n" + cost_table)
    if args.write:
        settings = "; ".join(f'{label}: `PERFKIT_RACE="{setting}"`' for label, setting in options if setting)
        REPORT.write_text(
            "# perfkit race: detection and cost by scheduling\n\n"
            f"Remake with: `python benchmarks/bench_race_switch.py --runs {args.runs} "
            f"--cost-runs {args.cost_runs} --write`\n\n"
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs (shared VM), load average "
            f"{load[0]:.1f} at the start, {load[1]:.1f} after the detection runs, {load[2]:.1f} at the end. "
            f"Options: {settings}; the default is `switch_interval=0.005 perturb=500`.\n\n"
            "## Detection\n\n"
            f"Runs in which the worker group's race (`benchmarks/race_worker_group.py ITEMS`) was reported, "
            "the options alternating run by run.\n\n"
            f"{table}\n\n"
            "## Cost\n\n"
            f"`benchmarks/race_pipeline.py {args.orders}` (producer → 2 pricers → accountant), median of "
            f"{args.cost_runs} alternating runs; process CPU time includes the `perfkit` command's start-up.\n\n"
            f"{cost_table}\n"
        )


if __name__ == "__main__":
    main()
