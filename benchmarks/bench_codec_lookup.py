"""What answering "which writer for this file?" costs, this tree against a baseline tree.

Before the codec registry, ``files.writer_for`` imported every writer (the flame graph pulls in
the graph layer, the report jinja2) to read their names; now it reads plain declarations.  Each
probe runs in a fresh interpreter (imports are the cost), alternating baseline and this tree so
machine load hits both alike.

    python benchmarks/bench_codec_lookup.py --baseline-src /work/main/src --repeat 15 \
        --out reports/codec-lookup.md
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("jinja2", "perfkit.views.flamegraph", "perfkit.views.report", "perfkit.views.dot", "perfkit.graph")

PROBES = {
    "writer_for('cpu.svg')": "from pathlib import Path\nfrom perfkit import files\nfiles.writer_for(Path('cpu.svg'))",
    "save(profile, 'cpu.folded')": (
        "import tempfile, os\nfrom perfkit import files\nfrom perfkit.model import Frame, Profile\n"
        "p = Profile()\np.add([Frame('main', 'app.py', 1)], 1)\n"
        "files.save(p, os.path.join(tempfile.mkdtemp(), 'cpu.folded'))"
    ),
}

RUNNER = """
import json, sys, time
t = time.perf_counter()
exec(compile(sys.argv[1], "<probe>", "exec"))
elapsed = time.perf_counter() - t
heavy = json.loads(sys.argv[2])
print(json.dumps([elapsed, sorted(h for h in heavy if h in sys.modules)]))
"""


def run(src: Path, code: str) -> tuple[float, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, code, json.dumps(HEAVY)], capture_output=True, text=True, env=env, check=True
    )
    elapsed, heavy = json.loads(done.stdout)
    return elapsed, heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline-src", type=Path, required=True, help="src/ folder of the tree to compare with")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    load_before = os.getloadavg()
    rows = []
    for name, code in PROBES.items():
        times: dict[str, list[float]] = {"baseline": [], "this tree": []}
        heavy: dict[str, list[str]] = {}
        for _ in range(args.repeat):  # alternate, so load hits both alike
            for label, src in (("baseline", args.baseline_src), ("this tree", HERE)):
                elapsed, loaded = run(src, code)
                times[label].append(elapsed)
                heavy[label] = loaded
        for label in times:
            median = statistics.median(times[label]) * 1000
            rows.append(f"| `{name}` | {label} | {median:.1f} ms | {', '.join(heavy[label]) or 'none'} |")
    load_after = os.getloadavg()
    report = "\n".join(
        [
            "# Codec lookup: what finding a writer imports",
            "",
            f"Command: `python benchmarks/bench_codec_lookup.py --baseline-src {args.baseline_src}"
            f" --repeat {args.repeat}{f' --out {args.out}' if args.out else ''}`",
            "",
            f"Machine load (1-min average) before/after: {load_before[0]:.2f} / {load_after[0]:.2f}; "
            f"Python {sys.version.split()[0]}; median of {args.repeat} fresh interpreters each, alternating.",
            "Time includes `import perfkit` (the same in both trees).",
            "",
            "| probe | tree | median time | heavy modules loaded |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )
    if args.out:
        args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
