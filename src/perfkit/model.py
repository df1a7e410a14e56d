"""The one profile model every collector fills, every format stores and every view draws.

Design notes (why it looks like this):

* Frames, stacks and label sets are interned: a sample is three integers plus one int64 per
  value type, held in ``array`` columns.  A million samples cost tens of megabytes, not gigabytes.
* Stacks are tuples of frame ids ordered **root first** (the order of folded stacks and flame
  graphs); pprof's leaf-first order is reversed at its boundary.
* Values are int64 per sample type, as in pprof (``cpu/nanoseconds``, ``samples/count``,
  ``alloc_space/bytes`` ...).  Floating-point inputs are scaled into integer units on read.
* Frames carry what pprof keeps about a code location (start line, system name, address, mapping,
  and whether the frame was inlined into its caller) so pprof files survive a round trip; Python
  collectors leave those fields at their defaults, which cost nothing.
* Labels are strings or :class:`NumLabel` numbers with a unit (pprof's numeric labels, e.g. Go's
  ``bytes`` allocation size), so pprof's tag filters can compare them as numbers.
* This module imports nothing from the rest of perfkit but :mod:`perfkit.outcome` (how a recorded
  run ended, re-exported here; it imports nothing): it is the centre of the dependency graph.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from perfkit.outcome import EXIT_INTERRUPTED, Outcome, command_text

__all__ = [
    "EXIT_INTERRUPTED",
    "Frame",
    "LabelSet",
    "LabelValue",
    "Mapping",
    "NumLabel",
    "Outcome",
    "Profile",
    "Sample",
    "ValueType",
    "command_text",
    "label_set",
]


class Mapping(NamedTuple):
    """A binary or library mapped into the profiled process, as pprof's ``Mapping``: native
    addresses resolve through it, and ``build_id`` names the exact build.  Python frames have none."""

    filename: str = ""
    build_id: str = ""
    memory_start: int = 0
    memory_limit: int = 0
    file_offset: int = 0
    has_functions: bool = False
    has_filenames: bool = False
    has_line_numbers: bool = False
    has_inline_frames: bool = False


class Frame(NamedTuple):
    """One code location: a function in a file at a line (line 0 when unknown).

    The other fields are pprof's and default to "unknown": ``start_line`` (the function's first
    line), ``system_name`` (the mangled name; None when it is ``function``), ``address`` and
    ``mapping`` (the machine location), and ``inlined``: this frame was inlined into the frame
    before it in the stack (its caller), so both belong to one pprof ``Location``.

    A named tuple, not a dataclass: readers build and intern one per distinct code location, and
    a tuple is built and hashed in C (a frozen dataclass's ``__init__`` and ``__hash__`` run in
    Python, three times the cost on a profile of a few thousand locations).
    """

    function: str
    file: str = ""
    line: int = 0
    start_line: int = 0
    system_name: str | None = None
    address: int = 0
    mapping: Mapping | None = None
    inlined: bool = False

    def __repr__(self) -> str:
        parts = [repr(self.function)]
        if self.file or self.line:
            parts.append(repr(self.file))
        if self.line:
            parts.append(repr(self.line))
        for name in ("start_line", "system_name", "address", "mapping", "inlined"):
            value = getattr(self, name)
            if value is not None and value != 0:
                parts.append(f"{name}={value:#x}" if name == "address" else f"{name}={value!r}")
        return f"Frame({', '.join(parts)})"

    @property
    def has_location(self) -> bool:
        """True when the frame carries machine-level facts (address, mapping, inlining)."""
        return bool(self.address or self.mapping is not None or self.inlined)

    def source_only(self) -> Frame:
        """The same source position without address, mapping or inlining (pprof's line granularity)."""
        if not (self.address or self.mapping is not None or self.inlined):
            return self
        return Frame(self.function, self.file, self.line, self.start_line, self.system_name)

    def label(self) -> str:
        """Human label, the way py-spy prints it: ``func (file:line)``."""
        if not self.file:
            return self.function
        if self.line:
            return f"{self.function} ({self.file}:{self.line})"
        return f"{self.function} ({self.file})"


@dataclass(frozen=True, slots=True)
class ValueType:
    """What one column of sample values measures, as pprof's ``ValueType`` (type, unit)."""

    type: str
    unit: str

    def __str__(self) -> str:
        return f"{self.type}/{self.unit}"

    @classmethod
    def parse(cls, text: str) -> ValueType:
        """Parse ``type/unit`` (unit defaults to ``count``)."""
        kind, _, unit = text.partition("/")
        return cls(kind, unit or "count")


@dataclass(frozen=True, slots=True)
class NumLabel:
    """A numeric label value with its unit, as pprof's ``num``/``num_unit`` (``bytes=4096``).
    An empty unit means "unknown": pprof then takes the label's key as its unit."""

    value: int
    unit: str = ""

    def __str__(self) -> str:
        return f"{self.value} {self.unit}" if self.unit else str(self.value)


#: a label's value: text, or a number with a unit
LabelValue = str | NumLabel
#: an interned label set: (key, value) pairs sorted by key, strings before numbers
LabelSet = tuple[tuple[str, LabelValue], ...]


def _label_value(value: Any) -> LabelValue:
    """Strings and NumLabels stay; plain ints become unitless numbers; anything else becomes text."""
    if isinstance(value, (str, NumLabel)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return NumLabel(value)
    return str(value)


def _label_order(pair: tuple[str, LabelValue]) -> tuple[Any, ...]:
    key, value = pair
    if isinstance(value, NumLabel):
        return (key, 1, "", value.value, value.unit)
    return (key, 0, value, 0, "")


def label_set(labels: dict[str, Any] | Iterable[tuple[str, Any]]) -> LabelSet:
    """The canonical (sorted, typed) form of some labels, as profiles intern them."""
    items = labels.items() if isinstance(labels, dict) else labels
    pairs = [(k if type(k) is str else str(k), v if type(v) is str else _label_value(v)) for k, v in items]
    try:
        return tuple(sorted(pairs))
    except TypeError:  # a number beside a string (or two numbers) under one key
        return tuple(sorted(pairs, key=_label_order))


SAMPLES = ValueType("samples", "count")
CPU_NS = ValueType("cpu", "nanoseconds")
WALL_NS = ValueType("wall", "nanoseconds")


@dataclass(frozen=True, slots=True)
class Sample:
    """A sample as views see it: the resolved stack (root first), its values and labels."""

    stack: tuple[Frame, ...]
    values: tuple[int, ...]
    labels: dict[str, LabelValue] = field(default_factory=dict)


class Profile:
    """Samples of stacks with one or more typed values, labels and run metadata.

    Build one with :meth:`add` (by frames) or :meth:`add_ids` (by interned ids, the fast path
    readers use).  Views iterate with :meth:`iter_stacks` or :meth:`samples`.
    """

    def __init__(
        self,
        sample_types: Sequence[ValueType] = (SAMPLES,),
        *,
        default_type: int = 0,
        period: int = 0,
        period_type: ValueType | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if not sample_types:
            raise ValueError("a profile needs at least one sample type")
        self.sample_types: list[ValueType] = list(sample_types)
        self.default_type = default_type
        self.period = period
        self.period_type = period_type
        #: free-form run facts: command, backend, python, duration_ns, start_ns, hostname ...
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.frames: list[Frame] = []
        self._frame_ids: dict[Frame, int] = {}
        self.stacks: list[tuple[int, ...]] = []
        self._stack_ids: dict[tuple[int, ...], int] = {}
        self.labelsets: list[LabelSet] = [()]
        self._labelset_ids: dict[LabelSet, int] = {(): 0}
        self.sample_stack = array("q")
        self.sample_labels = array("q")
        self.values: list[array] = [array("q") for _ in self.sample_types]

    # ------------------------------------------------------------------ interning
    def frame_id(self, frame: Frame) -> int:
        """Intern ``frame`` and return its id."""
        fid = self._frame_ids.get(frame)
        if fid is None:
            fid = self._frame_ids[frame] = len(self.frames)
            self.frames.append(frame)
        return fid

    def stack_id(self, frame_ids: tuple[int, ...]) -> int:
        """Intern a root-first tuple of frame ids and return its id."""
        sid = self._stack_ids.get(frame_ids)
        if sid is None:
            sid = self._stack_ids[frame_ids] = len(self.stacks)
            self.stacks.append(frame_ids)
        return sid

    def labelset_id(self, labels: dict[str, Any] | Iterable[tuple[str, Any]] | None) -> int:
        """Intern a label set (order does not matter) and return its id; 0 is the empty set.
        Values are strings or :class:`NumLabel`; a plain int becomes a unitless NumLabel."""
        if not labels:
            return 0
        key = label_set(labels)
        lid = self._labelset_ids.get(key)
        if lid is None:
            lid = self._labelset_ids[key] = len(self.labelsets)
            self.labelsets.append(key)
        return lid

    # ------------------------------------------------------------------ building
    def add(
        self,
        stack: Sequence[Frame],
        values: Sequence[int] | int,
        labels: dict[str, Any] | None = None,
    ) -> None:
        """Add one sample: ``stack`` root first, one value per sample type (or one int)."""
        ids = tuple(self.frame_id(f) for f in stack)
        self.add_ids(self.stack_id(ids), values, self.labelset_id(labels))

    def add_ids(self, stack_id: int, values: Sequence[int] | int, labelset_id: int = 0) -> None:
        """Add one sample by interned ids: the readers' fast path."""
        if isinstance(values, int):
            values = (values,)
        if len(values) != len(self.values):
            raise ValueError(f"sample has {len(values)} values, profile has {len(self.values)} sample types")
        self.sample_stack.append(stack_id)
        self.sample_labels.append(labelset_id)
        for column, value in zip(self.values, values):
            column.append(int(value))

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self.sample_stack)

    @property
    def is_empty(self) -> bool:
        return len(self.sample_stack) == 0

    @property
    def outcome(self) -> Outcome:
        """How the recorded run ended (exit status, Ctrl-C, warnings), from the metadata the
        collector wrote: what ``perfkit.record`` returns besides the samples."""
        return Outcome.from_metadata(self.metadata, empty=self.is_empty)

    def type_index(self, sample_type: str | int | None = None) -> int:
        """Resolve a sample type given as index, ``type`` or ``type/unit`` (None: the default)."""
        if sample_type is None:
            return self.default_type
        if isinstance(sample_type, int):
            if not 0 <= sample_type < len(self.sample_types):
                raise KeyError(sample_type)
            return sample_type
        for i, vt in enumerate(self.sample_types):
            if sample_type in (vt.type, str(vt)):
                return i
        known = ", ".join(str(vt) for vt in self.sample_types)
        raise KeyError(f"no sample type {sample_type!r} (this profile has: {known})")

    def total(self, sample_type: str | int | None = None) -> int:
        """Sum of one value column."""
        return sum(self.values[self.type_index(sample_type)])

    def iter_stacks(self, sample_type: str | int | None = None) -> Iterator[tuple[tuple[int, ...], int]]:
        """Yield (root-first frame-id tuple, value) aggregated per stack, labels ignored."""
        return iter(self.stack_totals(sample_type).items())

    def stack_totals(self, sample_type: str | int | None = None) -> dict[tuple[int, ...], int]:
        """Value per distinct stack (labels folded together), zero-valued stacks dropped."""
        column = self.values[self.type_index(sample_type)]
        per_id: dict[int, int] = {}
        get = per_id.get
        for sid, value in zip(self.sample_stack, column):
            per_id[sid] = get(sid, 0) + value
        stacks = self.stacks
        return {stacks[sid]: v for sid, v in per_id.items() if v}

    def samples(self) -> Iterator[Sample]:
        """Every sample with frames and labels resolved (convenient, not the fast path)."""
        frames, stacks, labelsets = self.frames, self.stacks, self.labelsets
        for i, (sid, lid) in enumerate(zip(self.sample_stack, self.sample_labels)):
            yield Sample(
                tuple(frames[f] for f in stacks[sid]),
                tuple(col[i] for col in self.values),
                dict(labelsets[lid]),
            )

    def label_values(self, key: str) -> list[LabelValue]:
        """Distinct values of one label key, in first-seen order (e.g. every thread name)."""
        seen: dict[LabelValue, None] = {}
        for ls in self.labelsets:
            for k, v in ls:
                if k == key:
                    seen.setdefault(v, None)
        return list(seen)

    def only(self, sample_type: str | int | ValueType, *, as_type: ValueType | None = None) -> Profile:
        """One value column as a profile of its own (``as_type`` renames it): e.g. to split a
        two-column pair, or hand one measure to code that takes a single sample type."""
        index = self.type_index(str(sample_type) if isinstance(sample_type, ValueType) else sample_type)
        out = self._empty_like()
        out.sample_types = [as_type or self.sample_types[index]]
        out.default_type = 0
        if out.period_type is not None and out.period_type not in out.sample_types:
            out.period, out.period_type = 0, None
        out.stacks, out._stack_ids = list(self.stacks), dict(self._stack_ids)
        out.labelsets, out._labelset_ids = list(self.labelsets), dict(self._labelset_ids)
        out.sample_stack = array("q", self.sample_stack)
        out.sample_labels = array("q", self.sample_labels)
        out.values = [array("q", self.values[index])]
        return out

    # ------------------------------------------------------------------ transforms
    def _empty_like(self) -> Profile:
        out = Profile(
            self.sample_types,
            default_type=self.default_type,
            period=self.period,
            period_type=self.period_type,
            metadata=self.metadata,
        )
        # share interned frames so frame ids stay meaningful across transforms
        out.frames = list(self.frames)
        out._frame_ids = dict(self._frame_ids)
        return out

    def copy(self) -> Profile:
        """An independent copy."""
        out = self._empty_like()
        return self._remap_into(out, self._same_stacks(out))

    def _remap_into(
        self,
        out: Profile,
        new_stack: Callable[[int], int],
        new_labels: Callable[[int], int] | None = None,
        keep: Callable[[int, int], bool] | None = None,
    ) -> Profile:
        """Add every sample of this profile (those ``keep(sid, lid)`` accepts) to ``out``, its stack
        id mapped by ``new_stack`` and its label-set id by ``new_labels`` (default: the same labels
        interned in ``out``); each mapping is asked once per id, when a kept sample first uses it."""
        if new_labels is None:
            labelsets = self.labelsets

            def new_labels(lid: int) -> int:
                return out.labelset_id(labelsets[lid])

        sids: dict[int, int] = {}
        lids: dict[int, int] = {}
        values = self.values
        for i, (sid, lid) in enumerate(zip(self.sample_stack, self.sample_labels)):
            if keep is not None and not keep(sid, lid):
                continue
            nsid = sids.get(sid)
            if nsid is None:
                nsid = sids[sid] = new_stack(sid)
            nlid = lids.get(lid)
            if nlid is None:
                nlid = lids[lid] = new_labels(lid)
            out.add_ids(nsid, [col[i] for col in values], nlid)
        return out

    def _same_stacks(self, out: Profile) -> Callable[[int], int]:
        """``new_stack`` for :meth:`_remap_into` when ``out`` shares this profile's frames."""
        stacks = self.stacks
        return lambda sid: out.stack_id(stacks[sid])

    def _select(self, keep_stack: Callable[[tuple[int, ...]], bool]) -> Profile:
        out = self._empty_like()
        keep = [keep_stack(s) for s in self.stacks]
        return self._remap_into(out, self._same_stacks(out), keep=lambda sid, _lid: keep[sid])

    def _frames_matching(self, pattern: str | re.Pattern[str]) -> set[int]:
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        return {
            i
            for i, f in enumerate(self.frames)
            if rx.search(f.function) or (f.file and rx.search(f"{f.file}:{f.line}"))
        }

    def filter(
        self,
        focus: str | None = None,
        ignore: str | None = None,
        *,
        labels: dict[str, Any] | None = None,
    ) -> Profile:
        """Keep samples with a frame matching ``focus``, drop those with a frame matching
        ``ignore`` (regexes on function name or ``file:line``, as pprof's -focus/-ignore), and
        optionally only those whose labels include ``labels``."""
        focus_ids = self._frames_matching(focus) if focus else None
        ignore_ids = self._frames_matching(ignore) if ignore else None

        def keep(stack: tuple[int, ...]) -> bool:
            if focus_ids is not None and focus_ids.isdisjoint(stack):
                return False
            return not (ignore_ids is not None and not ignore_ids.isdisjoint(stack))

        out = self._select(keep)
        if labels:
            want = set(label_set(labels))
            out = out.select_labels(want.issubset)
        return out

    def select_labels(self, keep: Callable[[LabelSet], bool]) -> Profile:
        """Only the samples whose label set ``keep`` accepts (asked once per distinct label set):
        the primitive under pprof's -tagfocus / -tagignore (see :mod:`perfkit.tags`)."""
        ok = [bool(keep(ls)) for ls in self.labelsets]
        return self._filter_samples(lambda _sid, lid: ok[lid])

    def _filter_samples(self, keep: Callable[[int, int], bool]) -> Profile:
        out = self._empty_like()
        return self._remap_into(out, self._same_stacks(out), keep=keep)

    def map_stacks(self, transform: Callable[[tuple[Frame, ...]], Sequence[Frame]]) -> Profile:
        """A new profile with every stack rewritten by ``transform`` (frames in, frames out)."""
        out = Profile(
            self.sample_types,
            default_type=self.default_type,
            period=self.period,
            period_type=self.period_type,
            metadata=self.metadata,
        )
        frames, stacks = self.frames, self.stacks

        def new_stack(sid: int) -> int:
            new = transform(tuple(frames[f] for f in stacks[sid]))
            return out.stack_id(tuple(out.frame_id(f) for f in new))

        return self._remap_into(out, new_stack)

    def aggregate(self, *, keep_labels: bool = True) -> Profile:
        """Merge samples with the same stack (and labels): same totals, fewer rows."""
        out = self._empty_like()
        rows: dict[tuple[int, int], list[int]] = {}
        for i, (sid, lid) in enumerate(zip(self.sample_stack, self.sample_labels)):
            key = (sid, lid if keep_labels else 0)
            row = rows.get(key)
            if row is None:
                rows[key] = [col[i] for col in self.values]
            else:
                for j, col in enumerate(self.values):
                    row[j] += col[i]
        for (sid, lid), vals in rows.items():
            out.add_ids(out.stack_id(self.stacks[sid]), vals, out.labelset_id(self.labelsets[lid]))
        return out

    def prune(self, min_fraction: float, sample_type: str | int | None = None) -> Profile:
        """Cut call-tree nodes whose cumulative share is below ``min_fraction``: a stack is
        truncated at its deepest ancestor that passes, so every total is kept exactly."""
        t = self.type_index(sample_type)
        total = sum(abs(v) for v in self.values[t])
        if total == 0:
            return self.copy()
        threshold = min_fraction * total
        # cumulative value of every stack prefix
        prefix_value: dict[tuple[int, ...], int] = {}
        for stack, value in self.stack_totals(t).items():
            for depth in range(1, len(stack) + 1):
                key = stack[:depth]
                prefix_value[key] = prefix_value.get(key, 0) + abs(value)

        def cut(stack: tuple[int, ...]) -> tuple[int, ...]:
            depth = len(stack)
            while depth and prefix_value.get(stack[:depth], 0) < threshold:
                depth -= 1
            return stack[:depth]

        out = self._empty_like()
        stacks = self.stacks
        return self._remap_into(out, lambda sid: out.stack_id(cut(stacks[sid])))

    def merge(self, *others: Profile) -> Profile:
        """Sum of this and other profiles; sample types must match (pprof's merge)."""
        out = self.copy()
        for other in others:
            if [str(t) for t in other.sample_types] != [str(t) for t in self.sample_types]:
                raise ValueError(
                    "cannot merge profiles with different sample types: "
                    f"{', '.join(map(str, self.sample_types))} vs "
                    f"{', '.join(map(str, other.sample_types))}"
                )
            fmap = [out.frame_id(f) for f in other.frames]
            smap = [out.stack_id(tuple(fmap[f] for f in s)) for s in other.stacks]
            lmap = [out.labelset_id(ls) for ls in other.labelsets]
            other._remap_into(out, smap.__getitem__, lmap.__getitem__)
        return out

    def scaled(self, factor: float) -> Profile:
        """Every value multiplied by ``factor`` (rounded): used to normalise diffs."""
        out = self.copy()
        out.values = [array("q", (round(v * factor) for v in col)) for col in out.values]
        return out

    def diff(self, base: Profile, *, normalize: bool = False) -> Profile:
        """This profile minus ``base`` (pprof -diff_base): negative values mean shrinkage.
        With ``normalize`` the base is first scaled to this profile's total."""
        if normalize:
            base_total = base.total()
            if base_total:
                base = base.scaled(self.total() / base_total)
        return self.merge(base.scaled(-1)).aggregate()


def resolve_stack(profile: Profile, stack: tuple[int, ...]) -> tuple[Frame, ...]:
    """Frame objects for a tuple of frame ids."""
    frames = profile.frames
    return tuple(frames[f] for f in stack)
