"""``perfkit convert``: a profile from one format to another (``files.load`` + ``api.write_output``)."""

from __future__ import annotations

from pathlib import Path

import typer

from perfkit.commands.profile_io import check_output, load, save
from perfkit.errors import PerfkitError

CONVERT_HELP = """Convert a profile between formats (by extension, or --from/--to).

The output is -o OUT, as for flame and graph (convert IN OUT works too).

Examples:

  perfkit convert cpu.speedscope.json -o cpu.pb.gz

  perfkit convert py-spy.txt -o cpu.folded --from folded

  perfkit convert cpu.pb.gz -o report.html
"""


def convert_command(
    source: Path = typer.Argument(..., metavar="IN", help="Profile to read."),
    positional_output: Path = typer.Argument(None, metavar="[OUT]", help="Same as -o (the older form)."),
    output: Path = typer.Option(None, "-o", "--output", help="File to write; format by extension (- for stdout)."),
    from_fmt: str = typer.Option(None, "--from", help="Input format when sniffing cannot tell."),
    to_fmt: str = typer.Option(None, "--to", help="Output format when the extension does not say."),
) -> None:
    if output is not None and positional_output is not None and output != positional_output:
        raise PerfkitError(f"-o {output}: also given as OUT ({positional_output}); give the output once, with -o")
    output = output or positional_output
    if output is None:
        raise PerfkitError("convert: no output; give one with -o, e.g. perfkit convert cpu.pb.gz -o cpu.svg")
    check_output(output, to_fmt, format_flag="--to")
    profile = load(source, from_fmt, format_flag="--from")
    save(profile, output, to_fmt, format_flag="--to", fallback_title=str(source))
    if str(output) != "-":
        typer.echo(f"perfkit: wrote {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``convert`` to ``app``."""
    app.command("convert", help=CONVERT_HELP)(convert_command)
