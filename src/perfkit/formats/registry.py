"""The format contract: every file format and rendered view perfkit reads or writes, declared as
data (name, extensions, MIME type, typed writer options).

Why plain data: "which writer for ``cpu.svg``?", "what content type is speedscope?" and "is
``titel`` an option of html?" are answered without importing any writer (the flame graph pulls in
the graph layer, the report jinja2); a :class:`Codec` imports its module the first time it reads or
writes.  Writers take exactly the options declared here (no ``**kwargs``): an unknown or misspelled
option is a :class:`~perfkit.errors.ParamError` naming it and the format.  A test checks that each
declaration matches its module's ``write`` signature, so the two cannot drift apart.

Adding a format: write the module (``NAME``, and ``sniff``/``read`` and/or ``write``), then add one
``Codec`` to :data:`CODECS`.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from perfkit.errors import ParamError

if TYPE_CHECKING:
    from perfkit.model import Profile

__all__ = ["CODECS", "Codec", "Option", "by_extension", "by_name", "choices", "readers", "writers"]

#: a type an option accepts: a class, or "module.Class" resolved only when a value is checked
TypeRef = type | str


@dataclass(frozen=True)
class Option:
    """One keyword a writer takes."""

    name: str
    types: tuple[TypeRef, ...]
    default: Any
    help: str

    def type_text(self) -> str:
        """``int``, ``str | None``: for error messages and the README table."""
        names = [t.rsplit(".", 1)[-1] if isinstance(t, str) else t.__name__ for t in self.types]
        return " | ".join(names + (["None"] if self.default is None else []))

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is of a declared type (``None`` only when that is the default; an int
        for a float; never a bool for a number)."""
        if value is None:
            return self.default is None
        for ref in self.types:
            kind = _resolve(ref)
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                return True
            if kind in (int, float) and isinstance(value, bool):
                continue
            if isinstance(value, kind):
                return True
        return False


def _resolve(ref: TypeRef) -> type:
    if isinstance(ref, type):
        return ref
    module, _, name = ref.rpartition(".")
    kind = getattr(importlib.import_module(module), name)
    assert isinstance(kind, type)
    return kind


