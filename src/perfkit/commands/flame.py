"""``perfkit flame``: a profile as a flame graph (SVG), or a diff against ``--base``."""

from __future__ import annotations

from pathlib import Path

import typer

from perfkit.commands.flags import (
    FOCUS,
    GRANULARITY,
    HIDE,
    IGNORE,
    INPUT_FORMAT,
    SAMPLE_INDEX,
    SHOW,
    TAGFOCUS,
    TAGIGNORE,
    TAGS,
    graph_options,
)
from perfkit.commands.profile_io import default_output, load_pair, print_tags, save, warn_unmatched
from perfkit.errors import PerfkitError

FLAME_HELP = """Draw a profile as a flame graph (SVG), or a diff against --base.

With --base the colours show change: red grew, blue shrank (--normalize first
scales the base to the same total, for runs of different lengths).

Examples:

  perfkit flame cpu.pb.gz -o cpu.svg

  perfkit flame new.pb.gz --base old.pb.gz --normalize -o diff.svg

  perfkit flame cpu.folded --focus 'enrich' --ignore 'json' --inverted -o icicle.svg
"""


def flame_command(
    source: Path = typer.Argument(..., metavar="IN", help="Profile to draw (any format perfkit reads)."),
    output: Path = typer.Option(None, "-o", "--output", help="SVG to write (default: IN's name + .svg; - for stdout)."),
    base: Path = typer.Option(None, "--base", help="Older profile to diff against (red grew, blue shrank)."),
    normalize: bool = typer.Option(False, "--normalize", help="Scale --base to the same total first."),
    inverted: bool = typer.Option(False, "--inverted", help="Icicle graph: root at the top."),
    title: str = typer.Option(None, "--title", help="Title at the top of the graph."),
    width: int = typer.Option(1200, "--width", min=100, help="Image width in pixels."),
    minwidth: float = typer.Option(0.1, "--minwidth", min=0.0, help="Omit frames narrower than this many pixels."),
    sample_type: str = SAMPLE_INDEX,
    focus: str = FOCUS,
    ignore: str = IGNORE,
    hide: str = HIDE,
    show: str = SHOW,
    tagfocus: str = TAGFOCUS,
    tagignore: str = TAGIGNORE,
    tags: bool = TAGS,
    fmt: str = INPUT_FORMAT,
    granularity: str = GRANULARITY,
) -> None:
    options = graph_options(
        focus=focus,
        ignore=ignore,
        hide=hide,
        show=show,
        tagfocus=tagfocus,
        tagignore=tagignore,
        granularity=granularity,
    )
    output = output or default_output(source, ".svg")
    profile, base_profile, pair = load_pair(source, base, fmt, sample_type, tagfocus)
    if tags:
        print_tags(profile, sample_type, tagfocus, tagignore)
        return
    if base_profile is None and normalize:
        raise PerfkitError("--normalize: only makes sense with --base OLD; add --base or drop --normalize")
    save(
        profile,
        output,
        "svg",
        title=title or (f"{source} vs {base}" if base else f"{source} (new vs base)" if pair else str(source)),
        width=width,
        minwidth=minwidth,
        inverted=inverted,
        sample_type=sample_type,
        base=base_profile,
        normalize=normalize,
        options=options,
        on_prepared=lambda prepared: warn_unmatched(prepared, options, not profile.is_empty),
    )
    if str(output) != "-":
        typer.echo(f"perfkit: wrote {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``flame`` to ``app``."""
    app.command("flame", help=FLAME_HELP)(flame_command)
