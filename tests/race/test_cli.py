"""``perfkit race`` options, environment, targets (-m, pytest, children) and pass-through behaviour."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"

TWO_RACES = """
import threading
import time

class A:
    x = 0
    y = 0

a = A()

def one():
    a.x += 1

def two():
    a.y += 1

for f in (one, one, two, two):
    t = threading.Thread(target=f)
    t.start()
    t.join() if False else None
time.sleep(0.5)  # no join: the races are found in the threads, before this line
print("reached the end")
"""


def race(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env.pop("PERFKIT_RACE", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "perfkit", "race", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_suppressions_file_silences_matching_races(tmp_path: Path) -> None:
    sup = write(tmp_path / "sup.txt", "# accepted\nrace:Counter.count\n")
    result = race("--suppressions", str(sup), "--", "python", str(CORPUS / "r_attr_counter.py"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    other = write(tmp_path / "other.txt", "race:no_such_function\n")
    result = race("--suppressions", str(other), "--", "python", str(CORPUS / "r_attr_counter.py"), cwd=tmp_path)
    assert result.returncode == 66


def test_bad_suppressions_file_is_one_line_error(tmp_path: Path) -> None:
    sup = write(tmp_path / "sup.txt", "race:ok\nthis is wrong\n")
    result = race("--suppressions", str(sup), "--", "python", str(CORPUS / "c_lock.py"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "line 2" in result.stderr and "race:PATTERN" in result.stderr


def test_missing_command_and_bad_options(tmp_path: Path) -> None:
    result = race(cwd=tmp_path)
    assert result.returncode == 2 and "no command given" in result.stderr
    result = race("--", "python", str(CORPUS / "c_lock.py"), cwd=tmp_path, env={"PERFKIT_RACE": "halt_on_eror=1"})
    assert result.returncode == 2 and "halt_on_eror=1" in result.stderr


def test_reports_are_deduplicated_and_counted(tmp_path: Path) -> None:
    prog = write(tmp_path / "two.py", TWO_RACES)
    result = race("--", "python", str(prog), cwd=tmp_path)
    assert result.returncode == 66
    assert result.stderr.count("WARNING: DATA RACE") == 2
    assert "Found 2 data race(s)" in result.stderr
    assert "reached the end" in result.stdout


def test_halt_on_error_exitcode_and_log_path(tmp_path: Path) -> None:
    prog = write(tmp_path / "two.py", TWO_RACES)
    result = race("--", "python", str(prog), cwd=tmp_path, env={"PERFKIT_RACE": "halt_on_error=1 exitcode=7"})
    assert result.returncode == 7
    assert result.stderr.count("WARNING: DATA RACE") == 1
    assert "reached the end" not in result.stdout
    log = tmp_path / "race.log"
    result = race("--", "python", str(prog), cwd=tmp_path, env={"PERFKIT_RACE": f"log_path={log}"})
    assert result.returncode == 66
    assert "WARNING" not in result.stderr
    logs = list(tmp_path.glob("race.log.*"))
    assert len(logs) == 1 and logs[0].read_text().count("WARNING: DATA RACE") == 2


def test_clean_program_output_status_and_traceback_unchanged(tmp_path: Path) -> None:
    prog = write(
        tmp_path / "fails.py",
        """
        import sys
        print("out")
        print("err", file=sys.stderr)
        def boom():
            raise ValueError("bad value")
        if len(sys.argv) > 1:
            sys.exit(int(sys.argv[1]))
        boom()
        """,
    )
    for args in ([], ["3"]):
        plain = subprocess.run([sys.executable, str(prog), *args], cwd=tmp_path, capture_output=True, text=True)
        raced = race("--", "python", str(prog), *args, cwd=tmp_path)
        assert (raced.returncode, raced.stdout, raced.stderr) == (plain.returncode, plain.stdout, plain.stderr)


def test_python_dash_m_module(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.py", "")
    write(tmp_path / "app" / "state.py", "class Stats:\n    hits = 0\n\nSTATS = Stats()\n")
    write(
        tmp_path / "app" / "__main__.py",
        """
        import threading
        from app.state import STATS
        def hit():
            STATS.hits += 1
        for _ in range(2):
            threading.Thread(target=hit).start()
        """,
    )
    result = race("--", "python", "-m", "app", cwd=tmp_path)
    assert result.returncode == 66, result.stderr
    assert "Stats.hits" in result.stderr


def test_child_python_processes_are_checked(tmp_path: Path) -> None:
    write(
        tmp_path / "parent.py",
        """
        import subprocess, sys
        code = subprocess.call([sys.executable, "child.py"])
        print("child exit", code)
        """,
    )
    write(tmp_path / "child.py", (CORPUS / "r_attr_counter.py").read_text())
    result = race("--", "python", "parent.py", cwd=tmp_path)
    # the child keeps its own exit status; the parent run reports the child's race and exits 66
    assert "child exit 0" in result.stdout
    assert result.returncode == 66, result.stderr
    assert "Counter.count" in result.stderr
    pid = re.search(r"In child process (\d+) \(.*child\.py\)", result.stderr)
    assert pid, result.stderr
    # the child's block ends with its own count, as Go's child would print it at exit
    assert f"==================\nFound 1 data race(s) in child process {pid.group(1)}\n" in result.stderr


def test_child_that_never_reaches_its_exit_still_gets_a_count(tmp_path: Path) -> None:
    """A child ended by os._exit (or a signal) runs no exit handler: the root closes its block."""
    write(
        tmp_path / "parent.py",
        """
        import subprocess, sys
        print("child exit", subprocess.call([sys.executable, "child.py"]))
        """,
    )
    write(tmp_path / "child.py", (CORPUS / "r_attr_counter.py").read_text() + "\nimport os\nos._exit(5)\n")
    result = race("--", "python", "parent.py", cwd=tmp_path)
    assert "child exit 5" in result.stdout
    assert result.returncode == 66, result.stderr
    pid = re.search(r"In child process (\d+) ", result.stderr).group(1)
    assert f"Found 1 data race(s) in child process {pid} (it did not reach its exit" in result.stderr


def test_stress_runs_the_target_n_times(tmp_path: Path) -> None:
    prog = write(tmp_path / "hello.py", "import sys\nprint('switch', sys.getswitchinterval() < 1e-3)\n")
    result = race("--stress", "3", "--", "python", str(prog), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.count("switch True") == 3
    result = race("--stress", "2", "--", "python", str(CORPUS / "r_attr_counter.py"), cwd=tmp_path)
    assert result.returncode == 66


def test_include_and_exclude(tmp_path: Path) -> None:
    write(tmp_path / "lib" / "shared.py", "class Stats:\n    hits = 0\n\ndef hit(s):\n    s.hits += 1\n")
    write(
        tmp_path / "main.py",
        """
        import threading, sys
        sys.path.insert(0, "lib")
        import shared
        s = shared.Stats()
        for _ in range(2):
            threading.Thread(target=shared.hit, args=(s,)).start()
        """,
    )
    assert race("--", "python", "main.py", cwd=tmp_path).returncode == 66
    result = race("--exclude", "lib/*", "--", "python", "main.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = race("--include", "nothing/*", "--", "python", "main.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


TESTS = """
import threading

