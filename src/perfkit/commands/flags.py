"""What the profile commands share on the command line: pprof's flags (the same typer option
objects on every command that aggregates), their help texts, and the checks that turn a typo into
one ``perfkit: <flag> ...: <problem; fix>`` line.

Light on purpose (typer and the standard library): every profile command's ``--help`` loads it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import typer

from perfkit.errors import PerfkitError

if TYPE_CHECKING:
    from perfkit.graph import GraphOptions

TAGFOCUS_HELP = "Keep samples whose labels match: KEY=REGEX[,REGEX] or KEY=RANGE, e.g. bytes=1kb: (pprof's)."
TAGIGNORE_HELP = "Drop samples whose labels match (same syntax as --tagfocus)."
TAGS_HELP = "Print every label's values and their share (pprof's -tags) instead of the view."

# flags shared by the commands that read a profile through the graph layer (pprof's names)
FOCUS = typer.Option(None, "--focus", help="Keep samples with a frame (function or file) matching this regex.")
IGNORE = typer.Option(None, "--ignore", help="Drop samples with a frame matching this regex.")
HIDE = typer.Option(None, "--hide", help="Remove frames matching this regex from every stack.")
SHOW = typer.Option(None, "--show", help="Keep only frames matching this regex in every stack.")
SHOW_FROM = typer.Option(None, "--show-from", help="Cut every stack above its first frame matching this regex.")
SAMPLE_INDEX = typer.Option(
    None, "--sample-index", "--sample-type", "-t", help="Value to use, e.g. cpu, alloc_space (default: the profile's)."
)
GRANULARITY = typer.Option(
    "functions",
    "--granularity",
    "-g",
    help="One node per: functions (default), filefunctions, files, lines, addresses.",
)
BASE = typer.Option(None, "--base", help="Older profile to compare with: values become new minus base.")
TAGFOCUS = typer.Option(None, "--tagfocus", help=TAGFOCUS_HELP)
TAGIGNORE = typer.Option(None, "--tagignore", help=TAGIGNORE_HELP)
TAGS = typer.Option(False, "--tags", help=TAGS_HELP)
INPUT_FORMAT = typer.Option(None, "--format", "-f", help="Input format when sniffing cannot tell.")


def compile_regex(option: str, pattern: str | None) -> re.Pattern[str] | None:
    """Compile a user regex, or fail with one line naming the option."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise PerfkitError(f"{option} {pattern!r}: not a valid regular expression ({exc}); fix or quote it") from None


def flag(name: str) -> str:
    """A library parameter as the user typed it on the command line (``sample_type`` ->
    ``--sample-type``)."""
    return "--" + name.replace("_", "-")


def graph_options(
    *,
    focus: str | None = None,
    ignore: str | None = None,
    hide: str | None = None,
    show: str | None = None,
    show_from: str | None = None,
    sample_index: str | None = None,
    granularity: str = "functions",
    **more: Any,
) -> GraphOptions:
    """The graph layer's options from a command's flags (each checked: one line on a typo)."""
    from perfkit.graph import GraphOptions
    from perfkit.graph.options import Granularity

    return GraphOptions(
        focus=focus,
        ignore=ignore,
        hide=hide,
        show=show,
        show_from=show_from,
        sample_index=sample_index,
        granularity=Granularity.parse(granularity),
        **more,
    )
