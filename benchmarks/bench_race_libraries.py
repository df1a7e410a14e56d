"""``perfkit race`` on real libraries' own test suites: every report classified, true races kept.

Downloads each pinned sdist from PyPI at run time (with its tests) and installs it *editable*
(``pip install -e``, setuptools' editable finder) into a scratch venv that sees this one's
packages. Each suite then runs three ways from the unpacked sdist, as a user would: plainly,
under ``perfkit race -- python -m pytest``, and under ``pytest --race`` with the current directory
off ``sys.path`` (``python -P``), so the library is imported through the editable finder.
Every distinct report (location and the two source lines) must be one of the library's known
true races below; anything else is a false report and fails the run (exit 1).

    python benchmarks/bench_race_libraries.py --write      # reports/race-libraries.md
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORT = HERE.parent / "reports" / "race-libraries.md"
TEST_PLUGINS = ["pytest-asyncio==1.5.0"]
SEP = "=================="


@dataclass
class Library:
    name: str
    version: str
    #: (location, {file:line, file:line}) -> why it is a true race
    true_races: dict[tuple[str, frozenset[str]], str] = field(default_factory=dict)
    pytest_args: tuple[str, ...] = ()


LIBRARIES = [
    Library(
        "asgiref",
        "3.8.1",
        {
            ("context[0]", frozenset({"asgiref/sync.py:249", "asgiref/sync.py:339"})): (
                "AsyncToSync.main_wrap resolves call_result, which wakes the calling thread, and only "
                "then stores context[0]; the caller reads context[0] right after waking (a result slot "
                "written after the future that publishes it)"
            ),
        },
    ),
    Library(
        "janus",
        "2.0.0",
        {
            ("Queue._sync_not_empty_waiting", frozenset({"tests/test_mixed.py:313", "janus/__init__.py:427"})): (
                "the test polls q._sync_not_empty_waiting from the event loop without the queue's lock, "
                "while the executor's get() calls change it under the lock"
            ),
            ("Queue._sync_not_full_waiting", frozenset({"tests/test_mixed.py:354", "janus/__init__.py:379"})): (
                "the same polling of q._sync_not_full_waiting against put() in the executor"
            ),
        },
        # its setup.cfg adds coverage options; its benchmarks need pytest-codspeed
        ("-o", "addopts=", "--ignore=tests/test_benchmarks.py"),
    ),
]


HISTORY = """
## Before this work (the detector of commit 489557e), same suites, same editable installs

Measured by hand with that commit's sources first on `PYTHONPATH`:

* asgiref 3.8.1, `perfkit race -- python -m pytest`: 5 reports, 1 true (`context[0]`), 4 false:
  `Local.counter` (three reports) and `Local.current`, attributes of the ContextVar-backed `Local`,
  each context's own;
