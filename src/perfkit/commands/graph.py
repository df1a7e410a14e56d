"""``perfkit graph``: pprof's call graph (``-svg``/``-dot``), laid out by Graphviz's ``dot``."""

from __future__ import annotations

import sys
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
    SHOW_FROM,
    TAGFOCUS,
    TAGIGNORE,
    graph_options,
)
from perfkit.commands.profile_io import default_output, load_pair, warn_unmatched
from perfkit.errors import PerfkitError, renamed

GRAPH_HELP = """Draw the call graph (pprof's -svg/-dot): boxes sized by flat, arrows by calls.

The format follows the extension of -o: .svg, .png, .pdf (laid out by Graphviz's
dot: Debian's graphviz package) or .dot (no Graphviz needed).  As pprof, the graph
keeps the 80 heaviest nodes (--nodecount), drops nodes under 0.5% of the total
(--nodefraction) and edges under 0.1% (--edgefraction); a dotted arrow stands
for calls through nodes that were left out.  With --base, red grew, blue shrank.

Examples:

  perfkit graph cpu.pb.gz -o cpu.svg

  perfkit graph cpu.pb.gz --focus enrich --granularity lines -o enrich.png

  perfkit graph new.pb.gz --base old.pb.gz -o diff.svg

  perfkit graph mem.pb.gz --sample-index alloc_space --nodecount 30 -o mem.dot
"""


def graph_command(
    source: Path = typer.Argument(..., metavar="IN", help="Profile to draw (any format perfkit reads)."),
    output: Path = typer.Option(
        None, "-o", "--output", help="Graph to write: .svg, .png, .pdf or .dot (default: IN's name + .svg; - stdout)."
    ),
    to: str = typer.Option(None, "--to", help="Output format when the extension does not say: svg, png, pdf, dot."),
    base: Path = typer.Option(None, "--base", help="Older profile to compare with: red grew, blue shrank."),
    normalize: bool = typer.Option(False, "--normalize", help="With --base: scale this profile to the base's total."),
    focus: str = FOCUS,
    ignore: str = IGNORE,
    hide: str = HIDE,
    show: str = SHOW,
    show_from: str = SHOW_FROM,
    tagfocus: str = TAGFOCUS,
    tagignore: str = TAGIGNORE,
    sample_type: str = SAMPLE_INDEX,
    granularity: str = GRANULARITY,
    nodecount: int = typer.Option(80, "--nodecount", "-n", min=0, help="Keep at most N nodes (0: all)."),
    nodefraction: float = typer.Option(0.005, "--nodefraction", help="Drop nodes under this share of the total."),
    edgefraction: float = typer.Option(0.001, "--edgefraction", help="Drop edges under this share of the total."),
    drop_negative: bool = typer.Option(False, "--drop-negative", help="With --base: leave out nodes that shrank."),
    title: str = typer.Option(None, "--title", help="The graph's name (default: the program's)."),
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
        granularity=granularity,
        nodecount=nodecount,
        nodefraction=nodefraction,
        edgefraction=edgefraction,
        drop_negative=drop_negative,
        normalize=normalize,
    )
    from perfkit.views import graphviz

    output = output or default_output(source, ".svg")
    kind = graphviz.format_for(output, to) if str(output) != "-" else graphviz.format_for(Path("-.svg"), to)
    from perfkit.graph import ReportKind, build_graph
    from perfkit.views import dot

    profile, base_profile, _ = load_pair(source, base, fmt, sample_type, tagfocus)
    if base_profile is None and (normalize or drop_negative):
        flag = "--normalize" if normalize else "--drop-negative"
        raise PerfkitError(f"{flag}: only makes sense with --base OLD; add --base or drop {flag}")
    graph = build_graph(profile, options, ReportKind.DOT, base=base_profile)
    warn_unmatched(graph.prepared, options, not profile.is_empty)
    data = graphviz.render(dot.compose(profile, graph, title=title), kind)
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    with renamed(path="-o path"):
        from perfkit import files

        files.write_bytes(output, data)
    shown = f"{len(graph.nodes)} of {graph.orig_count + graph.dropped_nodes} nodes"
    typer.echo(f"perfkit: wrote {output} ({shown})", err=True)


def register(app: typer.Typer) -> None:
    """Add ``graph`` to ``app``."""
    app.command("graph", help=GRAPH_HELP)(graph_command)
