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

app = typer.Typer(
    name="perfkit",
    help="Go's performance toolchain for Python services: profile, flame, top, list, convert.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

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


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Go's performance toolchain for Python services."""


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Console entry point: user mistakes become one line on stderr and a non-zero exit."""
    try:
        app(prog_name="perfkit")
    except PerfkitError as exc:
        print(f"perfkit: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("perfkit: interrupted", file=sys.stderr)
        sys.exit(130)
