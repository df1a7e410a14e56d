"""``perfkit top``: pprof's ``-top`` table (and ``-tree`` with ``--tree``) from the graph layer."""

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
    SHOW_FROM,
    TAGFOCUS,
    TAGIGNORE,
    TAGS,
    graph_options,
)
from perfkit.commands.profile_io import console, load_pair, print_tags, warn_unmatched

TOP_HELP = """Print the heaviest functions (or lines, or files), as pprof's -top.

flat: value where the entry is the leaf; cum: value where it is anywhere on the
stack; sum%: running total of flat%.  --tree prints pprof's -tree instead: each
entry with its callers and callees.

Examples:

  perfkit top cpu.pb.gz

  perfkit top cpu.pb.gz -n 10 --cum --granularity lines

  perfkit top mem.pb.gz --sample-index alloc_space --focus 'handler'

  perfkit top new.pb.gz --base old.pb.gz

  perfkit top cpu.pb.gz --tree -n 15

  perfkit top heap.pb.gz --tagfocus 'bytes=1kb:'   (allocations of 1 kB or more)

  perfkit top cpu.pb.gz --tags
"""


def top_command(
    source: Path = typer.Argument(..., metavar="IN", help="Profile to summarise."),
    limit: int = typer.Option(20, "-n", "--limit", "--nodecount", min=0, help="Rows to show (0: all)."),
    cum: bool = typer.Option(False, "--cum", help="Sort by cumulative value instead of flat."),
    tree: bool = typer.Option(False, "--tree", help="pprof's -tree: each entry with its callers and callees."),
    nodefraction: float = typer.Option(0.005, "--nodefraction", help="Drop entries under this share of the total."),
    edgefraction: float = typer.Option(0.001, "--edgefraction", help="With --tree: drop calls under this share."),
    granularity: str = GRANULARITY,
    by: str = typer.Option(None, "--by", hidden=True, help="Old name of --granularity."),
    focus: str = FOCUS,
    ignore: str = IGNORE,
    hide: str = HIDE,
    show: str = SHOW,
    show_from: str = SHOW_FROM,
    sample_type: str = SAMPLE_INDEX,
    tagfocus: str = TAGFOCUS,
    tagignore: str = TAGIGNORE,
    tags: bool = TAGS,
    base: Path = BASE,
    fmt: str = INPUT_FORMAT,
) -> None:
    options = graph_options(
        focus=focus,
        ignore=ignore,
        hide=hide,
        show=show,
        show_from=show_from,
        tagfocus=tagfocus,
        tagignore=tagignore,
        sample_index=sample_type,
        granularity=by if by is not None else granularity,
        sort="cum" if cum else "flat",
        nodecount=limit,
        nodefraction=nodefraction,
        edgefraction=edgefraction,
    )
    from perfkit.graph import ReportKind, build_graph

    profile, base_profile, _ = load_pair(source, base, fmt, sample_type, tagfocus)
    if tags:
        print_tags(profile, sample_type, tagfocus, tagignore)
        return
    graph = build_graph(profile, options, ReportKind.TREE if tree else ReportKind.TEXT, base=base_profile, edges=tree)
    warn_unmatched(graph.prepared, options, not profile.is_empty)
    if tree:
        from perfkit.views.tree import tree_text

        sys.stdout.write(tree_text(profile, graph))  # as pprof writes it: its legend holds tabs
        return
    from perfkit.views.top import print_table, table_from_graph

    print_table(table_from_graph(profile, graph), console())


def register(app: typer.Typer) -> None:
    """Add ``top`` to ``app``."""
    app.command("top", help=TOP_HELP)(top_command)
