"""``perfkit dump``: every thread's stack of a running service, now.

``--pid`` reads it from outside with py-spy (no code change); ``--url`` asks a service's debug
routes (perfkit's ``/debug/pprof/goroutine?debug=2``, which also lists asyncio tasks, or a Go
service's goroutine dump).
"""

from __future__ import annotations

import json

import typer

from perfkit.errors import PerfkitError

DUMP_HELP = """Print every thread's stack of a running Python process, now.

Examples:

  perfkit dump --pid 4242

  perfkit dump --pid 4242 --json > threads.json

  perfkit dump --url http://127.0.0.1:6060          # threads and asyncio tasks, via perfkit.debug
"""


def dump_command(
    pid: int = typer.Option(None, "--pid", help="Process to read with py-spy (needs ptrace permission)."),
    url: str = typer.Option(None, "--url", help="Service with perfkit.debug or net/http/pprof routes."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text (with --pid)."),
    debug: int = typer.Option(2, "--debug", min=1, max=2, help="With --url: 2 every stack, 1 grouped."),
    token: str = typer.Option(None, "--token", envvar="PERFKIT_DEBUG_TOKEN", help="Bearer token for --url."),
) -> None:
    if (pid is None) == (url is None):
        raise PerfkitError("dump: give exactly one of --pid PID or --url http://HOST:PORT")
    if url is not None:
        from perfkit.debug.fetch import fetch_dump

        typer.echo(fetch_dump(url, token=token, debug=debug), nl=False)
        return
    from perfkit.debug import attach

    threads = attach.dump_pid(pid)
    if as_json:
        typer.echo(json.dumps(attach.as_json(threads), indent=2))
    else:
        typer.echo(attach.format_threads(pid, threads), nl=False)


def register(app: typer.Typer) -> None:
    """Add ``perfkit dump`` to ``app``."""
    app.command("dump", help=DUMP_HELP)(dump_command)
