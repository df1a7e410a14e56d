"""From a profile to weighted stacks of graph nodes: sample type, filters, granularity, diff base.

This is the one place frames become nodes.  A node is a :class:`NodeInfo` (pprof's ``NodeInfo``):
the fields of a frame the granularity keeps.  Every distinct stack of the profile is filtered
(focus, ignore, hide, show, show_from: regexes on a frame's function name or file, as pprof's),
mapped frame by frame to node ids and summed, so what follows (the graph, top, peek, list, the
flame graph) works on a few thousand node stacks however many samples the profile holds.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

import numpy as np

from perfkit.errors import PerfkitError
from perfkit.graph.columns import sums_in_order
from perfkit.graph.nodes import Interner, NodeInfo, coarser, display_frames
from perfkit.graph.options import Granularity, GraphOptions, sample_column
from perfkit.model import Frame, LabelSet, NumLabel, Profile, ValueType

__all__ = ["Prepared", "coarsen", "prepare", "prepare_apart"]

#: the label pprof puts on a diff base's samples; never shown as a tag
BASE_LABEL = "pprof::base"
#: the one numeric label pprof shows in its graph (allocation sizes)
NUMERIC_TAG = "bytes"
#: a sample's labels as the graph sees them: string labels' text, numeric ``bytes`` values
LabelKey = tuple[str, tuple[int, ...]]


@dataclass(slots=True)
class Prepared:
    """A profile's weighted node stacks for one set of options: what every graph view reads.

    ``stacks`` maps root-first tuples of node ids (indexes of ``infos``) to summed values, the base
    profile's subtracted when there is one; ``labelled`` does the same per stack and label text
    (pprof's ``key:value`` lines), for label boxes, and is filled only when asked for.
    """

    infos: list[NodeInfo]
    stacks: dict[tuple[int, ...], int]
    total: int
    sample_type: ValueType
    granularity: Granularity
    #: one source file per node when its frames agree on one (for colours and tooltips), else ""
    files: list[str]
    labelled: dict[tuple[tuple[int, ...], LabelKey], int] | None = None
    #: the unit of the numeric ``bytes`` label values in ``labelled``
    numeric_unit: str = NUMERIC_TAG
    #: per node stack, a bit per position whose frame was inlined into its caller (pprof marks
    #: such calls "(inline)"); None when no frame was
    inline: dict[tuple[int, ...], int] | None = None
    #: filter name -> whether it matched any frame (to warn about patterns that match nothing)
    matched: dict[str, bool] = field(default_factory=dict)
    diff: bool = False
    #: the stacks (and labelled stacks) as flat arrays, laid out on first use (:mod:`.walk`)
    arrays: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def unit(self) -> str:
        return self.sample_type.unit

    def coarsen(self, granularity: Granularity | str) -> Prepared:
        """The same stacks at a coarser granularity (``lines`` -> ``functions`` ...), without
        reading the samples again: nodes that now share an identity merge."""
        granularity = Granularity.parse(granularity)
        interner = Interner(granularity)
        # a node's file stays known only if the nodes it merges agree on one
        remap = [interner.intern(coarser(info, granularity), file) for info, file in zip(self.infos, self.files)]
        node = remap.__getitem__

        stacks: dict[tuple[int, ...], int] = {}
        for stack, value in self.stacks.items():
            key = tuple(map(node, stack))
            stacks[key] = stacks.get(key, 0) + value
        labelled: dict[tuple[tuple[int, ...], LabelKey], int] | None = None
        if self.labelled is not None:
            labelled = {}
            for (stack, text), value in self.labelled.items():  # text: the LabelKey
                lkey = (tuple(map(node, stack)), text)
                labelled[lkey] = labelled.get(lkey, 0) + value
        inline: dict[tuple[int, ...], int] | None = None
        if self.inline is not None:
            inline = {}
            for stack, mask in self.inline.items():
                key = tuple(map(node, stack))
                inline[key] = inline.get(key, mask) & mask
        return Prepared(
            infos=interner.infos,
            stacks=stacks,
            total=self.total,
            sample_type=self.sample_type,
            granularity=granularity,
            files=interner.files,
            labelled=labelled,
            numeric_unit=self.numeric_unit,
            inline=inline,
            matched=dict(self.matched),
            diff=self.diff,
        )

    def frames(self) -> list[Frame]:
        """One display frame per node (for the flame graph): function, file when known, line."""
        return display_frames(self.infos, self.files)


class _Filters:
    """The frame filters of one option set, compiled once and evaluated once per frame."""

    def __init__(self, options: GraphOptions) -> None:
        self.rx = {
            name: re.compile(getattr(options, name))
            for name in ("focus", "ignore", "hide", "show", "show_from")
            if getattr(options, name) is not None
        }
        self.matched = dict.fromkeys(self.rx, False)

    def for_frames(self, frames: Sequence[Frame]) -> Callable[[tuple[int, ...]], tuple[int, ...] | None]:
        """A function from a frame-id stack to the filtered stack (None: the sample is dropped)."""
        if not self.rx:
            return lambda stack: stack

        def ids(name: str) -> set[int] | None:
            rx = self.rx.get(name)
            if rx is None:
                return None
            found = {i for i, f in enumerate(frames) if rx.search(f.function) or (f.file and rx.search(f.file))}
            self.matched[name] = self.matched[name] or bool(found)
            return found

        focus, ignore, hide, show, show_from = (ids(n) for n in ("focus", "ignore", "hide", "show", "show_from"))
        visible: list[bool] | None = None
        if hide is not None or show is not None:
            visible = [(hide is None or i not in hide) and (show is None or i in show) for i in range(len(frames))]

        def apply(stack: tuple[int, ...]) -> tuple[int, ...] | None:
            if ignore and not ignore.isdisjoint(stack):
                return None
            if focus is not None and focus.isdisjoint(stack):
                return None
            if visible is not None:
                stack = tuple(compress(stack, map(visible.__getitem__, stack)))
                if not stack:
                    return None
            if show_from is not None:
                for depth, fid in enumerate(stack):
                    if fid in show_from:
                        return stack[depth:]
                return None
            return stack

        return apply


def _int64(values: Sequence[int]) -> np.ndarray:
    """A value column as an int64 array (an ``array('q')`` without a copy)."""
    if isinstance(values, array) and values.typecode == "q":
        return np.frombuffer(values, np.int64)
    return np.fromiter(values, np.int64, len(values))


def _base_column(base: Profile, vt: ValueType) -> int:
    for i, bt in enumerate(base.sample_types):
        if str(bt) == str(vt):
            return i
    for i, bt in enumerate(base.sample_types):
        if bt.type == vt.type:
            return i
    known = ", ".join(str(bt) for bt in base.sample_types)
    raise PerfkitError(f"--base: the base profile has no {vt} values (it has: {known}); diff like with like")


def _round_half_away(value: float) -> int:
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _label_key(labelset: LabelSet) -> LabelKey:
    """What a sample's labels add to a node's label boxes, as pprof's graph keeps them: the string
    labels as sorted ``key:value`` entries joined by a literal ``\\n``, and the values of the
    numeric ``bytes`` label (pprof drops every other numeric label from the graph)."""
    text = "\\n".join(sorted(f"{k}:{v}" for k, v in labelset if isinstance(v, str) and k != BASE_LABEL))
    numbers = tuple(v.value for k, v in labelset if k == NUMERIC_TAG and isinstance(v, NumLabel))
    return text, numbers


class _Collector:
    """Sums a profile's (and its base's) filtered node stacks into one :class:`Prepared`."""

    def __init__(self, options: GraphOptions, labels: bool) -> None:
        self.interner = Interner(options.granularity)
        self.filters = _Filters(options)
        self.stacks: dict[tuple[int, ...], int] = {}
        self.labelled: dict[tuple[tuple[int, ...], LabelKey], int] | None = {} if labels else None
        self.numeric_unit = NUMERIC_TAG
        #: per node stack, a bit per position whose frame was inlined into its caller (Go's
        #: inlined calls); None while no profile had any
        self.inline: dict[tuple[int, ...], int] | None = None

    def filter_tags(self, profile: Profile, options: GraphOptions) -> Profile:
        """``profile`` without the samples pprof's label filters reject (noting what matched)."""
        if not options.tagfocus and not options.tagignore:
            return profile
        from perfkit.tags import filter_tags

        kept = filter_tags(profile, options.tagfocus, options.tagignore, options=("--tagfocus", "--tagignore"))
        if options.tagfocus:
            self.filters.matched["tagfocus"] = self.filters.matched.get("tagfocus", False) or not kept.is_empty
        if options.tagignore:
            dropped = len(kept) < len(profile)
            self.filters.matched["tagignore"] = self.filters.matched.get("tagignore", False) or dropped
        return kept

    def add(self, profile: Profile, values: Sequence[int]) -> int:
        """Add ``profile``'s node stacks valued by ``values`` (one per sample); returns the
        absolute value of what the filters kept."""
        labelled = self.labelled if len(profile.labelsets) > 1 else None
        if labelled is not None and not labelled:
            from perfkit.tags import label_units

            self.numeric_unit = label_units(profile).get(NUMERIC_TAG, NUMERIC_TAG)
        # the value of each stack, and (when labels are wanted) of each labelled sample's stack and
        # label set, keyed by one int: stack id * label sets + label id; summed as arrays, each
        # key in the order it first appears (the order the samples give their stacks)
        width = len(profile.labelsets)
        stack_ids = np.frombuffer(profile.sample_stack, np.int64)
        column = _int64(values)
        distinct, totals = sums_in_order(stack_ids, column)
        sums = dict(zip(distinct.tolist(), totals.tolist()))
        by_label: dict[int, int] = {}
        if labelled is not None:
            label_ids = np.frombuffer(profile.sample_labels, np.int64)
            with_label = np.flatnonzero(label_ids)
            keys, totals = sums_in_order(stack_ids[with_label] * width + label_ids[with_label], column[with_label])
            by_label = dict(zip(keys.tolist(), totals.tolist()))
        node_of = self.interner.node_ids(profile.frames)
        node = node_of.__getitem__
        keep = self.filters.for_frames(profile.frames)
        inlined = [f.inlined for f in profile.frames]
        if any(inlined) and self.inline is None:
            self.inline = {}
        inline = self.inline if any(inlined) else None
        stacks, out = profile.stacks, self.stacks
        oget = out.get
        if labelled is None and not self.filters.rx and inline is None and self.inline is None:
            # the common case (a flame graph, top): stacks map straight to node stacks, and need no
            # mapping at all when every frame is its own node
            same = node_of == list(range(len(node_of)))
            for sid, value in sums.items():
                if value:
                    nodes = stacks[sid] if same else tuple(map(node, stacks[sid]))
                    out[nodes] = oget(nodes, 0) + value
            return sum(map(abs, sums.values()))
        # each stack as node ids (None: the filters drop it), mapped once
        mapped: dict[int, tuple[int, ...] | None] = {}
        if not self.filters.rx and inline is None:
            same = node_of == list(range(len(node_of)))  # every frame its own node: nothing to map
            for sid in sums:
                mapped[sid] = stacks[sid] if same else tuple(map(node, stacks[sid]))
        else:
            for sid in sums:
                frames = keep(stacks[sid])
                if frames is None:
                    mapped[sid] = None
                    continue
                kept = mapped[sid] = tuple(map(node, frames))
                if inline is not None:
                    mask = sum(1 << depth for depth, fid in enumerate(frames) if inlined[fid])
                    inline[kept] = inline.get(kept, mask) & mask
        kept_abs = 0
        for sid, value in sums.items():
            kept_nodes = mapped[sid]
            if value and kept_nodes is not None:
                kept_abs += -value if value < 0 else value
                out[kept_nodes] = oget(kept_nodes, 0) + value
        if labelled is not None:
            label_keys: dict[int, LabelKey] = {}
            for key, value in by_label.items():
                sid, lid = divmod(key, width)
                label_nodes = mapped[sid]
                if not value or label_nodes is None:
                    continue
                text = label_keys.get(lid)
                if text is None:
                    text = label_keys[lid] = _label_key(profile.labelsets[lid])
                if text != ("", ()):
                    lkey = (label_nodes, text)
                    labelled[lkey] = labelled.get(lkey, 0) + value
        if self.inline is not None and inline is None:  # a base without inlining: no edge inline
            for mapped_nodes in mapped.values():
                if mapped_nodes is not None:
                    self.inline[mapped_nodes] = 0
        return kept_abs


