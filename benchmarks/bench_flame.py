"""Benchmark: perfkit's flame graph against flamegraph.pl on a big folded-stacks file.

Every run is a fresh process (so imports and start-up count, as for a user) and is reaped with
``os.wait4`` to read its peak resident memory.  Reported per tool: wall time (median and best of
``--repeat``), SVG size, frames drawn and peak RSS.  Also a breakdown of perfkit's own phases
(read, render, write) measured in this process.

    python benchmarks/bench_flame.py --flamegraph-pl /opt/flamegraph/flamegraph.pl \\
        --stacks 100000 --repeat 3 --report reports/flame-bench.md

flamegraph.pl is not part of perfkit: pass its path (or set FLAMEGRAPH_PL).  The input is made by
``--make-folded`` (default /work/shared/bench/make_folded.py) unless ``--input`` already exists.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

LIBRARY_SNIPPET = (
    "import sys\n"
    "from perfkit.atomic import atomic_write\n"
    "from perfkit.formats import folded\n"
    "from perfkit.views import flamegraph\n"
    "atomic_write(sys.argv[2], flamegraph.write(folded.read(sys.argv[1])))\n"
)


@dataclass
class Result:
    """Runs of one tool."""

    name: str
    command: str
    times: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    size: int = 0
    frames: int = 0
    values: Counter[int] = field(default_factory=Counter)


def run_once(argv: list[str], stdout_path: Path | None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    with tempfile.TemporaryFile() as err, open(stdout_path or os.devnull, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        message = err.read().decode(errors="replace").strip()
    if code != 0:
        raise SystemExit(f"{argv[0]} failed ({code}): {message[:400]}")
    return elapsed, usage.ru_maxrss / 1024


def frame_values(svg: Path, tool: str) -> Counter[int]:
    """Multiset of frame values drawn: equal multisets mean the same frames survive pruning."""
    text = svg.read_text(encoding="utf-8", errors="replace")
    if tool == "flamegraph.pl":
        found = re.findall(r"<title>[^<]*? \(([\d,]+) samples", text)
        return Counter(int(v.replace(",", "")) for v in found)
    data = json.loads(re.search(r"\}\)\((\{.*\})\);\n\]\]>", text, re.S).group(1))
    return Counter(data["nodes"][3 :: data["stride"]])


def bench(name: str, argv: list[str], output: Path, repeat: int, stdout: bool) -> Result:
    result = Result(name, shlex.join(argv) + (f" > {output.name}" if stdout else ""))
    for _ in range(repeat):
        if output.exists():
            output.unlink()
        elapsed, rss = run_once(argv, output if stdout else None)
        result.times.append(elapsed)
        result.rss_mb.append(rss)
        print(f"  {name}: {elapsed:.2f} s, {rss:.0f} MB", file=sys.stderr)
    result.size = output.stat().st_size
    result.values = frame_values(output, name)
    result.frames = sum(result.values.values())
    return result


def phases(input_path: Path, out: Path) -> dict[str, float]:
    """perfkit's read / render / write split, in this process (imports excluded)."""
    from perfkit.atomic import atomic_write
    from perfkit.formats import folded
    from perfkit.views import flamegraph

    t0 = time.perf_counter()
    profile = folded.read(input_path)
    t1 = time.perf_counter()
    svg = flamegraph.write(profile)
    t2 = time.perf_counter()
    atomic_write(out, svg)
    t3 = time.perf_counter()
    return {"read": t1 - t0, "render": t2 - t1, "write": t3 - t2}


