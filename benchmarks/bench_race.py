"""Overhead of ``perfkit race`` on a race-free, attribute-heavy threaded pipeline.

Runs ``benchmarks/race_pipeline.py`` (queues, a lock, 150,000 orders) plainly and under the
detector, alternating, ``--repeat`` times each, and prints the medians of the pipeline's own
time, the whole process's wall time and peak RSS. With ``--write`` the table goes to
``reports/race-overhead.md`` (numbers from a shared 2-core machine are noisy: compare ratios).

    python benchmarks/bench_race.py --repeat 5 --write
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PIPELINE = HERE / "race_pipeline.py"
REPORT = HERE.parent / "reports" / "race-overhead.md"


_STEPS = (
    (
        "first working version: every first access to a location took the FastTrack slow path",
        "0.70 s → 6.80 s (1 run)",
        "9.8x",
        "3.5x",
    ),
    (
        "first access creates the location state directly; per-type shadow flags (weak-referenceable, ignored, module)",
        "0.77 s → 4.58 s (1 run)",
        "5.9x",
        "3.6x",
    ),
    ("same, 3 runs under heavier load", "0.59 s → 5.51 s (median)", "9.4x", "2.9x"),
    (
        "epoch check inlined; Condition wrappers only on user-created conditions; queue waits reported to "
        "the watchdog only when they block",
        "0.52 s → 3.35 s (median of 5)",
        "6.4x",
        "2.8x",
    ),
    (
        "after the asyncio fixes, on a quiet machine, default scheduling: threads convoy on the queues' "
        "mutexes while waiting for the GIL",
        "0.77 s → 8.93 s (median of 5; pinned to one core 0.64 → 3.96 s, 6.2x)",
        "11.5x",
        "2.8x",
    ),
    (
        "GIL switch interval 30 ms under the detector (6x Python's 5 ms, as the code runs ~6x slower); "
        "FIFO/LIFO queues receive the clock outside the queue mutex",
        "0.64 s → 4.15 s (median of 5, default scheduling)",
        "6.5x",
        "2.8x",
    ),
)
HISTORY = "\n".join(
    [
        "",
        "## Before and after the hot-path work",
        "",
        "Measured on the same 2-core VM (the first rows under load average 3-5, the last two quiet; expect ±30%):",
        "",
        "| detector version | pipeline time plain → race | ratio | peak RSS ratio |",
        "|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in _STEPS),
        "",
        "Per access, the fast path is: one builtin ``getattr``/``setattr``, a thread-local read of the",
        "current logical thread, two dict lookups (object id, then attribute) and one int comparison",
        "with the thread's epoch. The resident-memory cost is mostly the detector's own modules",
        "(``ast`` and friends, ~15 MiB); per-object shadow state is freed with the object.",
        "",
    ]
)


def run(cmd: list[str]) -> dict[str, float]:
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {out.returncode}:\n{out.stderr}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return {"pipeline": data["seconds"], "wall": wall, "rss": data["rss_kib"] / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--orders", type=int, default=150_000)
    ap.add_argument("--write", action="store_true", help=f"write {REPORT.relative_to(HERE.parent)}")
    args = ap.parse_args()
    tables = [
        ("default scheduling (both cores)", measure([], args)),
        ("pinned to one core (`taskset -c 0`)", measure(["taskset", "-c", "0"], args)),
    ]
    text = "\n\n".join(f"### {title}\n\n{table}" for title, table in tables)
    print(text)
    if args.write:
        REPORT.parent.mkdir(exist_ok=True)
        env = f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs (shared VM)"
        REPORT.write_text(
            "# perfkit race: overhead on a race-free threaded pipeline\n\n"
            f"Remake with: `python benchmarks/bench_race.py --repeat {args.repeat} --write`\n\n"
            f"Target: `benchmarks/race_pipeline.py {args.orders}` (producer → 2 pricers → accountant, "
            "bounded queues, one lock, ~20 attribute accesses per order). "
            f"{args.repeat} alternating runs each; {env}.\n\n"
            "Four threads contending for the GIL and the queues' mutexes make wall time swing with "
            "scheduling on this VM (the plain run alone moved between 0.54 s and 1.04 s within minutes on "
            "an idle machine): the pinned table is the steadier comparison, the default one what a user sees.\n\n"
            f"{text}\n" + HISTORY
        )


def measure(prefix: list[str], args: argparse.Namespace) -> str:
    """Alternate plain and raced runs under ``prefix`` (e.g. taskset); a markdown table of medians."""
    plain_cmd = [*prefix, sys.executable, str(PIPELINE), str(args.orders)]
    race_cmd = [*prefix, sys.executable, "-m", "perfkit", "race", "--", "python", str(PIPELINE), str(args.orders)]
    plain: list[dict[str, float]] = []
    raced: list[dict[str, float]] = []
    for _ in range(args.repeat):
        plain.append(run(plain_cmd))
        raced.append(run(race_cmd))

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    rows = []
    for key, label, unit in (
        ("pipeline", "pipeline time", "s"),
        ("wall", "process wall time", "s"),
        ("rss", "peak RSS", "MiB"),
    ):
        p, r = med(plain, key), med(raced, key)
        rows.append(f"| {label} | {p:.2f} {unit} | {r:.2f} {unit} | {r / p:.1f}x |")
    return "\n".join(["| measure (median) | plain | perfkit race | ratio |", "|---|---|---|---|", *rows])


if __name__ == "__main__":
    main()
