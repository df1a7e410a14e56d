"""Time the memray capture reader and the Scalene JSON reader.

    /tmp/venv311/bin/python benchmarks/bench_memray_scalene_readers.py [--repeat 3]
        [--out reports/memray-scalene-readers.md]

memray: captures are made here with ``memray run --trace-python-allocators`` of (a)
tests/programs/alloc_split_total.py and (b) a generated program making 300,000 small
allocations from 500 distinct call stacks.  ``perfkit`` is :func:`memray_capture.read` (a worker
interpreter runs memray's reader and sends JSON back, see that module for why); ``memray
in-process`` iterates the same records with ``memray.FileReader`` here, the floor the worker adds
to.  Scalene: :func:`scalene_json.read` on the committed golden profiles.  Times are the best of
``--repeat`` runs (wall clock) on a shared 2-core machine, so treat them as rough.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import memray

from perfkit.formats import memray_capture, scalene_json

ROOT = Path(__file__).resolve().parent.parent
MANY = """
import random
def leaf(n):
    return [bytes(16 + n % 64) for _ in range(n)]
def make(depth, k):
    if depth == 0:
        return leaf(600)
    return make(depth - 1, k)
fns = {}
for i in range(500):
    exec(f"def f{i}(): return make({i % 7}, {i})", globals(), fns)
for i in range(500):
    fns[f"f{i}"]()
"""


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def in_process(path: Path) -> int:
    reader = memray.FileReader(str(path))
    n = 0
    for record in reader.get_allocation_records():
        if record.allocator not in (memray.AllocatorType.FREE, memray.AllocatorType.PYMALLOC_FREE):
            n += 1
    for _ in reader.get_high_watermark_allocation_records(merge_threads=False):
        n += 1
    reader.close()
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "reports" / "memray-scalene-readers.md"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        many = Path(tmp) / "many.py"
        many.write_text(MANY)
        for name, program in (("alloc_split_total.py", ROOT / "tests/programs/alloc_split_total.py"), ("many", many)):
            capture = Path(tmp) / f"{name}.bin"
            memray_run = [sys.executable, "-m", "memray", "run", "-q", "-f", "--trace-python-allocators"]
            subprocess.run([*memray_run, "-o", str(capture), str(program)], check=True)
            profile = memray_capture.read(capture)
            records = profile.metadata["total_allocations"]
            t_perfkit = best(lambda c=capture: memray_capture.read(c), args.repeat)
            t_floor = best(lambda c=capture: in_process(c), args.repeat)
            rows.append(
                f"| memray `{name}` ({records:,} records, {capture.stat().st_size / 1e6:.1f} MB, "
                f"{len(profile.stacks):,} stacks) | {t_perfkit * 1e3:.0f} ms | {t_floor * 1e3:.0f} ms |"
            )
    for name in ("small", "alloc"):
        path = ROOT / "tests/golden/scalene" / f"{name}.scalene.json"
        t = best(lambda p=path: scalene_json.read(p), args.repeat)
        rows.append(f"| scalene `{name}.scalene.json` ({path.stat().st_size / 1e3:.0f} kB) | {t * 1e3:.1f} ms | - |")
    text = "\n".join(
        [
            "# memray and Scalene readers",
            "",
            "Remake: `/tmp/venv311/bin/python benchmarks/bench_memray_scalene_readers.py`",
            f"(Python {platform.python_version()}, memray {memray_capture_version()}, best of {args.repeat}, "
            "shared 2-core machine: rough numbers)",
            "",
            "| input | perfkit reader | memray in-process floor |",
            "|---|---|---|",
            *rows,
            "",
        ]
    )
    Path(args.out).write_text(text)
    print(text)


def memray_capture_version() -> str:
    from importlib.metadata import version

    return version("memray")


if __name__ == "__main__":
    main()
