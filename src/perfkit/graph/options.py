"""What a call graph is built from: pprof's options, in one frozen (hashable) struct.

The field names are pprof's (``nodecount``, ``nodefraction``, ``granularity`` ...) so a user of
``go tool pprof`` finds them, and :data:`URL_PARAMS` maps pprof's web UI query parameters
(``f``, ``i``, ``h``, ``s``, ``si``, ``g``, ``n``, ``nf``, ``ef`` ...) onto them.  Errors name the
command-line flag (``--focus``), which is what a user typed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from perfkit.errors import PerfkitError
from perfkit.model import Profile

__all__ = ["URL_PARAMS", "Granularity", "GraphOptions", "ReportKind"]


class Granularity(StrEnum):
    """What one node of a graph (or one row of top, one frame of a flame graph) stands for.

    pprof's five levels: ``functions`` merges every frame of a function name (as pprof does, so
    same-named functions of different files merge too); ``filefunctions`` keeps them apart by file;
    ``files`` one node per source file; ``lines`` one per function and line; ``addresses`` one per
    machine address as well (the same as ``lines`` for frames without addresses, as Python's).
    """

    FUNCTIONS = "functions"
    FILEFUNCTIONS = "filefunctions"
    FILES = "files"
    LINES = "lines"
    ADDRESSES = "addresses"

    @classmethod
    def parse(cls, value: str | Granularity, flag: str = "--granularity") -> Granularity:
        """A granularity from its name; singular spellings (``function``, ``line``, ``file``) too."""
        if isinstance(value, Granularity):
            return value
        text = str(value).strip().lower()
        for member in cls:
            if text in (member.value, member.value.removesuffix("s")):
                return member
        choices = ", ".join(m.value for m in cls)
        raise PerfkitError(f"{flag} {value}: unknown granularity; use one of: {choices}")


class ReportKind(StrEnum):
    """Which pprof report a graph feeds: it decides the defaults pprof applies.

    ``dot`` (the call graph) keeps 80 nodes, orders them for the picture and counts label boxes
    as nodes; ``tree`` keeps 80 nodes too; ``text`` (top) keeps every node over the node
    fraction; ``peek`` and ``list`` trim nothing.
    """

    DOT = "dot"
    TREE = "tree"
    TEXT = "text"
    PEEK = "peek"
    LIST = "list"


#: pprof's web UI query parameters -> option names (the ones perfkit's graph understands)
URL_PARAMS = {
    "f": "focus",
    "i": "ignore",
    "h": "hide",
    "s": "show",
    "sf": "show_from",
    "tf": "tagfocus",
    "ti": "tagignore",
    "si": "sample_index",
    "g": "granularity",
    "n": "nodecount",
    "nf": "nodefraction",
    "ef": "edgefraction",
    "sort": "sort",
    "dropneg": "drop_negative",
    "rel": "relative_percentages",
    "normalize": "normalize",
    "trim": "trim",
}

#: option name -> the command-line flag that sets it (for error messages)
FLAGS = {
    "focus": "--focus",
    "ignore": "--ignore",
    "hide": "--hide",
    "show": "--show",
    "show_from": "--show-from",
    "tagfocus": "--tagfocus",
    "tagignore": "--tagignore",
    "sample_index": "--sample-index",
    "granularity": "--granularity",
    "nodecount": "--nodecount",
    "nodefraction": "--nodefraction",
    "edgefraction": "--edgefraction",
    "sort": "--sort",
}

_REGEX_FIELDS = ("focus", "ignore", "hide", "show", "show_from")


@dataclass(frozen=True, slots=True)
class GraphOptions:
    """pprof's report options for one graph; frozen, so it keys caches.

    ``nodecount=None`` means pprof's default for the report kind (80 for the call graph, every node
    for text); ``trim=False`` keeps every node and edge whatever the fractions say.  Regex fields
    match a frame's function name or file, as pprof's; ``tagfocus``/``tagignore`` are pprof's label
    filters (:mod:`perfkit.tags`: ``key=regex`` or numeric ranges like ``bytes=1kb:``);
    ``sample_index`` is a sample type's name (``cpu``, ``alloc_space``, ``type/unit``) or index,
    None for the profile's default.
    """

    focus: str | None = None
    ignore: str | None = None
    hide: str | None = None
    show: str | None = None
    show_from: str | None = None
    tagfocus: str | None = None
    tagignore: str | None = None
    sample_index: str | int | None = None
    granularity: Granularity = Granularity.FUNCTIONS
    nodecount: int | None = None
    nodefraction: float = 0.005
    edgefraction: float = 0.001
    trim: bool = True
    sort: str = "flat"
    drop_negative: bool = False
    relative_percentages: bool = False
    normalize: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "granularity", Granularity.parse(self.granularity))
        for name in (*_REGEX_FIELDS, "tagfocus", "tagignore"):
            value = getattr(self, name)
            if value == "":
                object.__setattr__(self, name, None)
            elif value is not None and name in _REGEX_FIELDS:
                compile_regex(FLAGS[name], value)
        if self.sort not in ("flat", "cum"):
            raise PerfkitError(f"--sort {self.sort}: unknown order; use flat or cum")
        if self.nodecount is not None and self.nodecount < 0:
            raise PerfkitError(f"--nodecount {self.nodecount}: must be zero (no limit) or more")
        for name in ("nodefraction", "edgefraction"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise PerfkitError(f"{'--' + name} {value}: must be a fraction between 0 and 1")

    def replace(self, **changes: Any) -> GraphOptions:
        """A copy with some options changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def for_report(self, kind: ReportKind | str) -> GraphOptions:
        """These options with pprof's per-report overrides applied (pprof's
        ``applyCommandOverrides``): the node count default, and no trimming for peek and list."""
        kind = ReportKind(kind)
        if kind in (ReportKind.PEEK, ReportKind.LIST) or not self.trim:
            changes: dict[str, Any] = {"nodecount": 0, "nodefraction": 0.0, "edgefraction": 0.0}
            if kind is ReportKind.LIST:
                changes["granularity"] = Granularity.LINES
            return self.replace(**changes)
        if self.nodecount is None:
            return self.replace(nodecount=0 if kind is ReportKind.TEXT else 80)
        return self

    @classmethod
    def from_params(cls, params: Mapping[str, str], **defaults: Any) -> GraphOptions:
        """Options from pprof's web UI query parameters (``f=hot&g=lines&n=40``); unknown
        parameters are ignored (they belong to the page), bad values are one-line errors."""
        values: dict[str, Any] = dict(defaults)
        for key, raw in params.items():
            name = URL_PARAMS.get(key)
            if name is None:
                continue
            values[name] = _convert(name, raw)
        return cls(**values)

    def to_params(self) -> dict[str, str]:
        """The query parameters that rebuild these options (defaults left out)."""
        default = GraphOptions()
        out = {}
        for key, name in URL_PARAMS.items():
            value = getattr(self, name)
            if value != getattr(default, name):
                out[key] = _text(value)
        return out


