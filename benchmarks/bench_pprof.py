"""Time pprof write and read on a million-sample profile and measure peak memory.

    /tmp/venv311/bin/python benchmarks/bench_pprof.py [--samples 1000000] [--stacks 50000] [--repeat 3]
        [--out reports/pprof-bench.md]

The profile is deterministic (seeded): ``--samples`` samples over ``--stacks`` distinct stacks
10-40 frames deep drawn from 3,000 functions, two sample types (samples/count, cpu/nanoseconds),
and a ``thread`` label on about a third of the samples.  Each phase runs in a fresh interpreter so
its peak RSS (``resource.getrusage``, which includes the interpreter and the imports) belongs to it
alone; times are the best of ``--repeat`` runs (wall clock).  Phases:

* ``write``: model -> gzipped bytes (aggregated: one pprof Sample per distinct stack + labels);
* ``read``: those bytes -> model;
* ``write-each`` / ``read-each``: the same with ``aggregate=False``, one pprof Sample per model
  sample, as a producer that keeps samples apart would write them (the reader's worst case);
* ``rewrite-each``: the profile ``read-each`` produced (a million rows) written with default options,
  so the worst case's read + write is ``read-each`` + ``rewrite-each``.

Times are CPU (user + system, ``resource.getrusage``) as well as wall: on a shared machine CPU time
is the steadier of the two.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perfkit.formats import pprof
from perfkit.model import Frame, Mapping, Profile, ValueType


def _locations(native: bool, profile: Profile) -> list[tuple[int, ...]]:
    """3,000 code locations as frame-id tuples.  Python-like: one frame each, no addresses.
    Native (``--native``, as Go writes them): an address in a mapping each, every fifth with a
    function inlined into it (two frames, one pprof Location)."""
    if not native:
        frames = [Frame(f"func_{i}", f"/srv/app/pkg{i % 40}/mod_{i % 300}.py", 10 + (i * 7) % 400) for i in range(3000)]
        return [(profile.frame_id(f),) for f in frames]
    app = Mapping("/srv/app", "9f86d081884c7d65", 0x400000, 0x1400000, 0, True, True, True, True)
    out = []
    for i in range(3000):
        address, file = 0x400000 + 64 * i, f"/srv/app/pkg{i % 40}/mod_{i % 300}.go"
        group = [Frame(f"pkg{i % 40}.func_{i}", file, 10 + (i * 7) % 400, 9, f"pkg{i % 40}.func_{i}", address, app)]
        if i % 5 == 0:
            group.append(Frame(f"pkg{i % 40}.inl_{i}", file, 3, 2, f"pkg{i % 40}.inl_{i}", address, app, True))
        out.append(tuple(profile.frame_id(f) for f in group))
    return out


def synthetic(samples: int, stacks: int, seed: int = 7, native: bool = False) -> Profile:
    """A big, deterministic profile with shared prefixes, skewed weights and some labels."""
    rng = random.Random(seed)
    profile = Profile([ValueType("samples", "count"), ValueType("cpu", "nanoseconds")], default_type=1)
    ids = _locations(native, profile)
    prefixes = [tuple(rng.choice(ids[:50]) for _ in range(rng.randint(2, 6))) for _ in range(200)]
    seen: set[tuple[int, ...]] = set()
    while len(seen) < stacks:
        base = rng.choice(prefixes)
        depth = rng.randint(10, 40)
        stack = sum(base + tuple(rng.choice(ids) for _ in range(depth - len(base))), ())
        if stack not in seen:
            seen.add(stack)
            profile.stack_id(stack)
    threads = [profile.labelset_id({"thread": f"worker-{t}"}) for t in range(4)]
    for i in range(samples):
        # every stack at least once, then a skew towards the first stacks (hot paths)
        sid = i if i < stacks else int(stacks * rng.random() ** 3)
        lid = threads[rng.randrange(4)] if rng.randrange(3) == 0 else 0
        count = rng.randint(1, 3)
        profile.add_ids(sid, (count, count * 10_000_000), lid)
    return profile


PHASES = ("write", "read", "write-each", "read-each", "rewrite-each")
NEEDS = {"read": "write", "read-each": "write-each", "rewrite-each": "write-each"}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def best(fn, repeat: int) -> tuple[float, float, object]:
    """Best wall time and best CPU time (user + system) of ``repeat`` runs, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), cpu_seconds()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(cpu_seconds() - cpu)
    return min(walls), min(cpus), result


