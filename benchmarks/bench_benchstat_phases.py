"""CPU of benchstat's phases after reading, on one input pair, in-process
(reports/benchstat-phases.md).

Per round, with the collector paused as the CLI runs: read both files in order,
then ``tables`` (``Builder.iter_tables``, every table summarised and compared), ``csv`` (Go's CSV
and its stderr warnings) and, on a second builder, ``text``. Process CPU time per phase
(``time.process_time``), the median over rounds. ``route`` is the CPU of ``Builder.route_shapes``
inside the read (measured by wrapping it). Two interpreters or checkouts can be compared side by
side, alternating (A, B, A, B ...), each in its own child process:

    python benchmarks/bench_benchstat_phases.py --rounds 5 \\
        --src before=/work/main/src --src after=src

The input pair defaults to the ``big`` files that benchmarks/bench_benchstat.py writes
(/tmp/perfkit-benchstat-bench); every round's outputs are checked equal across checkouts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "reports" / "benchstat-phases.md"
WORK = Path("/tmp/perfkit-benchstat-bench")
PHASES = ("read", "route", "tables", "csv", "text")


def child(old: str, new: str) -> None:
    """One round in this process: phase CPU seconds and output digests, as JSON on stdout."""
    import gc

    from perfkit.bench import benchstat, benchstat_cli, render, storage

    gc.disable()
    out: dict[str, float | str] = {}

    def builder_for() -> benchstat.Builder:
        return benchstat.Builder(benchstat.Options(".config", ".fullname", ".file", "", "*", 0.05, 0.95))

    routed = [0.0]
    original = benchstat.Builder.route_shapes

    def timed_route(self: benchstat.Builder, shapes: list) -> None:
        t = time.process_time()
        original(self, shapes)
        routed[0] += time.process_time() - t

    benchstat.Builder.route_shapes = timed_route  # type: ignore[method-assign]
    builder = builder_for()
    t = time.process_time()
    benchstat_cli._read(builder, storage.input_labels([old, new]))
    out["read"] = time.process_time() - t
    out["route"] = routed[0]
    t = time.process_time()
    tables = list(builder.iter_tables(keep_samples=False))
    out["tables"] = time.process_time() - t
    warnings: list[str] = []
    t = time.process_time()
    csv = "".join(render.iter_csv(iter(tables), warnings.append))
    out["csv"] = time.process_time() - t
    out["csv_sha"] = hashlib.sha256((csv + "\0" + "\n".join(warnings)).encode()).hexdigest()[:16]
    del tables
    builder = builder_for()
    benchstat_cli._read(builder, storage.input_labels([old, new]))
    t = time.process_time()
    text = "".join(render.iter_text(builder.iter_tables(keep_samples=False)))
    out["text"] = time.process_time() - t
    out["text_sha"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    print(json.dumps(out))


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """Wall and user+system CPU seconds of one command, and its stdout and stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout + b"\0" + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--src", action="append", default=[], help="NAME=PATH (a src directory) or NAME=git:COMMIT")
    parser.add_argument("--old", default=str(WORK / "big-old.txt"))
    parser.add_argument("--new", default=str(WORK / "big-new.txt"))
    parser.add_argument("--go", help="Go's benchstat binary, timed alongside")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.old, args.new)
        return
    sources = [s.split("=", 1) for s in args.src] or [["this", str(ROOT / "src")]]
    checkouts = tempfile.TemporaryDirectory(prefix="benchstat-phases-")
    for pair in sources:
        if pair[1].startswith("git:"):  # a commit of this repository: its src, extracted
            folder = Path(checkouts.name) / pair[0]
            folder.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", pair[1][4:], "src"], capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
            pair.append(str(folder / "src"))
    sources = [[name, extracted[0] if extracted else src, src] for name, src, *extracted in sources]
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in sources}
    loads = []
    commands = [(name, [sys.executable, "-m", "perfkit", "benchstat"], src) for name, src, _ in sources]
    if args.go:
        commands.insert(0, ("go", [args.go], None))
    walls: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in commands}
    outputs: set[bytes] = set()
    for r in range(args.rounds):
        order = sources if r % 2 == 0 else sources[::-1]
        for name, src, _ in order:
            loads.append(os.getloadavg()[0])
            env = dict(os.environ, PYTHONPATH=str(Path(src).resolve()))
            done = subprocess.run(
                [sys.executable, __file__, "--child", "--old", args.old, "--new", args.new],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            runs[name].append(json.loads(done.stdout))
        for name, command, src in commands if r % 2 == 0 else commands[::-1]:
            env = dict(os.environ, PYTHONPATH=str(Path(src).resolve())) if src else dict(os.environ)
            wall, cpu, output = _timed([*command, "-format", "csv", args.old, args.new], env)
            walls[name].append((wall, cpu))
            outputs.add(output)
    digests = {(run["csv_sha"], run["text_sha"]) for name in runs for run in runs[name]}
    lines = [
        "# benchstat phases (CPU seconds, median of rounds)",
        "",
        f"Command: `python benchmarks/bench_benchstat_phases.py --rounds {args.rounds} "
        + " ".join(f"--src {name}={given}" for name, _, given in sources)
        + (f" --go {args.go}" if args.go else "")
        + f"` on {Path(args.old).name} vs {Path(args.new).name}",
        "",
        "Phases in one process, collector off, inputs read serially: `read` both files, `route` (the "
        "shape routing inside the read), `tables` (`Builder.iter_tables`), `csv` (Go's CSV and its "
        "warnings), `text` (tables again from a second read, rendered as text).",
        "",
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; 1-minute load at each run: "
        + ", ".join(f"{x:.2f}" for x in loads),
        "",
        "Outputs identical across checkouts and rounds: " + ("yes" if len(digests) == 1 else f"NO ({digests})"),
        "",
        "| checkout | " + " | ".join(PHASES) + " | tables+csv+route |",
        "|---|" + "---:|" * (len(PHASES) + 1),
    ]
    for name, _, _ in sources:
        med = {p: statistics.median(run[p] for run in runs[name]) for p in PHASES}
        cells = " | ".join(f"{med[p]:.3f}" for p in PHASES)
        lines.append(f"| {name} | {cells} | {med['tables'] + med['csv'] + med['route']:.3f} |")
    lines += [
        "",
        f"Whole command, `benchstat -format csv` (median wall / user+system CPU seconds); stdout and stderr "
        f"identical for every command and round: {'yes' if len(outputs) == 1 else 'NO'}",
        "",
        "| command | wall | CPU |",
        "|---|---:|---:|",
    ]
    for name, times in walls.items():
        lines.append(
            f"| {name} | {statistics.median(w for w, _ in times):.3f} | {statistics.median(c for _, c in times):.3f} |"
        )
    text = "\n".join(lines) + "\n"
    REPORT.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