* asgiref 3.8.1, `python -P -m pytest --race`: the same 5 (1 true, 4 false);
* janus 2.0.0, `perfkit race -- python -m pytest`: 2 reports, both true;
* janus 2.0.0, `python -P -m pytest --race` (janus through setuptools' editable finder): no
  report, as janus was never instrumented: both true races missed.

Tests that fail under the detector for another reason than a report are timing tests: janus's
`test_get_cancelled` gives a `get()` 51 ms (`asyncio.wait_for(q.get(), 0.051)`) and janus
1.0.0's `test_close_after_sync_join` 100 ms, which the detector's slowdown (and this shared
machine's load) can exceed; they pass in other runs.
"""


def sh(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def fetch(lib: Library, work: Path) -> Path:
    """Download and unpack the sdist; the directory holding its tests."""
    got = sh([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
              f"{lib.name}=={lib.version}", "-d", str(work)])  # fmt: skip
    if got.returncode != 0:
        raise SystemExit(f"pip download {lib.name}=={lib.version} failed:\n{got.stderr}")
    archive = next(work.glob(f"{lib.name}-{lib.version}.tar.gz"))
    with tarfile.open(archive) as tf:
        tf.extractall(work, filter="data")
    return work / f"{lib.name}-{lib.version}"


def reports(text: str, root: Path) -> dict[tuple[str, frozenset[str]], str]:
    """Distinct race reports: (location, {current line, previous line}) -> first report text."""
    out: dict[tuple[str, frozenset[str]], str] = {}
    for block in text.split(SEP):
        if "WARNING: DATA RACE" not in block:
            continue
        head = re.search(r"^(?:Read|Write|Iteration over|Mutation of) (?:at )?(.+?) by ", block, re.M)
        frames = re.findall(r'^  File "([^"]+)", line (\d+)', block, re.M)
        prev = block.split("\nPrevious ", 1)
        prev_frames = re.findall(r'^  File "([^"]+)", line (\d+)', prev[1], re.M) if len(prev) > 1 else []
        if not head or not frames or not prev_frames:
            continue
        lines = set()
        for fn, line in (frames[0], prev_frames[0]):
            p = Path(fn)
            rel = p.relative_to(root) if p.is_relative_to(root) else p
            lines.add(f"{rel}:{line}")
        out.setdefault((head.group(1), frozenset(lines)), block.strip())
    return out


def outcome(text: str) -> str:
    m = re.findall(r"^=*\s*((?:\d+ \w+(?:, )?)+) in [\d.]+s", text, re.M)
    return m[-1] if m else "?"


def scratch_venv(work: Path) -> Path:
    """A venv that sees this interpreter's packages (perfkit, pytest) through a ``.pth``."""
    venv = work / "venv"
    got = sh([sys.executable, "-m", "venv", str(venv)])
    if got.returncode != 0:
        raise SystemExit(f"python -m venv failed:\n{got.stderr}")
    python = venv / "bin" / "python"
    site = sh([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    ours = [p for p in sys.path if p.endswith("site-packages")]
    # addsitedir, not a plain path line: perfkit itself is an editable install there (its own .pth)
    Path(site, "_perfkit_bench_parent.pth").write_text("".join(f"import site; site.addsitedir({p!r})\n" for p in ours))
    got = sh([str(python), "-m", "pip", "install", "-q", "--no-deps", *TEST_PLUGINS])
    if got.returncode != 0:
        raise SystemExit(f"installing {TEST_PLUGINS} failed:\n{got.stderr}")
    return python


def run_suite(lib: Library, src: Path, python: Path) -> list[dict]:
    got = sh([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(src)])
    if got.returncode != 0:
        raise SystemExit(f"pip install -e {src} failed:\n{got.stderr}")
    env = dict(os.environ)
    env.pop("PERFKIT_RACE", None)
    pytest = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *lib.pytest_args]
    modes = [
        ("plain", pytest),
        ("perfkit race -- python -m pytest", [str(python), "-m", "perfkit", "race", "--", "python", *pytest[1:]]),
        ("python -P -m pytest --race", [str(python), "-P", *pytest[1:], "--race"]),
    ]
    rows = []
    for mode, cmd in modes:
        start = time.perf_counter()
        done = sh(cmd, cwd=src, env=env, timeout=1800)  # ``python`` in the runner's argv is the venv's
        wall = time.perf_counter() - start
        text = done.stdout + done.stderr
        found = reports(text, src)
        covered = next((x for x in text.splitlines() if x.startswith("perfkit race: instrumented")), "")
        rows.append({"mode": mode, "rc": done.returncode, "wall": wall, "tests": outcome(text),
                     "reports": found, "covered": covered})  # fmt: skip
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"write {REPORT.relative_to(HERE.parent)}")
    args = ap.parse_args()
    failures = []
    sections = []
    with tempfile.TemporaryDirectory(prefix="perfkit-race-libs-") as tmp:
        work = Path(tmp)
        python = scratch_venv(work)
        for lib in LIBRARIES:
            src = fetch(lib, work)
            rows = run_suite(lib, src, python)
            lines = [f"### {lib.name} {lib.version}", "", "| run | tests | exit | wall | reports (true / false) |",
                     "|---|---|---|---|---|"]  # fmt: skip
            seen: dict[tuple[str, frozenset[str]], str] = {}
            for row in rows:
                true = [k for k in row["reports"] if k in lib.true_races]
                false = [k for k in row["reports"] if k not in lib.true_races]
                seen.update(row["reports"])
                lines.append(f"| `{row['mode']}` | {row['tests']} | {row['rc']} | {row['wall']:.1f} s | "
                             f"{len(row['reports'])} ({len(true)} / {len(false)}) |")  # fmt: skip
                if row["mode"] != "plain":
                    for k in false:
                        failures.append(f"{lib.name}: {row['mode']}: false report {k[0]} at {sorted(k[1])}")
                    for k in lib.true_races:
                        if k not in row["reports"]:
                            failures.append(f"{lib.name}: {row['mode']}: true race {k[0]} not reported")
            covered = rows[-1]["covered"]
            lines += ["", f"`pytest --race` said: `{covered}`" if covered else "", ""]
            for key, why in lib.true_races.items():
                lines += [f"True race `{key[0]}` ({', '.join(sorted(key[1]))}): {why}.", ""]
            for key, text in seen.items():
                if key not in lib.true_races:
                    lines += [f"False report `{key[0]}` ({', '.join(sorted(key[1]))}):", "", "```", text, "```", ""]
            sections.append("\n".join(lines))
            print(sections[-1], flush=True)
    load = os.getloadavg()
    text = (
        "# perfkit race on real libraries' own test suites\n\n"
        "Remake with: `python benchmarks/bench_race_libraries.py --write` (downloads the pinned sdists "
        f"from PyPI, installs them editable; test plugins: {', '.join(TEST_PLUGINS)}).\n\n"
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load[0]:.1f} at the end. "
        "A report is *true* when the two accesses can really happen in either order (the reason is given); "
        "every other report would be a false one and fails the benchmark.\n\n" + "\n\n".join(sections) + "\n" + HISTORY
    )
    if args.write:
        REPORT.write_text(text)
    if failures:
        print("\n".join(failures), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
