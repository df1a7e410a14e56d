"""``perfkit profile``: run a command under a profiler (or fetch from a live service) and save
its profile, through :func:`perfkit.api.profile`, the library's own call.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from perfkit.commands.flags import flag
from perfkit.commands.profile_io import check_output, save, sink
from perfkit.errors import PerfkitError, renamed

if TYPE_CHECKING:
    from perfkit.model import Profile

PROFILE_HELP = """Run a command under a profiler and save its profile.

The output format follows the extension of -o: .svg flame graph, .pb.gz pprof,
.speedscope.json, .folded, .html report.  A one-line summary goes to stderr.

Exit status: the target's own exit status once the profile is saved (so
`perfkit profile -- pytest` still fails when the tests fail), 130 after Ctrl-C
(what was gathered is saved), 2 when perfkit itself cannot do the job.

Examples:

  perfkit profile -o cpu.svg -- python examples/order_service.py --demo 5

  perfkit profile --rate 250 --idle -o app.pb.gz -- python app.py --port 8080

  perfkit profile --profiler memray -o mem.svg -- python alloc.py

  perfkit profile --pid 4242 --duration 10 -o live.svg

  perfkit profile --url http://127.0.0.1:6060 --seconds 30 -o prod.svg
"""


#: library parameters of perfkit.profile as ``perfkit profile`` spells them
PROFILE_FLAGS = {"output": "-o path", "format": "--format", "profiler": "--profiler", "command": "profile"}


def _summary(profile: Profile, output: Path, profiler: str) -> str:
    """``wrote cpu.svg: 512 samples, 5.02s cpu over 5.1s (py-spy)``: what the file holds."""
    from perfkit.api import describe

    where = "stdout" if str(output) == "-" else str(output)
    return f"perfkit: wrote {where}: {describe(profile)} ({profiler})"


def profile_command(
    command: list[str] = typer.Argument(None, metavar="-- CMD [ARGS]...", help="The command to run and profile."),
    output: Path = typer.Option(Path("profile.svg"), "-o", "--output", help="Output file; format by extension."),
    profiler: str = typer.Option(
        "py-spy", "--profiler", "-p", help="py-spy | pyinstrument | memray | scalene.", show_default=True
    ),
    rate: int = typer.Option(100, "--rate", "-r", min=1, help="Samples per second."),
    idle: bool = typer.Option(False, "--idle", help="Include idle (waiting) threads."),
    gil: bool = typer.Option(False, "--gil", help="Only samples holding the GIL (py-spy)."),
    native: bool = typer.Option(False, "--native", help="Include native C/C++ frames."),
    subprocesses: bool = typer.Option(False, "--subprocesses", help="Follow child processes."),
    duration: float = typer.Option(None, "--duration", "-d", min=0.001, help="Stop after S seconds."),
    pid: int = typer.Option(None, "--pid", help="Attach to a running process (py-spy) instead of a command."),
    fmt: str = typer.Option(None, "--format", "-f", help="Output format when the extension does not say."),
    title: str = typer.Option(None, "--title", help="Flame graph / report title."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live indicator, no summary."),
    url: str = typer.Option(None, "--url", help="Fetch from a live service's /debug/pprof (perfkit.debug or Go)."),
    seconds: float = typer.Option(None, "--seconds", min=1, help="With --url: how long the service samples."),
    token: str = typer.Option(None, "--token", envvar="PERFKIT_DEBUG_TOKEN", help="With --url: the debug token."),
) -> None:
    from perfkit import api
    from perfkit.progress import LiveIndicator

    command = list(command or [])
    if command[:1] == ["--"]:
        command = command[1:]
    if url is not None:  # perfkit.debug: the service profiles itself; see src/perfkit/debug/fetch.py
        from perfkit.debug.fetch import fetch_profile

        if pid is not None or command:
            raise PerfkitError("--url: give either --url, --pid or a command after --, not several")
        check_output(output, fmt, title=title)
        profile = fetch_profile(url, seconds or duration or 30, mode="wall" if idle else None, token=token)
        save(profile, output, fmt, title=title, fallback_title=url)
        if not quiet:
            typer.echo(_summary(profile, output, "perfkit.debug via --url"), err=True)
        return
    options: dict[str, Any] = dict(
        rate=rate, idle=idle, gil=gil, native=native, subprocesses=subprocesses, duration=duration, pid=pid, quiet=quiet
    )
    flags = {**PROFILE_FLAGS, **{name: flag(name) for name in options}, "title": "--title"}
    with renamed(**flags), LiveIndicator(profiler, quiet=quiet) as live:
        target = sink(output)
        profile = api.profile(
            command, output=target, profiler=profiler, format=fmt, title=title, on_progress=live.update, **options
        )
    outcome = profile.outcome
    if not quiet:
        for warning in outcome.messages(profiler, flag):
            typer.echo(f"perfkit: warning: {warning}", err=True)
        typer.echo(_summary(profile, output, profiler), err=True)
    if outcome.interrupted:
        typer.echo(f"perfkit: interrupted; saved what was gathered to {output}", err=True)
    elif outcome.failed and not quiet:
        typer.echo(f"perfkit: the profiled command exited with status {outcome.exit_status}", err=True)
    if outcome.status:
        raise typer.Exit(outcome.status)


def register(app: typer.Typer) -> None:
    """Add ``profile`` to ``app``."""
    app.command(
        "profile",
        help=PROFILE_HELP,
        context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True},
    )(profile_command)
