"""How long the ``perfkit`` CLI takes to start, and what its pytest plugins add to every pytest run
(reports/cli-startup.md).

Each command runs in a fresh process, timed from spawn to exit (wall clock), against
``python -c pass`` of the same interpreter. Every round runs every command once, in every venv
given, in alternation (A, B, A, B ...), so the shared machine's load hits all of them alike.
``pytest --co -q`` runs on a one-test directory, with perfkit's two plugins and without them
(``-p no:perfkit_bench -p no:perfkit_race``): the difference is what the plugins cost a pytest run
that does not use them.

    python benchmarks/bench_startup.py --venv before=/work/main/.venv --venv after=.venv --rounds 20

``--venv LABEL=PATH`` (repeatable; default ``after=`` the venv running this script) names the
installations compared: "before" is a venv with the previous perfkit installed (editable).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "reports" / "cli-startup.md"
NO_PLUGINS = ["-p", "no:perfkit_bench", "-p", "no:perfkit_race"]


def commands(venv: Path, tests: Path, help_cache: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """What is timed, by name: (argv, extra environment). The CLI's fast paths, the floor typer and
    its rich help module set, and pytest with and without perfkit's plugins: in the venv as it is
    (every installed plugin autoloads, hypothesis included) and alone (autoload off, ``-p``).

    ``--help`` runs with the help cache in ``help_cache`` (perfkit.helpcache; the warm-up run
    records it, as a user's first call does) and once with it off: what rendering costs, as on
    a first call, after an upgrade or in a new terminal size."""
    python, perfkit = str(venv / "bin" / "python"), str(venv / "bin" / "perfkit")
    pytest = [python, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", str(tests)]
    alone = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    cached = {"PERFKIT_HELP_CACHE": str(help_cache)}
    return {
        "python -c pass": ([python, "-c", "pass"], {}),
        "perfkit --version": ([perfkit, "--version"], {}),
        "perfkit top --help": ([perfkit, "top", "--help"], cached),
        "perfkit benchstat --help": ([perfkit, "benchstat", "--help"], cached),
        "perfkit top --help (help cache off)": ([perfkit, "top", "--help"], {"PERFKIT_HELP_CACHE": "off"}),
        'python -c "import perfkit"': ([python, "-c", "import perfkit"], {}),
        'floor: python -c "import typer"': ([python, "-c", "import typer"], {}),
        'floor: python -c "import typer, typer.rich_utils"': ([python, "-c", "import typer, typer.rich_utils"], {}),
        "pytest --co -q": (pytest, {}),
        "pytest --co -q -p no:perfkit_bench -p no:perfkit_race": ([*pytest, *NO_PLUGINS], {}),
        "autoload off: pytest --co -q -p perfkit.bench.plugin -p perfkit.race.pytest_plugin": (
            [*pytest, "-p", "perfkit.bench.plugin", "-p", "perfkit.race.pytest_plugin"],
            alone,
        ),
        "autoload off: pytest --co -q": (pytest, alone),
    }


def time_once(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, user+system CPU) seconds of one run; a failing command stops the benchmark.

    CPU time is what the process itself used: far less moved by other processes than wall time
    on a loaded machine (where the wall clock also counts waiting for a core)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 5):  # 5: pytest collected nothing (not expected, but not a failure to time)
        raise SystemExit(f"{' '.join(argv)}: exit {done.returncode}\n{done.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "uptime unavailable"


def source(venv: Path) -> str:
    """Where the venv's perfkit comes from, and that checkout's commit (what "before" was)."""
    code = "import pathlib, perfkit; print(pathlib.Path(perfkit.__file__).parent)"
    found = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True)
    where = found.stdout.strip()
    if not where:
        return "perfkit not importable"
    head = subprocess.run(["git", "-C", where, "log", "-1", "--format=%h"], capture_output=True, text=True)
    return f"perfkit from `{where}`, commit {head.stdout.strip() or 'unknown'}"


def machine() -> str:
    cpu = "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


PLUGINS_AFTER_PYTEST = "import pytest, pytest_benchmark.plugin; import perfkit.bench.plugin, perfkit.race.pytest_plugin"


def plugin_import_seconds(venv: Path, env: dict[str, str]) -> float:
    """What importing perfkit's two plugin modules adds once pytest (and pytest-benchmark, which
    autoloads beside them) is loaded: the sum of ``-X importtime``'s cumulative times of the
    top-level imports that come after them. Exact where pytest's own run time is too noisy."""
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-X", "importtime", "-c", PLUGINS_AFTER_PYTEST],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    total, seen_plugins = 0, False
    for line in done.stderr.splitlines():
        fields = line.split("|")
        if len(fields) != 3 or not fields[2].startswith(" ") or fields[2].startswith("  "):
            continue  # a header line, or an import nested in another
        name = fields[2].strip()
        seen_plugins = seen_plugins or name.startswith("perfkit")
        if seen_plugins:
            total += int(fields[1])
    return total / 1e6


