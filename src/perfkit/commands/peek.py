"""``perfkit peek``: pprof's ``-peek``, every caller and callee of the functions matching a regex."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from perfkit.commands.flags import (
    BASE,
    FOCUS,
    GRANULARITY,
    HIDE,
    IGNORE,
    INPUT_FORMAT,
    SAMPLE_INDEX,
    SHOW,
    TAGFOCUS,
    TAGIGNORE,
    compile_regex,
    graph_options,
)
from perfkit.commands.profile_io import load_pair, warn_unmatched

PEEK_HELP = """Print the callers and callees of functions matching REGEX, as pprof's -peek.

Nothing is pruned: every caller and callee is listed, however small.

Examples:

  perfkit peek cpu.pb.gz dedupe_line_items

  perfkit peek cpu.pb.gz 'JSONEncoder\\.' --granularity lines
"""


def peek_command(
    source: Path = typer.Argument(..., metavar="IN", help="Profile to read."),
    pattern: str = typer.Argument(..., metavar="REGEX", help="Functions whose name matches this regex."),
    cum: bool = typer.Option(False, "--cum", help="Order the functions by cumulative value instead of flat."),
    granularity: str = GRANULARITY,
    focus: str = FOCUS,
    ignore: str = IGNORE,
    hide: str = HIDE,
    show: str = SHOW,
    tagfocus: str = TAGFOCUS,
    tagignore: str = TAGIGNORE,
    sample_type: str = SAMPLE_INDEX,
    base: Path = BASE,
    fmt: str = INPUT_FORMAT,
) -> None:
    rx = compile_regex("REGEX", pattern)
    assert rx is not None  # REGEX is a required argument
    options = graph_options(
        focus=focus,
        ignore=ignore,
        hide=hide,
        show=show,
        tagfocus=tagfocus,
        tagignore=tagignore,
        sample_index=sample_type,
        granularity=granularity,
        sort="cum" if cum else "flat",
    )
    from perfkit.graph import ReportKind, build_graph
    from perfkit.views.tree import tree_text

    profile, base_profile, _ = load_pair(source, base, fmt, sample_type, tagfocus)
    graph = build_graph(profile, options, ReportKind.PEEK, base=base_profile, around=rx.pattern)
    warn_unmatched(graph.prepared, options, not profile.is_empty)
    sys.stdout.write(tree_text(profile, graph, rx))


def register(app: typer.Typer) -> None:
    """Add ``peek`` to ``app``."""
    app.command("peek", help=PEEK_HELP)(peek_command)
