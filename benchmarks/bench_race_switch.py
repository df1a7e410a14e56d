"""Does a race whose accesses need two threads to run get found? Detection rate by GIL switch
interval on a worker group (``race_worker_group.py``: three workers, one queue, an unlocked
``stats.done += 1``), for growing amounts of work.

A race is found only if both accesses happen; with a long switch interval one worker can take
every item before the others run. Alternates the intervals run by run.

    python benchmarks/bench_race_switch.py --runs 10 --write     # reports/race-switch-interval.md
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "race_worker_group.py"
REPORT = HERE.parent / "reports" / "race-switch-interval.md"
INTERVALS = ("0.03", "0.005", "0.001")
SIZES = (100, 300, 1000, 3000)


def found(interval: str, items: int) -> bool:
    env = {**os.environ, "PERFKIT_RACE": f"switch_interval={interval}"}
    cmd = [sys.executable, "-m", "perfkit", "race", "--", "python", str(TARGET), str(items)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    return done.returncode == 66 and "Stats.done" in done.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--write", action="store_true", help=f"write {REPORT.relative_to(HERE.parent)}")
    args = ap.parse_args()
    hits = {(i, n): 0 for i in INTERVALS for n in SIZES}
    load = [os.getloadavg()[0]]
    for n in SIZES:
        for _ in range(args.runs):
            for interval in INTERVALS:
                hits[interval, n] += found(interval, n)
    load.append(os.getloadavg()[0])
    head = "| items (≈10 µs of work each) | " + " | ".join(f"switch_interval={i}" for i in INTERVALS) + " |"
    rows = [head, "|---" * (len(INTERVALS) + 1) + "|"]
    for n in SIZES:
        rows.append(f"| {n} | " + " | ".join(f"{hits[i, n]} of {args.runs}" for i in INTERVALS) + " |")
    table = "\n".join(rows)
    print(table)
    if args.write:
        REPORT.write_text(
            "# perfkit race: detection by GIL switch interval\n\n"
            f"Remake with: `python benchmarks/bench_race_switch.py --runs {args.runs} --write`\n\n"
            f"Runs in which the worker group's race (`benchmarks/race_worker_group.py`) was reported, "
            f"alternating intervals. Python {platform.python_version()}, {os.cpu_count()} CPUs, load "
            f"average {load[0]:.1f} at the start and {load[1]:.1f} at the end.\n\n{table}\n"
        )


if __name__ == "__main__":
    main()
