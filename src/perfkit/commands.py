"""Profile commands: ``profile``, ``flame``, ``top``, ``list``, ``convert``.

Thin by design: each command checks what the user typed (files, regexes, sample types, the
target command) so mistakes become one ``perfkit: <input>: <problem; fix>`` line, then calls the
library (collectors, files, views) and prints.  Views and collectors are imported inside the
commands so ``perfkit --help`` and shell completion stay fast.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from perfkit.errors import PerfkitError, renamed
from perfkit.model import Profile
from perfkit.views.units import resolve_sample_type

if TYPE_CHECKING:
    from perfkit.api import Output
    from perfkit.graph import GraphOptions, Prepared

PROFILE_HELP = """Run a command under a profiler and save its profile.

The output format follows the extension of -o: .svg flame graph, .pb.gz pprof,
.speedscope.json, .folded, .html report.  A one-line summary goes to stderr.

Exit status: the target's own exit status once the profile is saved (so
`perfkit profile -- pytest` still fails when the tests fail), 130 after Ctrl-C
(what was gathered is saved), 2 when perfkit itself cannot do the job.

Examples:

  perfkit profile -o cpu.svg -- python examples/order_service.py --demo 5

  perfkit profile --rate 250 --idle -o app.pb.gz -- python app.py --port 8080

  perfkit profile --profiler memray -o mem.svg -- python alloc.py

  perfkit profile --pid 4242 --duration 10 -o live.svg

  perfkit profile --url http://127.0.0.1:6060 --seconds 30 -o prod.svg
"""

FLAME_HELP = """Draw a profile as a flame graph (SVG), or a diff against --base.

With --base the colours show change: red grew, blue shrank (--normalize first
scales the base to the same total, for runs of different lengths).

Examples:

  perfkit flame cpu.pb.gz -o cpu.svg

  perfkit flame new.pb.gz --base old.pb.gz --normalize -o diff.svg

  perfkit flame cpu.folded --focus 'enrich' --ignore 'json' --inverted -o icicle.svg
"""

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

PEEK_HELP = """Print the callers and callees of functions matching REGEX, as pprof's -peek.

Nothing is pruned: every caller and callee is listed, however small.

Examples:

  perfkit peek cpu.pb.gz dedupe_line_items

  perfkit peek cpu.pb.gz 'JSONEncoder\\.' --granularity lines
"""

LIST_HELP = """Print annotated source of the functions matching REGEX, as pprof's -list.

Examples:

  perfkit list cpu.pb.gz dedupe_line_items

  perfkit list mem.pb.gz 'allocate_.*' --sample-type alloc_space
"""

CONVERT_HELP = """Convert a profile between formats (by extension, or --from/--to).

The output is -o OUT, as for flame and graph (convert IN OUT works too).

Examples:

  perfkit convert cpu.speedscope.json -o cpu.pb.gz

  perfkit convert py-spy.txt -o cpu.folded --from folded

  perfkit convert cpu.pb.gz -o report.html
"""


TAGFOCUS_HELP = "Keep samples whose labels match: KEY=REGEX[,REGEX] or KEY=RANGE, e.g. bytes=1kb: (pprof's)."
TAGIGNORE_HELP = "Drop samples whose labels match (same syntax as --tagfocus)."
TAGS_HELP = "Print every label's values and their share (pprof's -tags) instead of the view."


# ---------------------------------------------------------------------------- checks
def compile_regex(option: str, pattern: str | None) -> re.Pattern[str] | None:
    """Compile a user regex, or fail with one line naming the option."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise PerfkitError(f"{option} {pattern!r}: not a valid regular expression ({exc}); fix or quote it") from None


def check_sample_type(profile: Profile, sample_type: str | None, source: Path) -> None:
    """Fail with the list of sample types when ``sample_type`` is not in ``profile``."""
    if sample_type is not None:
        resolve_sample_type(profile, sample_type, str(source))


def flag(name: str) -> str:
    """A library parameter as the user typed it on the command line (``sample_type`` ->
    ``--sample-type``)."""
    return "--" + name.replace("_", "-")


def load(path: Path, fmt: str | None = None, *, format_flag: str = "--format") -> Profile:
    """Read an input profile (every failure is already one line, from :func:`files.load`)."""
    from perfkit import files

    with renamed(format=format_flag):
        return files.load(path, fmt)


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
        api.write_output(profile, _sink(output), fmt, **options)


def check_output(output: Path, fmt: str | None, *, format_flag: str = "--format", **options: Any) -> None:
    """Fail before a long recording if the output could never be written."""
    from perfkit import api

    with renamed(output="-o path", format=format_flag, title="--title"):
        api.check_output(_sink(output), fmt, **{k: v for k, v in options.items() if v is not None})


def _sink(output: Path) -> Output:
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


