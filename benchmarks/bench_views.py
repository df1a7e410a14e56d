"""Time the text views and the HTML report on a large synthetic profile, and `go tool pprof -top`
on the same data as the peer.

    /tmp/venv311/bin/python benchmarks/bench_views.py [--samples N] [--out reports/views-benchmark.md]

The profile is deterministic (seeded): N samples over ~N/10 distinct stacks 8-40 frames deep drawn
from 3,000 functions in 300 files, two sample types (cpu, samples) and 8 threads.  Each timing is
the best of ``--repeat`` runs (wall clock), so machine noise inflates numbers rather than hiding
regressions; the machine and load are recorded in the output.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from perfkit import files
from perfkit.atomic import atomic_write
from perfkit.model import Frame, Profile, ValueType
from perfkit.views import report
from perfkit.views.listing import format_listing
from perfkit.views.top import format_top


def synthetic(samples: int, seed: int = 1) -> Profile:
    """A big, deterministic two-type profile with thread labels and recursion."""
    rng = random.Random(seed)
    funcs = [Frame(f"func_{i}", f"/srv/app/mod_{i % 300}.py", 10 + (i * 7) % 400) for i in range(3000)]
    profile = Profile([ValueType("cpu", "nanoseconds"), ValueType("samples", "count")], period=10_000_000)
    stacks = []
    for _ in range(max(1, samples // 10)):
        depth = rng.randint(8, 40)
        # callers near the root are few and shared (skewed), leaves spread over every function
        stack = [funcs[0], *(funcs[int(rng.paretovariate(1.2)) % 50] for _ in range(depth // 2))]
        stack += [funcs[rng.randrange(len(funcs))] for _ in range(depth - depth // 2)]
        stacks.append(tuple(profile.frame_id(f) for f in stack))
    labels = [profile.labelset_id({"thread": f"worker-{t}"}) for t in range(8)]
    for _ in range(samples):
        sid = profile.stack_id(stacks[rng.randrange(len(stacks))])
        count = int(rng.paretovariate(1.5))
        profile.add_ids(sid, (count * 10_000_000, count), labels[rng.randrange(8)])
    return profile


def best(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("reports/views-benchmark.md"))
    args = parser.parse_args()

    profile = synthetic(args.samples)
    rows: list[tuple[str, float]] = []
    rows.append(("perfkit top (by function)", best(lambda: format_top(profile), args.repeat)))
    rows.append(("perfkit top (by line)", best(lambda: format_top(profile, by="line"), args.repeat)))
    rows.append(("perfkit list ^func_1$", best(lambda: format_listing(profile, "^func_1$"), args.repeat)))
    html = report.write(profile)
    rows.append(("perfkit HTML report (2 types)", best(lambda: report.write(profile), args.repeat)))

    go = shutil.which("go")
    peer = "go not installed"
    if go:
        with tempfile.TemporaryDirectory() as tmp:
            pb = Path(tmp) / "bench.pb.gz"
            files.save(profile, pb)
            cmd = [go, "tool", "pprof", "-top", "-sample_index=cpu", str(pb)]
            subprocess.run(cmd, check=True, capture_output=True)  # warm the go build cache
            rows.append(
                (
                    "go tool pprof -top (same data, .pb.gz)",
                    best(lambda: subprocess.run(cmd, check=True, capture_output=True), args.repeat),
                )
            )
            peer = subprocess.run([go, "version"], capture_output=True, text=True).stdout.strip()

    stacks = len(profile.stacks)
    lines = [
        "# Views benchmark: top, list, HTML report",
        "",
        f"Remake with: `/tmp/venv311/bin/python benchmarks/bench_views.py --samples {args.samples}"
        f" --repeat {args.repeat} --out {args.out}`",
        "",
        f"Input: synthetic profile, {len(profile):,} samples, {stacks:,} distinct stacks, "
        f"{len(profile.frames):,} frames, 2 sample types, 8 threads (seeded, see the script).",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {peer}; "
        "the machine was shared with other work, so numbers are noisy upper bounds.",
        f"HTML report size: {len(html.encode()) / 1e6:.2f} MB (two flame graphs inline).",
        "",
        f"| operation | best of {args.repeat} (s) |",
        "|---|---:|",
        *(f"| {name} | {seconds:.3f} |" for name, seconds in rows),
        "",
    ]
    atomic_write(args.out, "\n".join(lines))
    sys.stdout.write("\n".join(lines))


if __name__ == "__main__":
    main()
