"""A second held-out set: Python translations of Go's runtime/race testdata plus real
concurrency idioms of Python services, written without looking at the detector or its corpora.

Racy programs (``r_*.py``) carry ``# RACE: LOCATION`` (an attribute or global name as the
report prints it, or ``file.py:LINE`` of one racing access): the run must exit 66 with a
``WARNING: DATA RACE`` naming it. Programs with a ``# CHILD:`` line start a racy child process
and print ``child pid: N`` and ``child exit status: S``: the report must name pid N, and the
child's status must be what it is in a plain run. Clean programs (``c_*.py``) must exit 0 with
no warning and print exactly what a plain run prints. No run may show a traceback.

Every program is classified by ground truth (Go's memory model applied to Python and the
README's documented policies), not by what the detector says. Programs the detector on main
gets wrong are strict xfails, so they flip when the improved detector merges.

The detector runs go three at a time in one module fixture (each is mostly interpreter start
and waiting), which keeps the set's wall time down on a loaded 2-core machine.
``python -m tests.race.test_heldout_go [RUNS]`` reruns the set and rewrites RESULTS.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

HELDOUT = Path(__file__).parent / "heldout_go"
PROGRAMS = sorted(HELDOUT.glob("[rc]_*.py"))
PARALLEL_RUNS = 3

# Programs the detector still gets wrong, each with what it does instead (strict: they must flip when fixed).
# On 489557e, before issue 8, 16 programs were here; 14 flipped with the issue-8 detector, and the
# last two (Event.is_set() polling, a spawned multiprocessing child) with its second round.
ON_MAIN: dict[str, str] = {}


@dataclass
class Outcome:
    """One detector run of a program, plus a plain run where the verdict needs one."""

    returncode: int
    stdout: str
    stderr: str
    plain_returncode: int | None
    plain_stdout: str | None
    seconds: float


def location(path: Path) -> str:
    m = re.search(r"# RACE: (.+)$", path.read_text(), re.M)
    assert m, f"{path.name}: racy programs need a `# RACE: LOCATION` comment"
    return m.group(1).strip()


def starts_child(path: Path) -> bool:
    return "# CHILD:" in path.read_text()


def names_location(loc: str, stderr: str) -> bool:
    """A name must appear as printed; `file.py:LINE` may also appear as a traceback frame."""
    m = re.fullmatch(r"([\w.]+\.py):(\d+)", loc)
    if m and re.search(rf'{re.escape(m.group(1))}", line {m.group(2)}\b', stderr):
        return True
    return loc in stderr


def run_program(program: Path) -> Outcome:
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "perfkit", "race", "--", sys.executable, program.name],
        cwd=HELDOUT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    seconds = time.monotonic() - start
    plain_rc = plain_out = None
    if program.name.startswith("c_") or starts_child(program):
        plain = subprocess.run([sys.executable, program.name], cwd=HELDOUT, capture_output=True, text=True, timeout=60)
        plain_rc, plain_out = plain.returncode, plain.stdout
    return Outcome(result.returncode, result.stdout, result.stderr, plain_rc, plain_out, seconds)


def problems(program: Path, outcome: Outcome) -> list[str]:
    """What is wrong with this run against the ground truth; empty when it is right."""
    found: list[str] = []
    err = outcome.stderr
    if "Traceback" in err:
        found.append("a traceback reached stderr")
    if program.name.startswith("r_"):
        if "WARNING: DATA RACE" not in err:
            found.append(f"missed: exit {outcome.returncode}, no race reported")
        else:
            if outcome.returncode != 66:
                found.append(f"race reported but exit {outcome.returncode}, not 66")
            if not names_location(location(program), err):
                found.append(f"race reported, but not at {location(program)}")
    else:
        if "WARNING" in err:
            reported = sorted(set(re.findall(r"^(?:Write|Read) at (\S+)", err, re.M)))
            found.append(f"false report at {', '.join(reported) or '?'}")
        if outcome.returncode != 0:
            found.append(f"exit {outcome.returncode}, not 0")
        if outcome.stdout != outcome.plain_stdout:
            found.append("stdout differs from a plain run")
    if starts_child(program):
        pid = re.search(r"^child pid: (\d+)$", outcome.stdout, re.M)
        if not pid or not re.search(rf"\b{pid.group(1)}\b", err):
            found.append("report does not name the child's pid")
        status = re.search(r"^child exit status: .*$", outcome.stdout, re.M)
        plain_status = re.search(r"^child exit status: .*$", outcome.plain_stdout or "", re.M)
        if not status or not plain_status or status.group(0) != plain_status.group(0):
            got = status.group(0) if status else "none"
            want = plain_status.group(0) if plain_status else "none"
            found.append(f"child status changed: {got!r}, plain {want!r}")
    return found


def param(program: Path) -> object:
    reason = ON_MAIN.get(program.stem)
    marks = [pytest.mark.xfail(strict=True, reason=f"detector on main: {reason}")] if reason else []
    return pytest.param(program, id=program.stem, marks=marks)


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest) -> dict[str, Outcome]:
    selected = [
        item.callspec.params["program"]
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec") and "program" in item.callspec.params
    ]
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        return dict(zip([p.name for p in selected], pool.map(run_program, selected)))


def test_heldout_go_has_both_kinds() -> None:
    names = [p.name for p in PROGRAMS]
    assert sum(n.startswith("r_go_") for n in names) >= 18
    assert sum(n.startswith("c_go_") for n in names) >= 18
    assert sum(n.startswith(("r_py_", "c_py_")) for n in names) >= 18


def test_line_locations_point_at_marked_lines() -> None:
    """A `file.py:LINE` location must name this file and a line marked `# <- race`."""
    for program in PROGRAMS:
        if not program.name.startswith("r_"):
            continue
        m = re.fullmatch(r"([\w.]+\.py):(\d+)", location(program))
        if m:
            assert m.group(1) == program.name
            line = program.read_text().splitlines()[int(m.group(2)) - 1]
            assert line.rstrip().endswith("# <- race"), f"{program.name}:{m.group(2)}: {line}"


@pytest.mark.parametrize("program", [param(p) for p in PROGRAMS])
def test_heldout_go_program(program: Path, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[program.name]
    found = problems(program, outcome)
    assert not found, "; ".join(found) + "\n" + outcome.stderr[-4000:]


def write_results(runs: int) -> None:
    """Run every program `runs` times under the detector and rewrite heldout_go/RESULTS.md."""
    rows = []
    right_counts: dict[str, list[int]] = {"r_go": [], "r_py": [], "c_go": [], "c_py": []}
    started = time.monotonic()
    for program in PROGRAMS:
        with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
            outs = list(pool.map(run_program, [program] * runs))
        verdicts = ["; ".join(problems(program, o)) or "as expected" for o in outs]
        right = verdicts.count("as expected")
        right_counts[program.name[:4]].append(right)
        expected = "race at " + location(program) if program.name.startswith("r_") else "clean"
        got = "as expected" if right == runs else ", ".join(sorted(set(v for v in verdicts if v != "as expected")))
        rows.append((program.stem, expected, f"{got} ({right}/{runs} right)", max(o.seconds for o in outs)))
        print(rows[-1], flush=True)
    total = time.monotonic() - started
    load = Path("/proc/loadavg").read_text().split()[:3]

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=HELDOUT, capture_output=True, text=True).stdout.strip()

    head, detector = (
        git("rev-parse", "--short", "HEAD"),
        git("log", "-1", "--format=%h", "--", "../../../src/perfkit/race"),
    )
    lines = [
        "# Held-out set 2: results of the detector",
        "",
        f"Code at commit {head} (last change to src/perfkit/race: {detector}).",
        f"Made by `python -m tests.race.test_heldout_go {runs}`",
        f"({runs} runs of each program, {PARALLEL_RUNS} at a time; {total:.0f} s; load average at the end"
        f" {' '.join(load)}).",
        "",
        "| kind | programs | right in every run | right in some runs | never right |",
        "|---|---|---|---|---|",
    ]
    kinds = {
        "r_go": "racy, Go translations",
        "r_py": "racy, Python idioms",
        "c_go": "clean, Go translations",
        "c_py": "clean, Python idioms",
    }
    for prefix, label in kinds.items():
        counts = right_counts[prefix]
        always = sum(c == runs for c in counts)
        never = sum(c == 0 for c in counts)
        lines.append(f"| {label} | {len(counts)} | {always} | {len(counts) - always - never} | {never} |")
    lines += [
        "",
        "A racy program is right when the run exits 66 with a data-race report naming its location",
        "(and, for child processes, the child's pid and the child's own exit status); a clean one",
        "when it exits 0 with no warning and prints what a plain run prints.",
        "",
        "| program | expected | got | slowest run (s) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {exp} | {got} | {secs:.1f} |" for name, exp, got, secs in rows]
    (HELDOUT / "RESULTS.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    write_results(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