def phase(name: str, args: argparse.Namespace, folder: Path) -> dict[str, object]:
    """One measurement, run inside a fresh interpreter."""
    aggregate = not name.endswith("-each")
    path = folder / ("each.pb.gz" if not aggregate else "agg.pb.gz")
    if name == "rewrite-each":
        profile = pprof.read(path)
        rss_before = peak_rss_mb()
        seconds, cpu, data = best(lambda: pprof.write(profile), args.repeat)
        return {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "rss_before_mb": rss_before,
            "peak_rss_mb": peak_rss_mb(),
            "bytes": len(data),
            "samples": len(profile),
        }
    if name.startswith("write"):
        start = time.perf_counter()
        profile = synthetic(args.samples, args.stacks, native=args.native)
        build = time.perf_counter() - start
        rss_before = peak_rss_mb()
        seconds, cpu, data = best(lambda: pprof.write(profile, aggregate=aggregate), args.repeat)
        path.write_bytes(data)
        return {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "build_seconds": build,
            "rss_before_mb": rss_before,
            "peak_rss_mb": peak_rss_mb(),
            "bytes": len(data),
        }
    rss_before = peak_rss_mb()
    seconds, cpu, profile = best(lambda: pprof.read(path), args.repeat)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
        "samples": len(profile),
        "stacks": len(profile.stacks),
        "total": profile.total(),
    }


def run_child(name: str, args: argparse.Namespace, folder: Path) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--phase", name, "--folder", str(folder)]
    cmd += ["--samples", str(args.samples), "--stacks", str(args.stacks), "--repeat", str(args.repeat)]
    cmd += ["--native"] if args.native else []
    cmd += ["--phases", ",".join(args.phases)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def report(args: argparse.Namespace, results: dict[str, dict[str, object]]) -> str:
    load = os.getloadavg()
    lines = [
        "# pprof read/write benchmark",
        "",
        "Remake with:",
        "",
        "    /tmp/venv311/bin/python benchmarks/bench_pprof.py "
        f"--samples {args.samples} --stacks {args.stacks} --repeat {args.repeat}"
        + (" --native" if args.native else "")
        + " --out reports/pprof-bench.md",
        "",
        f"Profile: {args.samples:,} samples over {args.stacks:,} distinct stacks 10-40 locations deep, "
        "3,000 functions, two sample types, a thread label on ~1/3 of the samples"
        + (
            "; native frames (an address in one mapping each, every fifth location with a function inlined "
            "into it, as Go writes them)."
            if args.native
            else "."
        ),
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load[0]:.2f} at start (shared machine: timings are noisy, best of {args.repeat}).",
        "Peak RSS is the whole fresh interpreter (imports included); 'before' is after building the input.",
        "",
        "| phase | best wall time | best CPU time | peak RSS | RSS before | notes |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        if name == "rewrite-each":
            note = f"{int(r['samples']):,} samples read back, written aggregated: {int(r['bytes']):,} bytes gzipped"
        elif name.startswith("write"):
            note = f"{int(r['bytes']):,} bytes gzipped; building the input took {float(r['build_seconds']):.2f} s"
        else:
            note = f"{int(r['samples']):,} samples, {int(r['stacks']):,} stacks read back"
        lines.append(
            f"| {name} | {float(r['seconds']):.2f} s | {float(r['cpu_seconds']):.2f} s "
            f"| {float(r['peak_rss_mb']):.0f} MB | {float(r['rss_before_mb']):.0f} MB | {note} |"
        )

    if set(results) != set(PHASES):
        return "\n".join(lines) + "\n"

    def both(key: str, a: str, b: str) -> float:
        return float(results[a][key]) + float(results[b][key])

    lines += [
        "",
        f"Read + write, aggregated (perfkit's default): **{both('seconds', 'write', 'read'):.2f} s wall, "
        f"{both('cpu_seconds', 'write', 'read'):.2f} s CPU**; reading a file of one pprof Sample per sample "
        f"(worst case) and writing it back with default options: "
        f"**{both('seconds', 'read-each', 'rewrite-each'):.2f} s wall, "
        f"{both('cpu_seconds', 'read-each', 'rewrite-each'):.2f} s CPU**; writing with aggregate=False "
        f"plus reading that: {both('seconds', 'write-each', 'read-each'):.2f} s wall, "
        f"{both('cpu_seconds', 'write-each', 'read-each'):.2f} s CPU.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--stacks", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--native", action="store_true", help="Go-like frames: addresses, a mapping, inlining")
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset of: " + ", ".join(PHASES))
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    wanted = {p for p in args.phases.split(",") if p}
    wanted |= {NEEDS[p] for p in wanted if p in NEEDS}  # a read needs the file its write makes
    args.phases = [p for p in PHASES if p in wanted]
    if args.phase:
        print(json.dumps(phase(args.phase, args, args.folder)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        results = {name: run_child(name, args, Path(tmp)) for name in args.phases}
    text = report(args, results)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