def _summary(profile: Profile, output: Path, profiler: str) -> str:
    """``wrote cpu.svg: 512 samples, 5.02s cpu over 5.1s (py-spy)``: what the file holds."""
    from perfkit.api import describe

    where = "stdout" if str(output) == "-" else str(output)
    return f"perfkit: wrote {where}: {describe(profile)} ({profiler})"


#: library parameters of perfkit.profile as ``perfkit profile`` spells them
PROFILE_FLAGS = {"output": "-o path", "format": "--format", "profiler": "--profiler", "command": "profile"}


# ---------------------------------------------------------------------------- commands
def profile_command(
    command: list[str] = typer.Argument(None, metavar="-- CMD [ARGS]...", help="The command to run and profile."),
    output: Path = typer.Option(Path("profile.svg"), "-o", "--output", help="Output file; format by extension."),
    profiler: str = typer.Option(
        "py-spy", "--profiler", "-p", help="py-spy | pyinstrument | memray | scalene.", show_default=True
    ),
    rate: int = typer.Option(100, "--rate", "-r", min=1, help="Samples per second."),
    idle: bool = typer.Option(False, "--idle", help="Include idle (waiting) threads."),
    gil: bool = typer.Option(False, "--gil", help="Only samples holding the GIL (py-spy)."),
    native: bool = typer.Option(False, "--native", help="Include native C/C++ frames."),
    subprocesses: bool = typer.Option(False, "--subprocesses", help="Follow child processes."),
    duration: float = typer.Option(None, "--duration", "-d", min=0.001, help="Stop after S seconds."),
    pid: int = typer.Option(None, "--pid", help="Attach to a running process (py-spy) instead of a command."),
    fmt: str = typer.Option(None, "--format", "-f", help="Output format when the extension does not say."),
    title: str = typer.Option(None, "--title", help="Flame graph / report title."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live indicator, no summary."),
    url: str = typer.Option(None, "--url", help="Fetch from a live service's /debug/pprof (perfkit.debug or Go)."),
    seconds: float = typer.Option(None, "--seconds", min=1, help="With --url: how long the service samples."),
    token: str = typer.Option(None, "--token", envvar="PERFKIT_DEBUG_TOKEN", help="With --url: the debug token."),
) -> None:
    from perfkit import api
    from perfkit.progress import LiveIndicator

    command = list(command or [])
    if command[:1] == ["--"]:
        command = command[1:]
    if url is not None:  # perfkit.debug: the service profiles itself; see src/perfkit/debug/fetch.py
        from perfkit.debug.fetch import fetch_profile

        if pid is not None or command:
            raise PerfkitError("--url: give either --url, --pid or a command after --, not several")
        check_output(output, fmt, title=title)
        profile = fetch_profile(url, seconds or duration or 30, mode="wall" if idle else None, token=token)
        save(profile, output, fmt, title=title, fallback_title=url)
        if not quiet:
            typer.echo(_summary(profile, output, "perfkit.debug via --url"), err=True)
        return
    options: dict[str, Any] = dict(
        rate=rate, idle=idle, gil=gil, native=native, subprocesses=subprocesses, duration=duration, pid=pid, quiet=quiet
    )
    flags = {**PROFILE_FLAGS, **{name: flag(name) for name in options}, "title": "--title"}
    with renamed(**flags), LiveIndicator(profiler, quiet=quiet) as live:
        sink = _sink(output)
        profile = api.profile(
            command, output=sink, profiler=profiler, format=fmt, title=title, on_progress=live.update, **options
        )
    outcome = profile.outcome
    if not quiet:
        for warning in outcome.messages(profiler, flag):
            typer.echo(f"perfkit: warning: {warning}", err=True)
        typer.echo(_summary(profile, output, profiler), err=True)
    if outcome.interrupted:
        typer.echo(f"perfkit: interrupted; saved what was gathered to {output}", err=True)
    elif outcome.failed and not quiet:
        typer.echo(f"perfkit: the profiled command exited with status {outcome.exit_status}", err=True)
    if outcome.status:
        raise typer.Exit(outcome.status)


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

    print_table(table_from_graph(profile, graph), _console())


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
    graph = build_graph(profile, options, ReportKind.PEEK, base=base_profile)
    warn_unmatched(graph.prepared, options, not profile.is_empty)
    sys.stdout.write(tree_text(profile, graph, rx))


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
    print_listing(profile, pattern, _console(), sample_type=sample_type)


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


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def register(app: typer.Typer) -> None:
    """Add the profile commands to ``app``."""
    app.command(
        "profile",
        help=PROFILE_HELP,
        context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True},
    )(profile_command)
    app.command("flame", help=FLAME_HELP)(flame_command)
    app.command("top", help=TOP_HELP)(top_command)
    app.command("peek", help=PEEK_HELP)(peek_command)
    app.command("graph", help=GRAPH_HELP)(graph_command)
    app.command("list", help=LIST_HELP)(list_command)
    app.command("convert", help=CONVERT_HELP)(convert_command)
