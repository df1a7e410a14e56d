"""perfkit benchstat against Go's benchstat on the same inputs, side by side (reports/benchstat-bench.md).

Scenarios (inputs generated deterministically into --work):

* ``big``: two 100,000-line result files, 10,000 benchmarks x 10 runs x 3 units (ns/op with
  noise, B/op sometimes varying, allocs/op), like ``go test -bench . -benchmem -count 10`` of a
  large module;
* ``huge``: one benchmark with 100,000 runs in each file (one comparison at n = 100,000);
* ``tiny``: one benchmark with 10 runs in each file (what starting each program costs).

Each scenario runs in CSV and text format, perfkit and Go alternating (A, B, then B, A ...) so
the shared machine's load hits both alike. ``big`` also runs both pinned to one core
(``taskset -c 0``: Go's benchstat then has no second core for its runtime), and perfkit without
its C scanner (``PERFKIT_BENCHSTAT_PURE=1``: an install without a C compiler). perfkit's modules
are byte-compiled first, as an installed package's are. Per run: wall time, user+system CPU, the
largest resident set of the process (wait4's ru_maxrss), the peak of the summed proportional set
size (PSS) of the whole process tree, sampled every 5 ms, and the 1-minute load as it started.
Outputs are checked byte for byte against Go's on every run.

    python benchmarks/bench_benchstat.py --go /work/wt/benchstat-go-bin/benchstat-go --runs 5

Go's benchstat: /work/shared/tools/build-benchstat-go.sh PERF_GIT MOREMATH_GIT OUT_DIR.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "reports" / "benchstat-bench.md"


def _go_ns(x: float) -> str:
    return f"{x:.0f}" if x >= 999.95 else f"{x:.1f}" if x >= 99.995 else f"{x:.2f}" if x >= 9.9995 else f"{x:.3f}"


def write_big(path: Path, seed: int, slowdown: float) -> None:
    """10,000 benchmarks x 10 runs: ns/op (3% noise), B/op (varying for a fifth), allocs/op."""
    plan = random.Random(1)  # the same benchmarks in both files
    benches = []
    for i in range(10_000):
        ns = 10 ** plan.uniform(1, 7)
        b_op = plan.choice([0, 16, 64, 1184, 4096, 65536])
        allocs = plan.choice([0, 1, 2, 12, 100])
        benches.append((f"BenchmarkOp{i // 100}/case={i % 100}-8", ns, b_op, allocs, plan.random() < 0.2))
    rng = random.Random(seed)
    with path.open("w") as f:
        f.write("goos: linux\ngoarch: amd64\npkg: example.com/big\ncpu: Bench CPU @ 3.00GHz\n")
        for _ in range(10):
            for name, ns, b_op, allocs, vary in benches:
                value = ns * rng.lognormvariate(0, 0.03) * slowdown
                size = b_op + (rng.choice([0, 8, 16]) if vary and b_op else 0)
                f.write(f"{name}\t{rng.randint(1, 10**7):8d}\t{_go_ns(value):>10} ns/op\t{size:8d} B/op\t"
                        f"{allocs:8d} allocs/op\n")  # fmt: skip
        f.write("PASS\nok  \texample.com/big\t123.456s\n")


def write_huge(path: Path, seed: int, slowdown: float) -> None:
    rng = random.Random(seed)
    with path.open("w") as f:
        f.write("goos: linux\ngoarch: amd64\npkg: example.com/huge\ncpu: Bench CPU @ 3.00GHz\n")
        for _ in range(100_000):
            ns = 420 * rng.lognormvariate(0, 0.1) * slowdown
            f.write(f"BenchmarkHuge-2\t{rng.randint(10**5, 10**7):8d}\t{_go_ns(ns):>10} ns/op\n")


def write_tiny(path: Path, seed: int, slowdown: float) -> None:
    """One benchmark, ten runs: what starting each program costs."""
    rng = random.Random(seed)
    with path.open("w") as f:
        f.write("goos: linux\ngoarch: amd64\npkg: example.com/tiny\n")
        for _ in range(10):
            f.write(f"BenchmarkTiny-2\t1000000\t{_go_ns(1000 * rng.lognormvariate(0, 0.05) * slowdown):>10} ns/op\n")


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def measure(cmd: list[str], env: dict[str, str], cwd: Path) -> dict:
    out_path, rss_path = cwd / ".out", cwd / ".maxrss"
    # GNU time's wait4 gives the program's own peak RSS: ours would include this Python process's
    # size, which a forked child carries until it execs
    timed = ["/usr/bin/time", "-f", "%M", "-o", str(rss_path), *cmd] if Path("/usr/bin/time").exists() else cmd
    with out_path.open("wb") as out, open(os.devnull, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(timed, stdout=out, stderr=err, env=env, cwd=cwd)
        peak = [0]
        done = threading.Event()

        def sample() -> None:  # never reaps the child: wait4 below does, for its rusage
            while not done.is_set():
                peak[0] = max(peak[0], sum(_pss_kb(p) for p in _tree(proc.pid)))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.join()
    maxrss_kb = usage.ru_maxrss
    if timed is not cmd:
        maxrss_kb = int(rss_path.read_text().split()[-1])
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_mb": maxrss_kb / 1024,
        "pss_mb": peak[0] / 1024,
        "output": out_path.read_bytes(),
        "code": proc.returncode,
    }


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--go", default="/work/wt/benchstat-go-bin/benchstat-go", help="Go's benchstat binary")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/perfkit-benchstat-bench"))
    parser.add_argument("--out", type=Path, default=REPORT)
    parser.add_argument("--scenarios", default="big,huge,tiny", help="comma-separated: big, huge, tiny")
    parser.add_argument("--pin", default="0", help="CPU for the pinned runs of `big` ('' to skip them)")
    args = parser.parse_args()
    if not Path(args.go).exists():
        sys.exit(f"{args.go}: build Go's benchstat first (see the module docstring)")
    args.work.mkdir(parents=True, exist_ok=True)
    for name, writer, seed, slow in [
        ("big-old.txt", write_big, 11, 1.0),
        ("big-new.txt", write_big, 12, 1.02),
        ("huge-old.txt", write_huge, 13, 1.0),
        ("huge-new.txt", write_huge, 14, 1.01),
        ("tiny-old.txt", write_tiny, 15, 1.0),
        ("tiny-new.txt", write_tiny, 16, 1.1),
    ]:
        if not (args.work / name).exists():
            writer(args.work / name, seed, slow)  # fmt: skip
    perfkit = [sys.executable, "-m", "perfkit", "benchstat"]
    if shutil.which("perfkit") and Path(shutil.which("perfkit")).parent == Path(sys.executable).parent:
        perfkit = [shutil.which("perfkit"), "benchstat"]  # the console script, as users run it
    env = {k: v for k, v in os.environ.items() if k != "PERFKIT_BENCHSTAT_PURE"}
    import perfkit as package
    from perfkit.bench import feeder

    # byte-compiled as pip installs it (PYTHONDONTWRITEBYTECODE would have every run compile)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(package.__file__).parent)], check=True)
    scanner = "built" if feeder.scanner() is not None else "NOT built (pure Python)"
    results: dict[tuple[str, str, str], list[dict]] = {}
    loads = [load()]
    for scenario in args.scenarios.split(","):
        files = [f"{scenario}-old.txt", f"{scenario}-new.txt"]
        for fmt in ("csv", "text"):
            flags = ["-format", fmt, *files]
            programs = [("go", [args.go, *flags], env), ("perfkit", [*perfkit, *flags], env)]
            if scenario == "big":  # an install without a C compiler
                programs.append(("perfkit pure", [*perfkit, *flags], {**env, "PERFKIT_BENCHSTAT_PURE": "1"}))
            if scenario == "big" and args.pin and shutil.which("taskset"):
                pin = ["taskset", "-c", args.pin]
                programs += [
                    ("go pinned", [*pin, args.go, *flags], env),
                    ("perfkit pinned", [*pin, *perfkit, *flags], env),
                ]
            for i in range(args.runs):
                turn = programs[::-1] if i % 2 else programs  # who goes first alternates too
                runs = {}
                for who, cmd, run_env in turn:
                    start_load = os.getloadavg()[0]
                    runs[who] = measure(cmd, run_env, args.work)
                    runs[who]["load"] = start_load
                for who, _, _ in programs:
                    run = runs[who]
                    if run["code"] != 0 or run["output"] != runs["go"]["output"]:
                        sys.exit(f"{who} {scenario} {fmt}: exit {run['code']} or output differs from Go's")
                    results.setdefault((scenario, fmt, who), []).append(run)
            loads.append(load())
    write_report(args, results, loads, scanner)


def write_report(args: argparse.Namespace, results: dict, loads: list[str], scanner: str) -> None:
    cpu = "unknown"
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as info:
        cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    go_version = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.strip() or "go"
    lines = [
        "# perfkit benchstat vs Go's benchstat",
        "",
        "Remake: `python benchmarks/bench_benchstat.py --go /work/wt/benchstat-go-bin/benchstat-go "
        f"--runs {args.runs}` (Go's benchstat built from golang/perf by `/work/shared/tools/build-benchstat-go.sh`).",
        "",
        f"Machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; {go_version}; "
        f"perfkit's C scanner {scanner}. "
        f"Load average (1, 5, 15 min) at start and after each scenario: {' → '.join(loads)}.",
        "",
        "Inputs: `big`, two 100,000-line files (10,000 benchmarks x 10 runs x ns/op, B/op, allocs/op); `huge`, one "
        "benchmark with 100,000 runs in each file; `tiny`, one benchmark with 10 runs (start-up). "
        "perfkit's output was byte-identical to Go's on every run. "
        f"Runs alternate Go and perfkit (who goes first alternates too); {args.runs} of each; "
        "medians, with min–max.",
        "",
        "PSS: peak proportional set size (shared library pages divided among the processes sharing them), "
        "sampled every 5 ms. Max RSS: the program's largest resident set (GNU time's %M, so the benchmark's own "
        "size, carried by a forked child until it execs, is not counted).",
        "",
        "Load: the 1-minute load average as each run started (median, min–max).",
        "",
        "Programs: `go` and `perfkit` as users run them (perfkit in one process). `perfkit pure` runs "
        "without the C scanner (`PERFKIT_BENCHSTAT_PURE=1`), as an install without a C compiler does. "
        "`pinned` rows run both under `taskset -c 0`: one core, so Go's runtime (its garbage collector) has "
        "no second core; those rows are compared with `go pinned`, the others with `go`.",
        "",
        "| scenario | format | program | wall s | CPU s (user+sys) | peak PSS MB | max RSS MB | load |",
        "|:--|:--|:--|--:|--:|--:|--:|--:|",
    ]

    def cell(runs: list[dict], key: str, digits: int) -> str:
        values = [r[key] for r in runs]
        return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"

    for (scenario, fmt, who), runs in results.items():
        measured = [cell(runs, "wall", 2), cell(runs, "cpu", 2), cell(runs, "pss_mb", 0), cell(runs, "maxrss_mb", 0)]
        lines.append(f"| {scenario} | {fmt} | {who} | {' | '.join(measured)} | {cell(runs, 'load', 1)} |")
    lines += ["", "perfkit's medians relative to Go's (below 1: perfkit less):", ""]
    for scenario, fmt, who in results:
        if who.startswith("go"):
            continue
        go_runs = results[(scenario, fmt, "go pinned" if who.endswith("pinned") else "go")]
        runs = results[(scenario, fmt, who)]

        def ratio(key: str, mine: list[dict] = runs, theirs: list[dict] = go_runs) -> str:
            return f"{statistics.median(r[key] for r in mine) / statistics.median(r[key] for r in theirs):.2f}"

        lines.append(f"- {scenario} {fmt}, {who}: wall {ratio('wall')}, CPU {ratio('cpu')}, "
                     f"PSS {ratio('pss_mb')}, max RSS {ratio('maxrss_mb')}")  # fmt: skip
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
