"""The ``perfkit`` command line (typer): parse arguments, call the library, print.

Each tool (profile views, bench, race, debug) registers its commands from its own module, so
this file stays a thin shell: error handling, ``--version``, and the list of tools.

Start-up is a feature (``perfkit --version``, ``perfkit top --help`` and shell completion must
feel instant): this module imports neither typer nor any tool at import time. ``--version``
never loads typer; running a command loads typer and the one module that registers it
(:data:`COMMANDS`); only the bare ``perfkit``/``perfkit --help`` loads every tool. ``perfkit
COMMAND --help`` prints what typer rendered the last time, from a cache that is dropped whenever
anything the rendering read changes (:mod:`perfkit.helpcache`), so it loads neither typer nor rich.
"""

from __future__ import annotations

import importlib
import sys

from perfkit import __version__
from perfkit.errors import PerfkitError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: --version stays minimal
if TYPE_CHECKING:
    import typer

#: modules with a ``register(app)`` function adding their commands
COMMAND_MODULES = (
    "perfkit.commands.profile",
    "perfkit.commands.flame",
    "perfkit.commands.top",
    "perfkit.commands.peek",
    "perfkit.commands.graph",
    "perfkit.commands.listing",
    "perfkit.commands.convert",
    "perfkit.bench.commands",
    "perfkit.race.commands",
    "perfkit.debug.commands",
    "perfkit.logs.commands",
    "perfkit.web.commands",
)

#: the module registering each command: running (or asking help for) one loads only its module.
#: A command missing here still works (through the full app), only slower; a test keeps this
#: table equal to what the modules register.
COMMANDS = {
    "profile": "perfkit.commands.profile",
    "flame": "perfkit.commands.flame",
    "top": "perfkit.commands.top",
    "peek": "perfkit.commands.peek",
    "graph": "perfkit.commands.graph",
    "list": "perfkit.commands.listing",
    "convert": "perfkit.commands.convert",
    "bench": "perfkit.bench.commands",
    "benchstat": "perfkit.bench.commands",
    "race": "perfkit.race.commands",
    "dump": "perfkit.debug.commands",
    "logs": "perfkit.logs.commands",
    "web": "perfkit.web.commands",
}

HELP = "Go's performance toolchain for Python services: profile, flame, top, list, convert."


def _new_app(modules: tuple[str, ...], *, full: bool = True, only: str | None = None) -> typer.Typer:
    """An app with the commands of ``modules`` (``only``: just that one, so typer converts no
    other command's parameters); not ``full``: without the root's own help and completion options
    (a command runs: those would only make typer load pydantic)."""
    import typer

    def version(value: bool) -> None:
        if value:
            typer.echo(f"perfkit {__version__}")
            raise typer.Exit()

    def root(
        version: bool = typer.Option(False, "--version", callback=version, is_eager=True, help="Show the version."),
    ) -> None:
        """Go's performance toolchain for Python services."""

    new = typer.Typer(
        name="perfkit",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        add_completion=full,
        add_help_option=full,
    )
    new.callback()(root)
    for module in modules:
        importlib.import_module(module).register(new)
    if only is not None:
        new.registered_commands = [c for c in new.registered_commands if c.name in (only, None)]
    return new


def __getattr__(name: str) -> typer.Typer:
    """``perfkit.cli.app``, every command, built when first asked for."""
    if name != "app":
        raise AttributeError(name)
    built = globals()["app"] = _new_app(COMMAND_MODULES)
    return built


def main() -> None:
    """Console entry point: user mistakes become one line on stderr and a non-zero exit."""
    first = sys.argv[1] if len(sys.argv) > 1 else None
    if first == "--version":  # typer would print the same, after a tenth of a second of imports
        print(f"perfkit {__version__}")
        sys.exit(0)
    own = COMMANDS.get(first) if first else None
    args = sys.argv[1:]
    cached = None
    # help: printed from the cache when still right (benchstat's own parser is already fast)
    if first != "benchstat" and len(args) <= 2 and args[-1:] in (["--help"], ["-h"]):
        from perfkit import helpcache

        if helpcache.wanted(args):
            if helpcache.serve(args):
                sys.exit(0)
            cached = helpcache
    try:
        if first == "benchstat":  # parses Go's flags itself: typer's import would be most of a small run
            from perfkit.bench.benchstat_cli import main as benchstat

            benchstat(sys.argv[2:])
            return
        run = _new_app((own,), full=False, only=first) if own else __getattr__("app")
        if cached is not None:
            cached.render_and_record(args, lambda: run(prog_name="perfkit"))
        else:
            run(prog_name="perfkit")
    except PerfkitError as exc:
        print(f"perfkit: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("perfkit: interrupted", file=sys.stderr)
        sys.exit(130)