@dataclass(frozen=True)
class Codec:
    """A format: where its code lives, how files and HTTP answers are named, what it takes."""

    name: str  #: the ``--format`` / ``format=`` name
    title: str  #: what it is, for help texts and the README
    module: str  #: the module with ``NAME`` and ``sniff``/``read`` and/or ``write``
    extensions: tuple[str, ...]  #: lower case, most usual first
    mime: str  #: content type of the written bytes (the debug routes serve it)
    reads: bool = False
    writes: bool = False
    options: tuple[Option, ...] = ()  #: what ``write`` takes besides the profile

    def load_module(self) -> ModuleType:
        """The module (imported on first use)."""
        return importlib.import_module(self.module)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def takes(self, name: str) -> bool:
        """Whether ``write`` has an option ``name`` (a title goes only where one can be shown)."""
        return self.option(name) is not None

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Fail on the first unknown option or ill-typed value, naming it and this format."""
        for name, value in options.items():
            option = self.option(name)
            if option is None:
                raise ParamError(name, self._unknown(name))
            if not option.accepts(value):
                raise ParamError(
                    name, f"{{name}}={_short_repr(value)}: the {self.name} format's {name} takes {option.type_text()}"
                )

    def _unknown(self, name: str) -> str:
        if not self.writes:
            return f"{{name}}: the {self.name} format is read only and takes no options"
        if not self.options:
            return f"{{name}}: not an option of the {self.name} format, which takes none"
        known = [o.name for o in self.options]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        return f"{{name}}: not an option of the {self.name} format; {hint}it takes {', '.join(known)}"

    def write(self, profile: Profile, **options: Any) -> bytes:
        """``profile`` in this format, after checking ``options`` against the declaration."""
        if not self.writes:
            raise ParamError("format", f"{{name}} {self.name}: perfkit reads this format but does not write it")
        self.check_options(options)
        data = self.load_module().write(profile, **options)
        return data.encode("utf-8") if isinstance(data, str) else data

    def sniff(self, head: bytes) -> bool:
        return bool(self.reads and self.load_module().sniff(head))

    def read(self, path: Path) -> Profile:
        profile: Profile = self.load_module().read(path)
        return profile


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_PROFILE = "perfkit.model.Profile"
_GRAPH_OPTIONS = "perfkit.graph.GraphOptions"
_SAMPLE_TYPE = Option("sample_type", (str, int), None, "the value to write (name or index; default: the profile's)")
_TITLE = Option("title", (str,), None, "shown at the top (default: the recorded command)")
_BASE = Option("base", (_PROFILE,), None, "older profile: draw the difference (red grew, blue shrank)")
_GRAPH = Option("options", (_GRAPH_OPTIONS,), None, "pprof's filters and pruning (focus, ignore, nodecount, ...)")

#: every format, readers in sniffing order (most specific first)
CODECS: tuple[Codec, ...] = (
    Codec(
        "pprof",
        "pprof protobuf (gzipped or raw)",
        "perfkit.formats.pprof",
        (".pb.gz", ".pprof", ".pb"),
        "application/octet-stream",
        reads=True,
        writes=True,
        options=(
            Option("compress", (bool,), True, "gzip the message, as Go's runtime/pprof does"),
            Option("aggregate", (bool,), True, "one sample per distinct stack and label set"),
        ),
    ),
    Codec(
        "memray",
        "memray capture",
        "perfkit.formats.memray_capture",
        (".memray", ".bin"),
        "application/octet-stream",
        reads=True,
    ),
    Codec(
        "speedscope",
        "speedscope JSON",
        "perfkit.formats.speedscope",
        (".speedscope.json", ".json"),
        "application/json",
        reads=True,
        writes=True,
        options=(Option("indent", (int,), None, "indent the JSON by this many spaces (default: compact)"),),
    ),
    Codec(
        "pyinstrument",
        "pyinstrument session",
        "perfkit.formats.pyinstrument_json",
        (".pyisession",),
        "application/json",
        reads=True,
    ),
    Codec(
        "scalene",
        "scalene JSON",
        "perfkit.formats.scalene_json",
        (".scalene.json", ".scalene"),
        "application/json",
        reads=True,
    ),
    Codec(
        "folded",
        "folded / collapsed stacks, difffolded",
        "perfkit.formats.folded",
        (".folded", ".collapsed", ".stacks"),
        "text/plain; charset=utf-8",
        reads=True,
        writes=True,
        options=(_SAMPLE_TYPE,),
    ),
    Codec(
        "svg",
        "flame graph SVG",
        "perfkit.views.flamegraph",
        (".svg",),
        "image/svg+xml",
        writes=True,
        options=(
            _TITLE,
            Option("width", (int,), 1200, "image width in pixels"),
            Option("minwidth", (float,), 0.1, "omit frames narrower than this many pixels"),
            Option("inverted", (bool,), False, "icicle graph: root at the top"),
            _SAMPLE_TYPE,
            _BASE,
            Option("normalize", (bool,), False, "with base: scale the base to the same total first"),
            Option("granularity", (str,), None, "one frame per: functions, filefunctions, files, lines, addresses"),
            _GRAPH,
            Option(
                "on_prepared",
                ("collections.abc.Callable",),
                None,
                "called with the prepared stacks (to warn about filters)",
            ),
        ),
    ),
    Codec(
        "html",
        "HTML report",
        "perfkit.views.report",
        (".html", ".htm"),
        "text/html; charset=utf-8",
        writes=True,
        options=(_TITLE, _SAMPLE_TYPE, Option("top_limit", (int,), 30, "rows of each top table")),
    ),
    Codec(
        "dot",
        "call graph DOT (Graphviz)",
        "perfkit.views.dot",
        (".dot", ".gv"),
        "text/vnd.graphviz; charset=utf-8",
        writes=True,
        options=(_GRAPH, _BASE, _TITLE),
    ),
)


def readers() -> tuple[Codec, ...]:
    return tuple(c for c in CODECS if c.reads)


def writers() -> tuple[Codec, ...]:
    return tuple(c for c in CODECS if c.writes)


def _codecs(action: str) -> tuple[Codec, ...]:
    return readers() if action == "read" else writers()


def choices(action: str) -> list[str]:
    """``pprof (.pb.gz, .pprof, .pb)``, ...: what users can pick, for help texts and errors."""
    return [f"{c.name} ({', '.join(c.extensions)})" for c in _codecs(action)]


def by_name(name: str, action: str) -> Codec:
    """The codec called ``name`` that can ``action`` ("read" or "write"), or a ParamError on
    ``format`` listing those that can."""
    for codec in _codecs(action):
        if codec.name == name:
            return codec
    known = ", ".join(c.name for c in _codecs(action))
    verb = "reading" if action == "read" else "writing"
    raise ParamError("format", f"{{name}} {name}: unknown format for {verb}; use one of: {known}")


def by_extension(path: Path | str, action: str) -> Codec | None:
    """The codec whose extension ends ``path`` (the longest that matches: ``.speedscope.json``
    before ``.json``), or None."""
    lower = Path(path).name.lower()
    best: Codec | None = None
    best_len = 0
    for codec in _codecs(action):
        for ext in codec.extensions:
            if lower.endswith(ext) and len(ext) > best_len:
                best, best_len = codec, len(ext)
    return best
