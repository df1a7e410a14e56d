"""Reading input profiles and writing outputs for the profile commands, through the library
(:mod:`perfkit.files`, :mod:`perfkit.api`), with the library's parameter names worded as the
command's flags; and the notes and warnings they print on stderr on the way.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from perfkit.commands.flags import flag
from perfkit.errors import renamed

if TYPE_CHECKING:
    from rich.console import Console

    from perfkit.api import Output
    from perfkit.graph import GraphOptions, Prepared
    from perfkit.model import Profile


def check_sample_type(profile: Profile, sample_type: str | None, source: Path) -> None:
    """Fail with the list of sample types when ``sample_type`` is not in ``profile``."""
    if sample_type is not None:
        from perfkit.views.units import resolve_sample_type

        resolve_sample_type(profile, sample_type, str(source))


def load(path: Path, fmt: str | None = None, *, format_flag: str = "--format") -> Profile:
    """Read an input profile (every failure is already one line, from :func:`files.load`)."""
    from perfkit import files

    with renamed(format=format_flag):
        return files.load(path, fmt)


def warn_unmatched(prepared: Prepared, options: GraphOptions, had_samples: bool) -> None:
    """A warning for each filter that matched nothing, and when the filters left nothing."""
    from perfkit.graph.options import FLAGS

    for name, matched in prepared.matched.items():
        if not matched:
            what, where = ("sample", "`perfkit top --tags`") if name.startswith("tag") else ("frame", "`perfkit top`")
            typer.echo(
                f"perfkit: warning: {FLAGS[name]} {getattr(options, name)!r} matched no {what}; "
                f"check the pattern against {where}",
                err=True,
            )
    if had_samples and prepared.matched and all(prepared.matched.values()) and not prepared.stacks:
        typer.echo("perfkit: warning: the filters left no samples; check them against `perfkit top`", err=True)


def load_pair(
    source: Path, base: Path | None, fmt: str | None, sample_type: str | None, tagfocus: str | None = None
) -> tuple[Profile, Profile | None, bool]:
    """The input profile and the optional --base (sample type checked in both), and whether the
    input was a difffolded file standing for both."""
    from perfkit.formats.folded import diff_pair

    profile = load(source, fmt)
    check_sample_type(profile, sample_type, source)
    _note_profiles(profile, tagfocus)
    if base is not None:
        base_profile = load(base, fmt)
        check_sample_type(base_profile, sample_type, base)
        return profile, base_profile, False
    pair = diff_pair(profile) if sample_type is None else None
    if pair is not None:  # difffolded: the file holds both sides of the diff
        return pair[0], pair[1], True
    return profile, None, False


def print_tags(profile: Profile, sample_type: str | None, tagfocus: str | None, tagignore: str | None) -> None:
    """--tags: pprof's tag report (every label's values and their share) instead of the view."""
    from perfkit.tags import filter_tags, tag_report
    from perfkit.views.units import resolve_sample_type

    profile = filter_tags(profile, tagfocus, tagignore, options=("--tagfocus", "--tagignore"))
    report = tag_report(profile, resolve_sample_type(profile, sample_type))
    typer.echo(report if report else "perfkit: the profile has no labels", nl=False, err=not report)
    if not report:
        typer.echo("", err=True)


def _note_profiles(profile: Profile, tagfocus: str | None) -> None:
    """A speedscope file may hold several profiles (one per thread, say): say that they are added
    up and how to pick one, as speedscope's profile selector would."""
    names = profile.metadata.get("profiles")
    if not isinstance(names, list) or len(names) < 2 or (tagfocus and tagfocus.startswith("profile=")):
        return
    shown = ", ".join(map(str, names[:3])) + (", ..." if len(names) > 3 else "")
    first = _REGEX_SPECIAL.sub(r"\\\g<0>", str(names[0]))
    typer.echo(
        f"perfkit: note: the file holds {len(names)} profiles ({shown}), added up here; "
        f"pick one with --tagfocus 'profile=^{first}$'",
        err=True,
    )


_REGEX_SPECIAL = re.compile(r"[.^$*+?{}()|\[\]\\]")


def save(profile: Profile, output: Path, fmt: str | None, *, format_flag: str = "--format", **options: Any) -> None:
    """Write ``profile`` through the library (atomically; ``-`` writes to stdout), with the
    library's parameter names worded as this command's flags."""
    from perfkit import api

    flags = {**{name: flag(name) for name in options}, "output": "-o path", "format": format_flag, "title": "--title"}
    with renamed(**flags):
        api.write_output(profile, sink(output), fmt, **options)


def check_output(output: Path, fmt: str | None, *, format_flag: str = "--format", **options: Any) -> None:
    """Fail before a long recording if the output could never be written."""
    from perfkit import api

    with renamed(output="-o path", format=format_flag, title="--title"):
        api.check_output(sink(output), fmt, **{k: v for k, v in options.items() if v is not None})


def sink(output: Path) -> Output:
    """Where an output goes: the file, or stdout's bytes for ``-``."""
    return sys.stdout.buffer if str(output) == "-" else output


def default_output(source: Path, suffix: str) -> Path:
    """``cpu.pb.gz`` -> ``cpu.svg``: the input's name without its (possibly double) extension."""
    name = source.name
    for ext in (".pb.gz", ".speedscope.json", ".folded", ".collapsed", ".stacks", ".json", ".bin", ".pb", ".txt"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
            break
    else:
        name = source.stem
    return Path(name + suffix)


def console() -> Console:
    """The console the text views print to: no highlighting, and long rows are never re-wrapped."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)
