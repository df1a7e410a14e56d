"""``perfkit web``: pprof's ``-http`` UI for any profile perfkit reads.

Only typer is imported at start: the graph layer, the readers and the server are imported when the
command runs, so the CLI stays quick to start.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from perfkit.errors import PerfkitError

if TYPE_CHECKING:
    from perfkit.model import Profile

WEB_HELP = """Open a profile in the browser: pprof's web UI (call graph, top, flame graph,
peek, source) with its filters and sample-type picker, at URLs that follow
pprof's own query parameters, so a `go tool pprof -http` link works here too.

Serves on 127.0.0.1 (a free port unless --port) and opens the browser unless
--no-browser; Ctrl-C stops it.  Another --host needs --token: every request
must then carry it (the browser asks: any user name, the token as password).

Examples:

  perfkit web cpu.pb.gz

  perfkit web --base old.pb.gz new.pb.gz          # every view as a diff

  perfkit web --url http://svc:8080/debug/pprof/profile?seconds=10 --token T

  perfkit web mem.bin --port 8090 --no-browser
"""


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _fetch(url: str, seconds: float | None, token: str | None) -> Profile:
    from perfkit.debug.fetch import fetch_profile

    return fetch_profile(url, seconds if seconds is not None else 30, token=token)


def web_command(
    source: str | None = typer.Argument(None, metavar="[IN]", help="Profile to open (any format perfkit reads)."),
    base: str | None = typer.Option(None, "--base", help="Older profile (file or URL): every view shows IN minus it."),
    url: str | None = typer.Option(None, "--url", help="Fetch the profile from a live service's /debug/pprof route."),
    seconds: float | None = typer.Option(None, "--seconds", min=1, help="With --url: how long the service samples."),
    token: str | None = typer.Option(
        None,
        "--token",
        envvar="PERFKIT_DEBUG_TOKEN",
        help="Token for --url, and required by the UI itself on a non-loopback --host.",
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to serve on (non-loopback needs --token)."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port to serve on (0: a free one)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser; just print the URL."),
    fmt: str | None = typer.Option(None, "--format", "-f", help="Input format when sniffing cannot tell."),
) -> None:
    from perfkit.debug.security import resolve_token
    from perfkit.web.auth import check_bind

    if (source is None) == (url is None):
        raise PerfkitError(
            "web: give a profile file or --url http://HOST:PORT/debug/pprof/profile, not both or neither"
        )
    if source is not None and _is_url(source):
        source, url = None, source  # pprof takes a URL as its input too
    if url is not None and not _is_url(url):
        raise PerfkitError(f"--url {url!r}: use http://HOST:PORT/debug/pprof/profile (or /heap ...)")
    # the UI asks for the token only beyond loopback; there it must be long enough to be secret
    ui_token = None if _loopback(host) else resolve_token(token)
    check_bind(host, ui_token)
    profile, base_profile, name, base_name = _load(source, base, url, seconds, token, fmt)
    from perfkit.web.server import WebServer
    from perfkit.web.session import Session

    session = Session(profile, name=name, base=base_profile, base_name=base_name)
    server = WebServer(session, host=host, port=port, token=ui_token)
    server.start()
    typer.echo(f"perfkit: serving {name} on {server.url} (Ctrl-C to stop)", err=True)
    if not no_browser:
        _open_browser(server.url)
    try:
        server.wait()
    except KeyboardInterrupt:
        typer.echo("perfkit: stopped", err=True)
    finally:
        server.close()


def _loopback(host: str) -> bool:
    from perfkit.debug.security import is_loopback

    return is_loopback(host)


def _load(
    source: str | None, base: str | None, url: str | None, seconds: float | None, token: str | None, fmt: str | None
) -> tuple[Profile, Profile | None, str, str | None]:
    """(profile, base profile, name, base name), saying on stderr what was read and how long it took."""
    from perfkit.commands.profile_io import load, load_pair

    start = time.perf_counter()
    base_profile, base_name = None, None
    if url is not None:
        profile, name = _fetch(url, seconds, token), url
    elif source is None:  # web_command checked that exactly one of them is given
        raise PerfkitError("web: give a profile file or --url http://HOST:PORT/debug/pprof/profile")
    else:
        path = Path(source)
        local_base = Path(base) if base is not None and not _is_url(base) else None
        profile, base_profile, from_pair = load_pair(path, local_base, fmt, None)
        name = path.name
        if from_pair:
            base_name = f"{name} (difffolded base)"
    if base is not None:
        base_name = base
        if base_profile is None:  # a URL, or a file next to --url
            base_profile = _fetch(base, seconds, token) if _is_url(base) else load(Path(base), fmt)
    took = time.perf_counter() - start
    what = f"{name} and {base_name}" if base_name else name
    typer.echo(f"perfkit: read {what} ({_size(profile)}) in {took:.1f}s", err=True)
    return profile, base_profile, name, base_name


def _size(profile: Profile) -> str:
    """``1,000,000 samples, 10s cpu``: what a profile holds, as the other commands say it."""
    from perfkit.views.units import format_value

    names = [t.type for t in profile.sample_types]
    parts = [f"{profile.total('samples'):,} samples" if "samples" in names else f"{len(profile):,} sample records"]
    main = profile.sample_types[profile.default_type]
    if main.type != "samples":
        parts.append(f"{format_value(profile.total(), main.unit)} {main.type}")
    return ", ".join(parts)


def _open_browser(url: str) -> None:
    """Open ``url`` with Python's webbrowser (honours $BROWSER), as pprof opens its UI."""
    import threading
    import webbrowser

    def run() -> None:
        try:
            if not webbrowser.open(url):
                typer.echo(f"perfkit: could not open a browser; open {url} yourself", err=True)
        except webbrowser.Error:
            typer.echo(f"perfkit: could not open a browser; open {url} yourself", err=True)

    threading.Thread(target=run, name="perfkit-web-browser", daemon=True).start()


def register(app: typer.Typer) -> None:
    """Add ``perfkit web`` to ``app``."""
    app.command("web", help=WEB_HELP)(web_command)
