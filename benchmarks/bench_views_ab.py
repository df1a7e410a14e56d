"""Before/after: the views moved onto the graph layer (top, list, HTML report, flame graph),
timed under an older commit's perfkit and under this tree's, in alternation.

    python benchmarks/bench_views_ab.py --before 489557e [--rounds 3] [--samples 200000] \\
        [--stacks 100000] [--out reports/graph-views-ab.md]

The older commit is exported with ``git archive`` and put first on ``PYTHONPATH``; each round runs
one fresh interpreter per tree (A, B, A, B ...) so that load on the shared machine hits both.
Inside each interpreter the inputs are built first (bench_views.py's 200,000-sample profile, the
100,000-stack folded file of bench_flame.py), then every operation is timed as the best CPU time
(user + system) of three calls; the table shows each operation's best over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: runs inside each interpreter: times every operation, prints {name: seconds} as JSON
SNIPPET = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from bench_views import synthetic
from perfkit.formats import folded
from perfkit.views import flamegraph, report
from perfkit.views.listing import format_listing
from perfkit.views.top import format_top

def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime

def best(fn):
    times = []
    for _ in range(3):
        start = cpu()
        fn()
        times.append(cpu() - start)
    return min(times)

profile = synthetic(int(sys.argv[2]))
stacks = folded.read(sys.argv[3])
print(json.dumps({
    "top (by function)": best(lambda: format_top(profile)),
    "top (by line)": best(lambda: format_top(profile, by="line")),
    "list ^func_1$": best(lambda: format_listing(profile, "^func_1$")),
    "HTML report (2 types)": best(lambda: report.write(profile)),
    "flame graph, 100,000 stacks": best(lambda: flamegraph.write(stacks)),
}))
"""


def export(commit: str, folder: Path) -> Path:
    """``git archive`` of ``commit``'s tree into ``folder``; returns its ``src``."""
    archive = folder / "before.tar"
    with open(archive, "wb") as out:
        subprocess.run(["git", "archive", commit], cwd=ROOT, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "before", filter="data")
    return folder / "before" / "src"


def run(src: Path, args: argparse.Namespace, folded_path: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", SNIPPET, str(HERE), str(args.samples), str(folded_path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="commit to compare with (e.g. the merge base)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--stacks", type=int, default=100_000)
    parser.add_argument("--make-folded", default="/work/shared/bench/make_folded.py", help="input generator")
    parser.add_argument("--out", type=Path, default=Path("reports/graph-views-ab.md"))
    args = parser.parse_args()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        before_src = export(args.before, work)
        folded_path = work / f"stacks-{args.stacks}.folded"
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run([sys.executable, args.make_folded, str(folded_path), str(args.stacks)], check=True, env=env)
        results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for n in range(args.rounds):
            for side, src in (("before", before_src), ("after", ROOT / "src")):
                results[side].append(run(src, args, folded_path))
                print(f"round {n + 1} {side}: {results[side][-1]}", file=sys.stderr)
    load_end = os.getloadavg()
    names = list(results["after"][0])
    lines = [
        "# Views before and after the graph layer",
        "",
        f"Remake with: `python benchmarks/bench_views_ab.py --before {args.before} --rounds {args.rounds}"
        f" --samples {args.samples} --stacks {args.stacks} --out {args.out}`",
        "",
        f"Before: commit {args.before} (views computing flat/cum themselves); after: this tree (views on"
        " perfkit.graph).  Inputs: bench_views.py's synthetic profile "
        f"({args.samples:,} samples, 3,000 functions, 8 threads) and a {args.stacks:,}-stack folded file"
        " (make_folded.py).",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load average"
        f" {load_start[0]:.2f} at the start, {load_end[0]:.2f} at the end (a shared machine: the runs alternate"
        " so load hits both sides).  CPU seconds (user + system), best of 3 calls in each of"
        f" {args.rounds} fresh interpreters per side.",
        "",
        "| operation | before (s) | after (s) | after / before |",
        "|---|---:|---:|---:|",
    ]
    for name in names:
        before = min(r[name] for r in results["before"])
        after = min(r[name] for r in results["after"])
        lines.append(f"| {name} | {before:.3f} | {after:.3f} | {after / before:.2f} |")
    lines.append("")
    text = "\n".join(lines)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
