"""``perfkit race``: typer wiring for the race detector."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add ``perfkit race`` to ``app``."""

    @app.command(
        "race",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        help="Run a command under the data-race detector (like `go run -race`): "
        "perfkit race -- python app.py | -- python -m pkg | -- pytest tests/. Exit status 66 when a race is found.",
    )
    def race(
        cmd: list[str] = typer.Argument(None, metavar="-- CMD...", help="The command to run."),
        include: list[str] = typer.Option([], "--include", help="Glob of source files to instrument (repeatable)."),
        exclude: list[str] = typer.Option([], "--exclude", help="Glob of source files to leave alone (repeatable)."),
        stress: int = typer.Option(1, "--stress", help="Run N times with a tiny switch interval."),
        suppressions: Path = typer.Option(None, "--suppressions", help="File of `race:PATTERN` lines to ignore."),
    ) -> None:
        from .runner import run

        raise typer.Exit(run(list(cmd or []), include, exclude, stress, suppressions))
