"""The ``perfkit`` command line (typer): parse arguments, call the library, print.

Each tool (profile views, bench, race, debug) registers its commands from its own module, so
this file stays a thin shell: error handling, ``--version``, and the list of tools.
"""

from __future__ import annotations

import importlib
import sys

import typer

from perfkit import __version__
from perfkit.errors import PerfkitError

#: modules with a ``register(app)`` function adding their commands
COMMAND_MODULES = (
    "perfkit.commands",
    "perfkit.bench.commands",
    "perfkit.race.commands",
    "perfkit.debug.commands",
    "perfkit.logs.commands",
    "perfkit.web.commands",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"perfkit {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Go's performance toolchain for Python services."""


#: commands that need only their own module: running one loads no other tool (start-up time
#: and memory count for them; benchstat is measured against Go's)
OWN_MODULE = {"bench": "perfkit.bench.commands", "benchstat": "perfkit.bench.commands"}


def _new_app(modules: tuple[str, ...], *, full: bool = True) -> typer.Typer:
    """An app with the commands of ``modules``; not ``full``: without the root's own help and
    completion options (a command runs: those would only make typer load pydantic)."""
    new = typer.Typer(
        name="perfkit",
        help="Go's performance toolchain for Python services: profile, flame, top, list, convert.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        add_completion=full,
        add_help_option=full,
    )
    new.callback()(_root)
    for module in modules:
        importlib.import_module(module).register(new)
    return new


def __getattr__(name: str) -> typer.Typer:
    """``perfkit.cli.app``, every command, built when first asked for."""
    if name != "app":
        raise AttributeError(name)
    built = globals()["app"] = _new_app(COMMAND_MODULES)
    return built


def main() -> None:
    """Console entry point: user mistakes become one line on stderr and a non-zero exit."""
    own = OWN_MODULE.get(sys.argv[1]) if len(sys.argv) > 1 else None
    try:
        (_new_app((own,), full=False) if own else __getattr__("app"))(prog_name="perfkit")
    except PerfkitError as exc:
        print(f"perfkit: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("perfkit: interrupted", file=sys.stderr)
        sys.exit(130)