def prepare(
    profile: Profile,
    options: GraphOptions = GraphOptions(),
    base: Profile | None = None,
    *,
    labels: bool = False,
    where: str = "this profile",
) -> Prepared:
    """The weighted node stacks of ``profile`` (minus ``base``, as pprof's ``-diff_base``).

    The total is pprof's: the sum of absolute sample values before any filter (the base's when
    diffing, so shares read as change relative to the old run), or after the filters with
    ``relative_percentages``.  ``labels`` also sums stacks per label text, for the call graph's
    label boxes.
    """
    column = sample_column(profile, options.sample_index, where)
    vt = profile.sample_types[column]
    collector = _Collector(options, labels)
    # totals and the normalising ratio are of the whole profiles, before any filter (as pprof's)
    total = sum(map(abs, profile.values[column]))
    shown = collector.filter_tags(profile, options)
    if base is None:
        kept = collector.add(shown, shown.values[column])
    else:
        base_column = _base_column(base, vt)
        new_values: Sequence[int] = shown.values[column]
        if options.normalize:  # pprof scales the new profile to the base's sum, sample by sample
            base_sum, new_sum = sum(base.values[base_column]), sum(profile.values[column])
            ratio = base_sum / new_sum if new_sum else 0.0
            if ratio != 1:
                new_values = [_round_half_away(v * ratio) for v in new_values]
        kept = collector.add(shown, new_values)
        base_total = sum(map(abs, base.values[base_column]))
        base_shown = collector.filter_tags(base, options)
        base_kept = collector.add(base_shown, [-v for v in base_shown.values[base_column]])
        if base_total:  # pprof's -diff_base: shares are of the base's total
            total, kept = base_total, base_kept
    if options.relative_percentages:
        total = kept
    labelled = collector.labelled
    return Prepared(
        infos=collector.interner.infos,
        stacks=collector.stacks,
        total=total,
        sample_type=vt,
        granularity=options.granularity,
        files=collector.interner.files,
        labelled=labelled or None,
        numeric_unit=collector.numeric_unit,
        inline=collector.inline,
        matched=collector.filters.matched,
        diff=base is not None,
    )