class Counter:
    n = 0

def run(f):
    ts = [threading.Thread(target=f) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()

def test_racy():
    c = Counter()
    def bump():
        c.n += 1
    run(bump)
    assert c.n == 2

def test_clean():
    c = Counter()
    lock = threading.Lock()
    def bump():
        with lock:
            c.n += 1
    run(bump)
    assert c.n == 2
"""


def test_perfkit_race_pytest(tmp_path: Path) -> None:
    write(tmp_path / "test_counter.py", TESTS)
    result = race("--", "pytest", "-q", "-p", "no:cacheprovider", "test_counter.py", cwd=tmp_path)
    assert result.returncode == 66, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "test_racy" in result.stdout and "Counter.n" in result.stdout


def test_pytest_race_option(tmp_path: Path) -> None:
    write(tmp_path / "test_counter.py", TESTS)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_counter.py"]
    plain = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert plain.returncode == 0, plain.stdout
    raced = subprocess.run([*cmd, "--race"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert raced.returncode == 1, raced.stdout
    assert "FAILED test_counter.py::test_racy" in raced.stdout
    assert "WARNING: DATA RACE" in raced.stdout
    # the instrumented code must not leak into pytest's cache for a later plain run
    again = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "DATA RACE" not in again.stdout + again.stderr


@pytest.mark.parametrize("name", ["r_hang.py"])
def test_hang_is_reported_with_every_stack(name: str, tmp_path: Path) -> None:
    result = race("--", "python", str(CORPUS / name), cwd=tmp_path)
    assert result.returncode == 66
    assert "every thread is blocked" in result.stderr
    assert result.stderr.count("blocked in") >= 3
    assert "in one" in result.stderr and "in two" in result.stderr


def test_multiprocessing_children_report_to_the_parent(tmp_path: Path) -> None:
    """fork, spawn and forkserver children, their target in an imported module or in the main
    script (which spawn and forkserver re-run through runpy.run_path, past import hooks).
    Each child's block reads as Go's would: its pid, its own stacks starting at its entry
    (not the parent's frames down to Process.start()), and its own count."""
    write(
        tmp_path / "work.py",
        """
        import threading

        class Counter:
            count = 0

        def main():
            c = Counter()
            def bump():
                c.count += 1
            ts = [threading.Thread(target=bump) for _ in range(2)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        """,
    )
    write(
        tmp_path / "parent.py",
        """
        import multiprocessing as mp
        import sys
        import work

        class Tally:
            hits = 0

        def in_main():
            t = Tally()
            t.hits += 1
            work.main()
            t.hits += 1
            sys.exit(3)

        if __name__ == "__main__":
            for method in ("fork", "spawn", "forkserver"):
                for target in (work.main, in_main):
                    p = mp.get_context(method).Process(target=target)
                    p.start()
                    p.join()
                    print(method, target.__name__, "exit", p.exitcode, flush=True)
        """,
    )
    result = race("--", "python", "parent.py", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        f"{method} {target} exit {code}"
        for method in ("fork", "spawn", "forkserver")
        for target, code in (("main", 0), ("in_main", 3))
    ], result.stdout + result.stderr
    assert result.returncode == 66, result.stderr
    err = result.stderr
    headers = re.findall(r"In child process (\d+) \(multiprocessing (\w+)-\d+ running (\w+)\), parent (\d+):", err)
    assert {(kind, target) for _, kind, target, _ in headers} == {
        (kind, target)
        for kind in ("ForkProcess", "SpawnProcess", "ForkServerProcess")
        for target in ("main", "in_main")
    }, err
    for pid, _, _, _ in headers:
        assert f"Found 1 data race(s) in child process {pid}\n" in err, err
    assert err.rstrip().endswith(f"Found {len(headers)} data race(s)"), err
    # stacks start at the child's entry: never the parent's module code or multiprocessing's
    assert "in <module>" not in err and f"multiprocessing{os.sep}" not in err, err
    assert "Counter.count" in err and "Tally.hits" not in err


def test_previous_access_has_its_whole_stack(tmp_path: Path) -> None:
    """Like Go, both stacks: the earlier access is shown with every caller, not only its line."""
    write(
        tmp_path / "deep.py",
        """
        import threading, time

        class C:
            n = 0

        c = C()

        def inner():
            c.n += 1

        def middle():
            inner()

        def worker():
            middle()

        threading.Thread(target=worker).start()
        time.sleep(0.2)
        worker()
        """,
    )
    result = race("--", "python", "deep.py", cwd=tmp_path)
    assert result.returncode == 66, result.stderr
    previous = result.stderr.split("Previous write at C.n")[1].split("created at:")[0]
    assert [line.split(", in ")[1] for line in previous.splitlines() if ", in " in line] == [
        "inner",
        "middle",
        "worker",
    ], result.stderr