def report(results: list[Result], split: dict[str, float], args: argparse.Namespace, input_path: Path) -> str:
    ref = next((r for r in results if r.name == "flamegraph.pl"), None)
    load = os.getloadavg()
    lines = [
        "# Flame graph speed: perfkit vs flamegraph.pl",
        "",
        "Remake with:",
        "",
        "```",
        f"python benchmarks/bench_flame.py --flamegraph-pl {args.flamegraph_pl or '/opt/flamegraph/flamegraph.pl'} "
        f"--stacks {args.stacks} --repeat {args.repeat} --report {args.report}",
        "```",
        "",
        f"Input: `{input_path.name}`, {args.stacks:,} folded stacks, {input_path.stat().st_size / 1e6:.1f} MB "
        f"(made by `PYTHONHASHSEED=0 python make_folded.py OUT {args.stacks}`).",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs "
        f"(load average {args.load_before:.2f} at the start, {load[0]:.2f} at the end), "
        f"Python {platform.python_version()}, perl {perl_version()}. "
        "Each run is a fresh process; times are wall clock.",
        "",
        "| tool | command | median s | best s | speed-up (best, median) | SVG size | frames drawn | peak RSS |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        med = statistics.median(r.times)
        speed = f"{min(ref.times) / min(r.times):.1f}x, {statistics.median(ref.times) / med:.1f}x" if ref else "-"
        lines.append(
            f"| {r.name} | `{r.command}` | {med:.2f} | {min(r.times):.2f} | {speed} | "
            f"{r.size / 1e6:.2f} MB | {r.frames:,} | {max(r.rss_mb):.0f} MB |"
        )
    if ref:
        same = all(r.values == ref.values for r in results)
        lines += [
            "",
            "Same frames as flamegraph.pl (the multisets of drawn frame values are equal): "
            + ("yes." if same else "NO: pruning or aggregation differs."),
        ]
    lines += [
        "",
        "perfkit's phases in one process (imports excluded): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in split.items())
        + ".",
        "",
        "Times on a shared 2-core machine are noisy (other jobs run beside these), flamegraph.pl's long runs most:",
        "the best-of column is the fairer comparison; rerun on a quiet machine before drawing fine conclusions.",
        "",
    ]
    return "\n".join(lines)


def perl_version() -> str:
    try:
        out = subprocess.run(["perl", "-e", "print $^V"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return out.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flamegraph-pl", default=os.environ.get("FLAMEGRAPH_PL"), help="path of flamegraph.pl")
    parser.add_argument("--input", type=Path, help="folded file to draw (made if missing)")
    parser.add_argument("--make-folded", default="/work/shared/bench/make_folded.py", help="input generator")
    parser.add_argument("--stacks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--report", type=Path, help="write the markdown results here")
    parser.add_argument("--no-cli", action="store_true", help="skip the `perfkit flame` command")
    args = parser.parse_args()
    args.load_before = os.getloadavg()[0]

    work = Path(tempfile.mkdtemp(prefix="bench-flame-"))
    input_path = args.input or work / f"stacks-{args.stacks}.folded"
    if not input_path.exists():
        print(f"making {input_path} ...", file=sys.stderr)
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run([sys.executable, args.make_folded, str(input_path), str(args.stacks)], check=True, env=env)

    results = []
    if args.flamegraph_pl:
        perl = ["perl", args.flamegraph_pl, str(input_path)]
        results.append(bench("flamegraph.pl", perl, work / "flamegraph-pl.svg", args.repeat, stdout=True))
    else:
        print("no flamegraph.pl given (--flamegraph-pl or FLAMEGRAPH_PL): perfkit only", file=sys.stderr)
    library = [sys.executable, "-c", LIBRARY_SNIPPET, str(input_path), str(work / "perfkit-lib.svg")]
    lib = bench("perfkit (library)", library, work / "perfkit-lib.svg", args.repeat, stdout=False)
    lib.command = f"python -c 'atomic_write(OUT, flamegraph.write(folded.read(IN)))' {input_path.name} OUT.svg"
    results.append(lib)
    cli = shutil.which("perfkit", path=str(Path(sys.executable).parent)) or shutil.which("perfkit")
    if cli and not args.no_cli:
        argv = [cli, "flame", str(input_path), "-o", str(work / "perfkit-cli.svg")]
        result = bench("perfkit flame (CLI)", argv, work / "perfkit-cli.svg", args.repeat, stdout=False)
        result.command = f"perfkit flame {input_path.name} -o OUT.svg"
        results.append(result)
    split = phases(input_path, work / "phases.svg")
    for r in results:
        if r.name == "flamegraph.pl":
            r.command = f"perl flamegraph.pl {input_path.name} > OUT.svg"
    text = report(results, split, args, input_path)
    print(text)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(text, encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