def prepare_apart(profile: Profile, base: Profile, options: GraphOptions = GraphOptions()) -> tuple[Prepared, Prepared]:
    """``profile`` and ``base`` prepared side by side with shared node ids (a diff flame graph
    draws the one and colours by the other); the base's values stay positive."""
    column = sample_column(profile, options.sample_index)
    vt = profile.sample_types[column]
    base_column = _base_column(base, vt)
    collector = _Collector(options, labels=False)
    profile, base = collector.filter_tags(profile, options), collector.filter_tags(base, options)
    new_total = collector.add(profile, profile.values[column])
    new_stacks, collector.stacks = collector.stacks, {}
    base_total = collector.add(base, base.values[base_column])
    made = []
    for stacks, total in ((new_stacks, new_total), (collector.stacks, base_total)):
        made.append(
            Prepared(
                infos=collector.interner.infos,
                stacks=stacks,
                total=total,
                sample_type=vt,
                granularity=options.granularity,
                files=collector.interner.files,
                matched=collector.filters.matched,
            )
        )
    return made[0], made[1]


def coarsen(profile: Profile, granularity: Granularity | str) -> Profile:
    """``profile`` with its frames merged to ``granularity`` (labels and values kept): one frame
    per node, named as the node; a file is kept where the merged frames agree on one."""
    interner = Interner(Granularity.parse(granularity))
    ids = interner.node_ids(profile.frames)
    shown = display_frames(interner.infos, interner.files)
    frame_of = {frame: shown[i] for frame, i in zip(profile.frames, ids)}
    return profile.map_stacks(lambda stack: [frame_of[f] for f in stack])
