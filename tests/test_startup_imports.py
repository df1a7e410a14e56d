"""Start-up stays cheap: what ``perfkit --version``, ``perfkit <command> --help``, ``import perfkit``
and perfkit's pytest plugins import (no timing here; the times are in reports/cli-startup.md).

Each check runs a fresh interpreter and reads ``sys.modules`` after the fact, so a top-level
import that creeps back in (typer for ``--version``, polars or the profile formats for one
command's help, perfkit's library in every pytest run) fails here, on any machine, under any load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

import perfkit
from perfkit import cli

#: third-party libraries no command's help needs (each costs tens of milliseconds to import)
HEAVY = ("polars", "numpy", "google.protobuf", "jinja2", "msgspec", "pydantic", "prometheus_client")
#: perfkit's own layers that only running a command needs
PERFKIT_HEAVY = (
    "perfkit.api",
    "perfkit.formats",
    "perfkit.graph",
    "perfkit.views",
    "perfkit.collectors",
    "perfkit.model",
)

PROBE = """
import json, sys
sys.argv = ["perfkit", *json.loads(sys.argv[1])]
from perfkit.cli import main
try:
    main()
except SystemExit:
    pass
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""


def modules_after(*argv: str, help_cache: str = "off") -> tuple[str, set[str]]:
    """(stdout, the modules loaded) of ``perfkit ARGV`` run in a fresh interpreter (by default
    with the help cache off: what rendering the help loads)."""
    env = {**os.environ, "PERFKIT_HELP_CACHE": help_cache}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    out, _, listed = done.stdout.rpartition("\nMODULES ")
    return out, set(json.loads(listed))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The ``names`` (or their submodules) among ``modules``."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_version_loads_neither_typer_nor_rich_nor_the_library() -> None:
    out, modules = modules_after("--version")
    assert out.strip() == f"perfkit {cli.__version__}"
    assert loaded(modules, ("typer", "click", "rich", "typing", *HEAVY, *PERFKIT_HEAVY, "perfkit.commands")) == []
    assert {m for m in modules if m.startswith("perfkit")} == {"perfkit", "perfkit.cli", "perfkit.errors"}


def test_version_fast_path_says_what_typer_says() -> None:
    """The shortcut prints exactly what the full app's eager ``--version`` option prints."""
    from typer.testing import CliRunner

    result = CliRunner().invoke(cli.app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"perfkit {cli.__version__}"


def test_benchstat_loads_no_typer() -> None:
    """``perfkit benchstat`` parses Go's flags itself: no command-line framework, no other tool."""
    out, modules = modules_after("benchstat", "--help")
    assert "perfkit benchstat" in out.lower()
    assert loaded(modules, ("typer", "click", "rich", *HEAVY, *PERFKIT_HEAVY)) == []
    assert sorted(set(cli.COMMAND_MODULES) & modules) == []
    assert "perfkit.bench.benchstat_cli" in modules


@pytest.mark.parametrize("command", ["top", "graph", "race"])
def test_help_of_one_command_loads_only_its_module(command: str) -> None:
    out, modules = modules_after(command, "--help")
    assert f"perfkit {command}" in out.lower()
    assert loaded(modules, HEAVY + PERFKIT_HEAVY) == []
    others = {m for m in cli.COMMAND_MODULES if m != cli.COMMANDS[command]}
    assert sorted(others & modules) == []
    assert cli.COMMANDS[command] in modules
    if cli.COMMANDS[command].startswith("perfkit.commands."):  # a profile command: its module and what all share
        shared = {"perfkit.commands", "perfkit.commands.flags", "perfkit.commands.profile_io"}
        assert {m for m in modules if m.startswith("perfkit.commands")} == {cli.COMMANDS[command], *shared}


def test_help_from_the_cache_loads_neither_typer_nor_rich_nor_the_command(tmp_path: Path) -> None:
    """The cached help path (perfkit.helpcache) is what keeps ``perfkit top --help`` under 100 ms:
    the second run prints the first one's text having loaded only perfkit.cli and the cache."""
    rendered, _ = modules_after("top", "--help", help_cache=str(tmp_path))
    served, modules = modules_after("top", "--help", help_cache=str(tmp_path))
    assert served == rendered and "perfkit top [OPTIONS]" in served
    assert loaded(modules, ("typer", "click", "rich", "markdown_it", "typing", *HEAVY)) == []
    assert {m for m in modules if m.startswith("perfkit")} == {
        "perfkit",
        "perfkit.cli",
        "perfkit.errors",
        "perfkit.helpcache",
    }


def test_command_table_matches_what_the_modules_register() -> None:
    """``cli.COMMANDS`` (read before any module loads) names every command its module registers."""
    registered: dict[str, str] = {}
    for module in cli.COMMAND_MODULES:
        app = typer.Typer()
        __import__(module, fromlist=["register"]).register(app)
        for command in typer.main.get_group(app).commands:
            registered[command] = module
    assert registered == cli.COMMANDS


def test_import_perfkit_loads_no_library_module_until_a_name_is_used() -> None:
    probe = (
        "import json, sys, perfkit\n"
        "before = sorted(m for m in sys.modules if m.startswith('perfkit'))\n"
        "names = {n: type(getattr(perfkit, n)).__name__ for n in perfkit.__all__}\n"
        "print(json.dumps([before, names, sorted(dir(perfkit))]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    before, names, listed = json.loads(done.stdout)
    assert before == ["perfkit"]
    assert set(names) == set(perfkit.__all__) and set(perfkit.__all__) <= set(listed)
    assert names["load"] == "function" and names["Profile"] == "type" and names["__version__"] == "str"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = perfkit.no_such_name
    assert not hasattr(perfkit, "_private")


PLUGIN_CONFTEST = """
import json, os, sys

def pytest_unconfigure(config):
    with open(os.environ["PERFKIT_MODULES_OUT"], "w") as f:
        json.dump(sorted(sys.modules), f)
"""


def pytest_run_modules(tmp_path: Path, *args: str) -> set[str]:
    """The modules loaded by a pytest run with only perfkit's two plugins (plus ``args``)."""
    (tmp_path / "conftest.py").write_text(PLUGIN_CONFTEST)
    (tmp_path / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    out = tmp_path / "modules.json"
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PERFKIT_MODULES_OUT": str(out)}
    env.pop("PERFKIT_RACE_PYTEST", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, str(tmp_path)]
    cmd[4:4] = ["-p", "perfkit.bench.plugin", "-p", "perfkit.race.pytest_plugin"]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return set(json.loads(out.read_text()))


def test_unused_pytest_plugins_load_nothing_of_perfkit(tmp_path: Path) -> None:
    modules = pytest_run_modules(tmp_path)
    assert {m for m in modules if m.startswith("perfkit")} == {
        "perfkit",
        "perfkit.bench",
        "perfkit.bench.plugin",
        "perfkit.race",
        "perfkit.race.pytest_plugin",
    }
    assert loaded(modules, ("pytest_benchmark", "typer", "rich", *HEAVY)) == []


def test_perfkit_bench_option_loads_the_harness(tmp_path: Path) -> None:
    """The other side: the probe does see the harness when an option turns it on."""
    modules = pytest_run_modules(tmp_path, "--perfkit-bench", "--perfkit-benchtime", "1x")
    assert {"perfkit.bench.session", "perfkit.bench.calibrate"} <= modules
