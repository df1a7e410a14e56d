"""``perfkit bench``: run pytest benchmarks in a child pytest with the plugin switched on, then
store the results where ``-o`` says (Go text for benchstat, or perfkit JSON with every run).

A child process keeps the user's code, imports and garbage out of perfkit's own process, exactly
as ``go test`` builds and runs a separate test binary.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from perfkit.atomic import atomic_write
from perfkit.bench import storage
from perfkit.bench.calibrate import parse_benchtime
from perfkit.errors import PerfkitError

__all__ = ["pytest_command", "run_benchmarks"]

ENTRY_POINT = "perfkit_bench"


def _plugin_installed() -> bool:
    return any(ep.name == ENTRY_POINT for ep in metadata.entry_points(group="pytest11"))


def pytest_command(
    paths: Sequence[str],
    results: Path,
    *,
    keyword: str | None = None,
    count: int = 1,
    benchtime: str = "1s",
    benchmem: bool = False,
    cpuprofile: Path | None = None,
    pytest_args: Sequence[str] = (),
) -> list[str]:
    """The child pytest command line."""
    cmd = [sys.executable, "-m", "pytest", *paths, "-q", "--no-header", "-p", "no:cacheprovider"]
    if not _plugin_installed():
        cmd += ["-p", "perfkit.bench.plugin"]
    cmd += ["--perfkit-bench", "--perfkit-count", str(count), "--perfkit-benchtime", benchtime]
    cmd += ["--perfkit-out", str(results)]
    if keyword:
        cmd += ["-k", keyword]
    if benchmem:
        cmd.append("--perfkit-benchmem")
    if cpuprofile is not None:
        cmd += ["--perfkit-cpuprofile", str(cpuprofile)]
    return cmd + list(pytest_args)


def run_benchmarks(
    paths: Sequence[str],
    *,
    keyword: str | None = None,
    count: int = 1,
    benchtime: str = "1s",
    benchmem: bool = False,
    cpuprofile: Path | None = None,
    out: Path | None = None,
    pytest_args: Sequence[str] = (),
) -> list[storage.Benchmark]:
    """Run the benchmarks (pytest prints Go's result lines as they finish) and write ``out``."""
    if count < 1:
        raise PerfkitError(f"--count {count}: must be at least 1")
    parse_benchtime(benchtime)
    for path in paths:
        if not Path(path.split("::")[0]).exists():
            raise PerfkitError(f"{path}: no such file or folder; pass the folder holding your benchmark tests")
    if out is not None and not out.parent.is_dir():
        raise PerfkitError(f"-o {out}: folder {out.parent} does not exist; create it or pick another path")
    with tempfile.TemporaryDirectory(prefix="perfkit-bench-") as tmp:
        results = Path(tmp) / "results.json"
        cmd = pytest_command(
            paths,
            results,
            keyword=keyword,
            count=count,
            benchtime=benchtime,
            benchmem=benchmem,
            cpuprofile=cpuprofile,
            pytest_args=pytest_args,
        )
        code = subprocess.run(cmd, check=False).returncode
        where = " ".join(paths) or "."
        if code == 5:
            matched = f" -k {keyword!r}" if keyword else ""
            raise PerfkitError(f"{where}{matched}: no tests collected; check the path and -k expression")
        if code not in (0, 1) or not results.exists():
            if code == 0:
                raise PerfkitError(f"{where}: no test used the `benchmark` fixture; write def test_x(benchmark): ...")
            raise PerfkitError(f"{where}: pytest stopped with exit code {code}; see its output above", exit_code=code)
        text = results.read_text(encoding="utf-8")
    benchmarks, context = storage.loads_benchmarks(text)
    if out is not None:
        atomic_write(out, text if out.suffix.lower() == ".json" else storage.to_go_text(benchmarks, context))
    if code == 1:
        raise PerfkitError(f"{where}: some benchmarks failed; see pytest's report above", exit_code=1)
    return benchmarks
