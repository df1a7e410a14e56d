"""Time ``perfkit graph`` end to end (a fresh process, Graphviz's dot included) on a 1,000,000-sample
profile, with ``go tool pprof -svg`` on the same file as the peer.

    python benchmarks/bench_graph.py [--samples 1000000] [--stacks 50000] [--repeat 3] \\
        [--before SRC] [--no-pprof] [--out reports/graph-bench.md]

The profile is bench_pprof.py's (seeded): samples over distinct stacks 10-40 frames deep drawn
from 3,000 functions, two sample types, a thread label on a third of the samples.  Random stacks
over 3,000 functions make about a million distinct caller -> callee edges with every function
above pprof's node fraction: a harder graph than real programs give.  Two files are timed:

* ``aggregated``: as perfkit (and Go's runtime) write pprof, one Sample per stack and label set;
* ``one per sample``: a million pprof Samples, the reader's worst case.

Each run is a fresh ``perfkit graph IN -o OUT.svg`` (start-up and imports count, as for a user),
reaped with ``os.wait4`` for its CPU time; runs of the two files and the peer alternate so load on
the shared machine hits all of them, and the load average is noted at every run.  ``--before SRC``
also times another checkout's ``src`` (e.g. ``git worktree add /tmp/old <commit>``) the same way,
alternating with this one, for a before/after on the same load.  Every command runs once untimed
first, with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` removed), as an installed perfkit
runs.  A phase split (load, prepare, build, DOT, dot) is measured in this process.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_pprof import synthetic  # noqa: E402

from perfkit import files  # noqa: E402
from perfkit.formats import pprof  # noqa: E402


def run_once(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the child and its dot) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} failed with status {status}")
    return wall, usage.ru_utime + usage.ru_stime


def phases(path: Path, out: Path) -> dict[str, float]:
    """perfkit graph's phases in this process (imports excluded), wall seconds."""
    from perfkit.graph import GraphOptions, ReportKind, build, prepare
    from perfkit.views import dot, graphviz

    marks = [time.perf_counter()]
    profile = files.load(path)
    marks.append(time.perf_counter())
    options = GraphOptions().for_report(ReportKind.DOT)
    prepared = prepare(profile, options, labels=True)
    marks.append(time.perf_counter())
    graph = build(prepared, options, ReportKind.DOT)
    marks.append(time.perf_counter())
    text = dot.compose(profile, graph)
    marks.append(time.perf_counter())
    out.write_bytes(graphviz.render(text, "svg"))
    marks.append(time.perf_counter())
    names = ("load", "prepare", "build", "DOT text", "dot -Tsvg")
    split = {name: marks[i + 1] - marks[i] for i, name in enumerate(names)}
    split["nodes"] = len(graph.nodes)
    split["of"] = graph.orig_count + graph.dropped_nodes
    split["edges"] = sum(len(n.out_edges) for n in graph.nodes)
    return split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--stacks", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout's src directory to time alongside")
    parser.add_argument("--no-pprof", action="store_true", help="leave out go tool pprof")
    parser.add_argument("--out", type=Path, default=Path("reports/graph-bench.md"))
    args = parser.parse_args()
    load_start = os.getloadavg()
    perfkit_cli = shutil.which("perfkit", path=str(Path(sys.executable).parent)) or "perfkit"
    go = shutil.which("go")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        profile = synthetic(args.samples, args.stacks)
        inputs = {
            "aggregated": work / "agg.pb.gz",
            "one per sample": work / "each.pb.gz",
        }
        inputs["aggregated"].write_bytes(pprof.write(profile))
        inputs["one per sample"].write_bytes(pprof.write(profile, aggregate=False))
        del profile
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        envs: dict[str, dict[str, str]] = {}
        commands: dict[str, list[str]] = {}
        for name, path in inputs.items():
            graph = ["graph", str(path), "-o", str(work / "out.svg")]
            if args.before:
                old = [sys.executable, "-c", "from perfkit.cli import main; main()", *graph]
                commands[f"before: `perfkit graph` ({name})"] = old
                envs[f"before: `perfkit graph` ({name})"] = {**env, "PYTHONPATH": str(args.before.resolve())}
            commands[f"`perfkit graph` ({name})"] = [perfkit_cli, *graph]
        if go and not args.no_pprof:
            peer = [go, "tool", "pprof", "-svg", "-output", str(work / "go.svg"), str(inputs["aggregated"])]
            commands["go tool pprof -svg (aggregated)"] = peer
        for name, argv in commands.items():  # warm-up: bytecode caches, page cache
            if not name.startswith("go "):
                run_once(argv, envs.get(name, env))
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        loads: list[float] = []
        for _ in range(args.repeat):
            for name, argv in commands.items():
                loads.append(os.getloadavg()[0])
                runs[name].append(run_once(argv, envs.get(name, env)))
        split = phases(inputs["aggregated"], work / "phases.svg")
        sizes = {name: path.stat().st_size for name, path in inputs.items()}
    load_end = os.getloadavg()
    go_version = subprocess.run([go, "version"], capture_output=True, text=True).stdout.strip() if go else "no go"
    dot_version = subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr.strip()
    lines = [
        "# perfkit graph on a 1,000,000-sample profile",
        "",
        f"Remake with: `python benchmarks/bench_graph.py --samples {args.samples} --stacks {args.stacks}"
        f" --repeat {args.repeat}{' --no-pprof' if args.no_pprof else ''} --out {args.out}`"
        + (f" (the before rows: `--before {args.before}`, a checkout of the commit before)" if args.before else ""),
        "",
        f"Input: bench_pprof.py's synthetic profile, {args.samples:,} samples over {args.stacks:,} stacks of"
        " 3,000 functions (random callees: about a million distinct edges, every function over the node"
        " fraction), a thread label on a third of the samples.  Files: "
        + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sizes.items())
        + ".",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" {dot_version}, {go_version}; load average {load_start[0]:.2f} at the start,"
        f" {load_end[0]:.2f} at the end, {min(loads):.2f}-{max(loads):.2f} over the runs"
        " (a shared machine with 2 cores: wall time stretches with load, CPU time much less; runs alternate).",
        "",
        "Each run is the whole command in a fresh process, reading the file and writing the SVG through"
        " Graphviz's dot.",
        "",
        "| command | median wall (s) | best wall (s) | best CPU (s) | runs |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, results in runs.items():
        walls = [w for w, _ in results]
        cpus = [c for _, c in results]
        lines.append(
            f"| {name} | {statistics.median(walls):.2f} | {min(walls):.2f} | {min(cpus):.2f} | {len(results)} |"
        )
    shown = f"{split['nodes']} of {split['of']} nodes, {split['edges']} edges drawn"
    lines += [
        "",
        f"Phases of the aggregated file in one process ({shown}), wall seconds: "
        + ", ".join(f"{k} {v:.2f}" for k, v in split.items() if k not in ("nodes", "of", "edges"))
        + ".",
        "",
    ]
    text = "\n".join(lines)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