#: samples[kind][venv label][command]: seconds, kind "wall" or "cpu"
Samples = dict[str, dict[str, dict[str, list[float]]]]


def measure(venvs: dict[str, Path], rounds: int, tests: Path, pycache: Path) -> Samples:
    """Every round runs every (command, venv) once, venvs alternating.

    Byte code is cached under ``pycache`` (PYTHONPYCACHEPREFIX) for every venv alike, so no run
    compiles sources (as after ``pip install``) and nothing is written into the venvs' trees."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PERFKIT_RACE_PYTEST")}
    base["PYTHONPYCACHEPREFIX"] = str(pycache)
    plans = {label: commands(venv, tests, pycache.parent / f"help-cache-{label}") for label, venv in venvs.items()}
    names = list(next(iter(plans.values())))
    samples: Samples = {kind: {label: {n: [] for n in names} for label in venvs} for kind in ("wall", "cpu")}
    samples["importtime"] = {label: {"plugins": []} for label in venvs}
    for plan in plans.values():  # warm the page cache and write the byte code: not counted
        for argv, env in plan.values():
            time_once(argv, tests, {**base, **env})
    order = list(venvs)
    for r in range(rounds):
        for name in names:
            for label in order if r % 2 == 0 else reversed(order):  # A, B then B, A
                argv, env = plans[label][name]
                wall, cpu = time_once(argv, tests, {**base, **env})
                samples["wall"][label][name].append(wall)
                samples["cpu"][label][name].append(cpu)
        for label in order:
            samples["importtime"][label]["plugins"].append(plugin_import_seconds(venvs[label], base))
    return samples


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def cell(values: list[float], digits: int = 0) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{statistics.median(ms):.{digits}f} ms ({ms[0]:.{digits}f}–{ms[-1]:.{digits}f})"


def tables(seconds: dict[str, dict[str, list[float]]], what: str) -> list[str]:
    """The per-command table of one kind of time, and the differences that answer the issue."""
    labels = list(seconds)
    names = list(next(iter(seconds.values())))
    lines = [f"| command ({what}) | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    for name in names:
        lines.append(f"| `{name}` | " + " | ".join(cell(seconds[label][name]) for label in labels) + " |")
    lines += ["", f"Derived ({what}, medians): above `python -c pass`; what the two plugins add to pytest:", ""]
    lines += ["| | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    base = "python -c pass"
    for name in names:
        if name == base or "pytest" in name:
            continue
        row = [f"{(median_ms(seconds[lb][name]) - median_ms(seconds[lb][base])):+.0f} ms" for lb in labels]
        lines.append(f"| `{name}` − `{base}` | " + " | ".join(row) + " |")
    pytests = [name for name in names if "pytest" in name]
    for with_p, without, label in (
        (pytests[0], pytests[1], "pytest (venv as is): with perfkit's plugins − without"),
        (pytests[2], pytests[3], "pytest (autoload off): perfkit's plugins − none"),
    ):
        row = [f"{(median_ms(seconds[lb][with_p]) - median_ms(seconds[lb][without])):+.0f} ms" for lb in labels]
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    return [*lines, ""]


def report(samples: Samples, venvs: dict[str, Path], rounds: int, loads: list[str]) -> str:
    argv = " ".join(["python", "benchmarks/bench_startup.py", *sys.argv[1:]])
    lines = [
        "# perfkit CLI start-up and pytest plugin cost",
        "",
        f"Remake: `{argv}` (from the repository root, in the project's venv).",
        "",
        f"Machine: {machine()}; Python {platform.python_version()}.",
        f"Load (`uptime`) before: `{loads[0]}`; after: `{loads[1]}`.",
        "",
        f"Each cell: median of {rounds} runs (min–max); every round ran every command in every venv,"
        " alternating the venv order (A, B then B, A). Fresh process each run; one warm-up run not counted;"
        " byte code cached (PYTHONPYCACHEPREFIX, written by the warm-up) for every venv alike."
        " Wall time is what a user waits; CPU time (user + system of the process) is what the start-up"
        " itself costs, and moves far less with the machine's load. The `floor` rows are typer alone and"
        " typer with the module that renders its rich help: what any typer command's `--help` pays before"
        " perfkit's own code runs. The `--help` rows use perfkit's help cache (perfkit.helpcache, a folder per"
        " venv, recorded by the warm-up run as by a user's first call; a venv without the cache renders each"
        " time); the `(help cache off)` row renders every time, as a first call does. The venvs' `perfkit`"
        " scripts should come from the same pip: the script pip 23 writes imports `re` (about 8 ms more).",
        "",
        "Venvs: " + "; ".join(f"**{label}** `{path}` ({source(path)})" for label, path in venvs.items()) + ".",
        "",
    ]
    lines += tables(samples["wall"], "wall")
    lines += tables(samples["cpu"], "CPU")
    lines += [
        "Importing perfkit's two plugin modules after pytest and pytest-benchmark"
        f' (`python -X importtime -c "{PLUGINS_AFTER_PYTEST}"`, cumulative time of the top-level'
        " imports from the first perfkit one on), median (min–max):",
        "",
        "| | " + " | ".join(samples["importtime"]) + " |",
        "|---|" + "---|" * len(samples["importtime"]),
        "| plugin modules | " + " | ".join(cell(v["plugins"], digits=1) for v in samples["importtime"].values()) + " |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", action="append", default=[], metavar="LABEL=PATH", help="a venv to measure")
    parser.add_argument("--rounds", type=int, default=20, help="runs of each command in each venv")
    parser.add_argument("--out", type=Path, default=REPORT)
    parser.add_argument("--json", type=Path, default=None, help="also write the raw seconds here")
    args = parser.parse_args()
    pairs = args.venv or [f"after={Path(sys.prefix)}"]
    venvs = {}
    for pair in pairs:
        label, _, path = pair.partition("=")
        if not path or not (Path(path) / "bin" / "perfkit").exists():
            parser.error(f"--venv {pair}: expected LABEL=PATH of a venv with perfkit installed")
        venvs[label] = Path(path).resolve() if not Path(path).is_absolute() else Path(path)
    loads = [uptime()]
    with tempfile.TemporaryDirectory(prefix="perfkit-startup-") as tmp:
        tests = Path(tmp) / "tiny"
        tests.mkdir()
        (tests / "test_tiny.py").write_text("def test_nothing():\n    assert True\n")
        samples = measure(venvs, args.rounds, tests, Path(tmp) / "pycache")
    loads.append(uptime())
    text = report(samples, venvs, args.rounds, loads)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps({"loads": loads, "seconds": samples}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
