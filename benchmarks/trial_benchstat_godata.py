"""perfkit benchstat against Go's benchstat on the Go project's own benchmark results
(reports/benchstat-godata.md).

The inputs are golang/perf's test data, read from a local git mirror (never copied into this
repository): the bent suite's outputs (run times, binary sizes, DWARF quality in custom units,
one run each), benchseries' nightly results and benchfmt's and benchproc's files. Every file
alone under several option sets, every Base/Tip pair (with and without perfkit's C scanner),
and twelve nightly files side by side. Where Go prints tables, perfkit must print the same bytes;
where Go prints an error (it still exits 0), perfkit must fail too (exit 2); where Go prints
nothing (no result, or none the filter keeps), perfkit exits 2 with one line saying so, by design.

    python benchmarks/trial_benchstat_godata.py --perf-git /work/.mirror/golang+perf/repo \\
        --go /work/wt/benchstat-go-bin/benchstat-go
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "reports" / "benchstat-godata.md"
SINGLE_OPTIONS = [
    [],
    ["-format", "csv"],
    ["-alpha", "0.01", "-confidence", "0.99"],
    ["-filter", ".unit:ns/op"],
    ["-col", ".file", "-ignore", "goarch"],
    ["-table", "goarch", "-row", ".name"],
    ["-row", ".unit"],  # an error in Go: .unit is only allowed in filters
]
MULTI_OPTIONS = [
    [],
    ["-format", "csv"],
    ["-row", ".name", "-col", ".file"],
    ["-col", ".file", "-filter", ".unit:sec/op"],
]


def extract(git_dir: str, into: Path) -> list[Path]:
    names = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    wanted = [
        n
        for n in names
        if "/testdata/" in n
        and (n.endswith((".stdout", ".benchsize", ".benchdwarf", ".bench")) or "opt." in n or "testdata/files/" in n)
    ]
    out = []
    for name in wanted:
        path = into / name.replace("/", "_")
        path.write_bytes(subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{name}"], capture_output=True,
                                        check=True).stdout)  # fmt: skip
        out.append(path)
    return out


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, env=env)


def verdict(go: subprocess.CompletedProcess, ours: subprocess.CompletedProcess) -> str | None:
    """The kind of agreement, or None where perfkit differs from Go."""
    if go.stderr.startswith(b"benchstat: ") and not go.stdout:
        return "both reject the input or options" if ours.returncode != 0 else None
    if not go.stdout:
        return "nothing to show: Go prints nothing, perfkit exits 2 saying so" if ours.returncode == 2 else None
    return "same tables, byte for byte" if ours.returncode == 0 and ours.stdout == go.stdout else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perf-git", default="/work/.mirror/golang+perf/repo", help="a git mirror of golang/perf")
    parser.add_argument("--go", default="/work/wt/benchstat-go-bin/benchstat-go", help="Go's benchstat binary")
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args()
    perfkit = [shutil.which("perfkit") or "perfkit", "benchstat"]
    env = {k: v for k, v in os.environ.items() if k != "PERFKIT_BENCHSTAT_PURE"}
    checks: list[tuple[str, list[str], dict[str, str]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = extract(args.perf_git, work)
        for path in files:
            checks += [(path.name, [*opts, path.name], env) for opts in SINGLE_OPTIONS]
        for base in files:
            if "Base" in base.name and (tip := work / base.name.replace("Base", "Tip")).exists():
                for fmt in ("text", "csv"):
                    for pure in ("0", "1"):
                        label = f"{base.name} vs Tip, {fmt}, scanner {'off' if pure == '1' else 'on'}"
                        checks.append(
                            (label, ["-format", fmt, base.name, tip.name], {**env, "PERFKIT_BENCHSTAT_PURE": pure})
                        )
        for series in ("even", "odd"):
            nightly = sorted(p.name for p in files if f"benchseries_testdata_{series}_" in p.name)[:12]
            checks += [(f"{len(nightly)} {series} nightly files", [*opts, *nightly], env) for opts in MULTI_OPTIONS]
        kinds: dict[str, int] = {}
        differed = []
        for label, flags, run_env in checks:
            kind = verdict(run([args.go, *flags], work, run_env), run([*perfkit, *flags], work, run_env))
            if kind is None:
                differed.append(f"{label}: {' '.join(flags[:-1]) or '(defaults)'}")
            else:
                kinds[kind] = kinds.get(kind, 0) + 1
    agreed = sum(kinds.values())
    lines = [
        "# perfkit benchstat on the Go project's own results",
        "",
        "Remake: `python benchmarks/trial_benchstat_godata.py --perf-git /work/.mirror/golang+perf/repo "
        "--go /work/wt/benchstat-go-bin/benchstat-go`.",
        "",
        f"Inputs: {len(files)} files of golang/perf's test data (bent's run times, sizes and DWARF quality in "
        "custom units with one run each; benchseries' nightly results; benchfmt's and benchproc's files). "
        f"Checks: each file alone under {len(SINGLE_OPTIONS)} option sets, each bent Base/Tip pair in text "
        "and CSV with perfkit's C scanner on and off, and twelve nightly files side by side under "
        f"{len(MULTI_OPTIONS)} option sets.",
        "",
        f"**{agreed} of {len(checks)} checks agree with Go's benchstat:**",
        "",
        *[f"- {kind}: {count}" for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1])],
    ]
    if differed:
        lines += ["", "Differed:", "", *[f"- {d}" for d in differed]]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}: {agreed}/{len(checks)} agree")
    sys.exit(1 if differed else 0)


if __name__ == "__main__":
    main()
