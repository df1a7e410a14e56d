"""``perfkit list``: pprof's ``-list``, annotated source of the functions matching a regex."""

from __future__ import annotations

from pathlib import Path

import typer

from perfkit.commands.flags import INPUT_FORMAT, SAMPLE_INDEX, compile_regex
from perfkit.commands.profile_io import check_sample_type, console, load

LIST_HELP = """Print annotated source of the functions matching REGEX, as pprof's -list.

Examples:

  perfkit list cpu.pb.gz dedupe_line_items

  perfkit list mem.pb.gz 'allocate_.*' --sample-type alloc_space
"""


def list_command(
    source: Path = typer.Argument(..., metavar="IN", help="Profile to annotate."),
    pattern: str = typer.Argument(..., metavar="REGEX", help="Functions whose name matches this regex."),
    sample_type: str = SAMPLE_INDEX,
    fmt: str = INPUT_FORMAT,
) -> None:
    compile_regex("REGEX", pattern)
    from perfkit.views.listing import print_listing

    profile = load(source, fmt)
    check_sample_type(profile, sample_type, source)
    print_listing(profile, pattern, console(), sample_type=sample_type)


def register(app: typer.Typer) -> None:
    """Add ``list`` to ``app``."""
    app.command("list", help=LIST_HELP)(list_command)