def _convert(name: str, raw: str) -> Any:
    """A query parameter's text as the option's type."""
    flag = FLAGS.get(name, name)
    try:
        if name in ("nodecount",):
            return int(raw)
        if name in ("nodefraction", "edgefraction"):
            return float(raw)
    except ValueError:
        raise PerfkitError(f"{flag} {raw}: not a number") from None
    if name in ("drop_negative", "relative_percentages", "normalize", "trim"):
        return raw.lower() in ("1", "true", "yes", "on", "t")
    if name == "sample_index" and raw.isdigit():
        return int(raw)
    return raw


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def sample_column(
    profile: Profile, sample_index: str | int | None, where: str = "this profile", flag: str = "--sample-index"
) -> int:
    """The value column ``sample_index`` names (a type, ``type/unit``, an index, or None for the
    profile's default), or one line naming ``flag`` and listing the choices."""
    if isinstance(sample_index, str) and sample_index.isdigit():  # pprof's -sample_index=1
        sample_index = int(sample_index)
    try:
        return profile.type_index(sample_index)
    except KeyError:
        known = ", ".join(str(vt) for vt in profile.sample_types)
        raise PerfkitError(f"{flag} {sample_index}: no such sample type in {where}; use one of: {known}") from None


def compile_regex(flag: str, pattern: str) -> re.Pattern[str]:
    """Compile a user's regex, or one line naming the flag and the problem."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise PerfkitError(f"{flag} {pattern!r}: not a valid regular expression ({exc}); fix or quote it") from None
