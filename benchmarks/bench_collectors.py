"""Overhead and accuracy of perfkit's py-spy and pyinstrument collectors on a fixed amount of work.

Remake the numbers (writes reports/collectors.md):

    /tmp/venv311/bin/python benchmarks/bench_collectors.py --repeat 3

The target runs ``hot()`` 7 times for every 3 ``cold()`` calls (tests/programs/cpu_split.py's
functions) a fixed number of rounds, so profiler overhead shows as extra wall time, and the share
of ``hot`` in ``hot + cold`` shows attribution error (ideal: 70 %).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from perfkit.collectors import RecordOptions, record  # noqa: E402
from perfkit.collectors.pyspy import find_pyspy  # noqa: E402

FIXED_WORK = """
import sys
sys.path.insert(0, {programs!r})
from cpu_split import cold, hot
for _ in range({rounds}):
    for _ in range(7):
        hot()
    for _ in range(3):
        cold()
"""


def share(profile) -> float:
    hot = profile.filter(focus="^hot$").total()
    cold = profile.filter(focus="^cold$").total()
    return hot / (hot + cold) if hot + cold else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "collectors.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "fixed_work.py"
        script.write_text(FIXED_WORK.format(programs=str(ROOT / "tests" / "programs"), rounds=args.rounds))
        command = [sys.executable, str(script)]
        cases = [
            ("plain python (no profiler)", None, None),
            ("py-spy, 100 Hz", "py-spy", RecordOptions(rate=100)),
            ("py-spy, 1000 Hz", "py-spy", RecordOptions(rate=1000)),
            ("pyinstrument, 100 Hz (10 ms interval)", "pyinstrument", RecordOptions(rate=100)),
            ("pyinstrument, 1000 Hz (1 ms interval)", "pyinstrument", RecordOptions(rate=1000)),
        ]
        rows = []
        for name, backend, options in cases:
            times, shares, samples = [], [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                if backend is None:
                    subprocess.run(command, check=True)
                else:
                    profile = record(command, backend, options)
                    shares.append(share(profile))
                    samples.append(profile.total("samples"))
                times.append(time.perf_counter() - started)
            rows.append((name, statistics.median(times), min(times), max(times), shares, samples))
            print(f"{name}: median {statistics.median(times):.2f} s", file=sys.stderr)
    base = rows[0][1]
    load_after = os.getloadavg()[0]
    lines = [
        "# Collector overhead and accuracy",
        "",
        f"Remake: `python benchmarks/bench_collectors.py --repeat {args.repeat}"
        f" --rounds {args.rounds}` (from the repository root).",
        "",
        f"Machine: {platform.machine()}, {platform.system()} {platform.release()}, Python {platform.python_version()},"
        f" py-spy at {find_pyspy()}. Measured on a shared 2-core machine while other work ran: wall times are noisy,"
        " compare within one table only"
        f" (1-minute load average {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores).",
        "",
        f"Fixed work: {args.rounds} rounds of 7 x hot() + 3 x cold(); wall time of the whole `record` call"
        " (interpreter start-up, profiler start-up, reading the output). hot share ideal = 70 %.",
        "",
        "| case | median wall s | min-max s | vs plain | hot share per run | samples per run |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, median, low, high, shares, samples in rows:
        share_text = ", ".join(f"{s * 100:.1f} %" for s in shares) or "-"
        sample_text = ", ".join(str(n) for n in samples) or "-"
        lines.append(
            f"| {name} | {median:.2f} | {low:.2f}-{high:.2f} | {median / base:.2f}x | {share_text} | {sample_text} |"
        )
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
