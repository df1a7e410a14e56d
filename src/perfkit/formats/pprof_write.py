"""Writing pprof's ``profile.proto``: a :class:`~perfkit.model.Profile` as the message ``go tool
pprof`` reads (gzipped at level 1, as Go's runtime/pprof writes it).

Samples with the same stack and labels are aggregated (pprof files carry no sample order),
root-first stacks become pprof's leaf-first location lists, and big profiles are serialised in
slices so protobuf objects never hold every sample at once. Mappings, addresses and inlined
``Line`` lists go through :class:`~perfkit.formats.pprof_locations.LocationWriter`. Reading is
:mod:`perfkit.formats.pprof`, which re-exports :func:`write`, :func:`serialize` and :func:`encode`.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, repeat
from operator import add, attrgetter, mul
from typing import Any

from perfkit.formats import pprof_schema as pb
from perfkit.formats.pprof_locations import LocationWriter
from perfkit.model import NumLabel, Profile, command_text

#: metadata keys stored in dedicated profile.proto fields rather than in comments
FIELD_KEYS = {"duration_ns", "start_ns", "drop_frames", "keep_frames", "format", "comments"}
#: a ``key=value`` comment: how metadata without a profile.proto field travels (both ways)
COMMENT = re.compile(r"^([A-Za-z_][\w.-]*)=(.*)$", re.DOTALL)


class _Strings:
    """The string table: index 0 is always the empty string."""

    def __init__(self) -> None:
        self.table: list[str] = [""]
        self.index: dict[str, int] = {"": 0}

    def __call__(self, text: str) -> int:
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.table)
            self.table.append(text)
        return i


def _comment_lines(metadata: dict[str, Any]) -> list[str]:
    """Run facts as ``key=value`` comments (``go tool pprof -comments`` shows them)."""
    lines = []
    for key, value in metadata.items():
        if key in FIELD_KEYS or not COMMENT.match(f"{key}="):
            continue
        if key == "command" and isinstance(value, (list, tuple)):
            value = command_text(value)
        if isinstance(value, (str, int, float)):
            lines.append(f"{key}={value}")
    extra = metadata.get("comments")
    if isinstance(extra, (list, tuple)):
        lines.extend(str(c) for c in extra)
    return lines


def _int_meta(metadata: dict[str, Any], key: str) -> int:
    value = metadata.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return int(value)


#: per output sample: its stack id, its label-set id, and its values (one per sample type)
_Rows = tuple[Sequence[int], Sequence[int], Iterable[Sequence[int]]]


def _aggregate(profile: Profile) -> _Rows:
    """Distinct (stack id, labelset id) pairs in first-seen order and their summed values.

    One pass over plain int keys (``stack * labelsets + labelset``) into a dict of value lists:
    cheaper than tuple keys or a second pass per value column, the write's hot loop.
    """
    width = len(profile.labelsets)
    keys = list(map(add, map(mul, profile.sample_stack, repeat(width)), profile.sample_labels))
    columns = profile.values
    sums: dict[int, Any] = {}
    get = sums.get
    if len(columns) == 1:
        for key, a in zip(keys, columns[0]):
            sums[key] = get(key, 0) + a
        rows: Iterable[Sequence[int]] = [[v] for v in sums.values()]
    elif len(columns) == 2:
        for key, a, b in zip(keys, columns[0], columns[1]):
            row = get(key)
            if row is None:
                sums[key] = [a, b]
            else:
                row[0] += a
                row[1] += b
        rows = sums.values()
    else:
        for key, *values in zip(keys, *columns):
            row = get(key)
            if row is None:
                sums[key] = values
            else:
                for j, value in enumerate(values):
                    row[j] += value
        rows = sums.values()
    if len(sums) == len(keys):  # nothing merged (e.g. a profile read from pprof): keep the columns
        return _each(profile)
    return [k // width for k in sums], [k % width for k in sums], rows


def _each(profile: Profile) -> _Rows:
    """Every sample as its own row, for producers that keep samples apart (no copies)."""
    return profile.sample_stack, profile.sample_labels, zip(*profile.values)


#: samples per serialised slice: bounds the memory of protobuf objects on big profiles
_CHUNK = 20_000


def serialize(profile: Profile, *, aggregate: bool = True) -> bytes:
    """profile.proto bytes, samples built and serialised in slices.

    Serialised protobuf messages concatenate into their merge, so the sample_type part, slices of
    samples and the rest are serialised one after another (in field-number order, as one message
    would be) and never all held as objects at once.  Samples are built as ``LazySample``s: a
    stack's packed location ids and each label are serialised once and reused as bytes, which
    yields the same wire bytes as ``Sample`` at a fraction of the per-sample cost.
    """
    head, tail, samples = _build(profile, aggregate)
    parts = [head.SerializeToString()]
    chunk = pb.LazyProfile()
    add_sample = chunk.sample.add
    for n, (locs, values, labels) in enumerate(samples, 1):
        if labels:
            add_sample(location_id=locs, value=values, label=labels)
        else:
            add_sample(location_id=locs, value=values)
        if n % _CHUNK == 0:
            parts.append(chunk.SerializeToString())
            chunk = pb.LazyProfile()
            add_sample = chunk.sample.add
    parts.append(chunk.SerializeToString())
    parts.append(tail.SerializeToString())
    return b"".join(parts)


def encode(profile: Profile, *, aggregate: bool = True) -> Any:
    """The profile as one ``perftools.profiles.Profile`` message (for inspection and tests)."""
    return pb.Profile.FromString(serialize(profile, aggregate=aggregate))


def _build(profile: Profile, aggregate: bool) -> tuple[Any, Any, Iterator[tuple[bytes, Sequence[int], list[bytes]]]]:
    """The sample_type part, everything after the samples, and the samples as (packed location
    ids, values, serialised labels); with ``aggregate`` samples of equal stack and labels become one."""
    strings = _Strings()
    head = pb.Profile()
    for vt in profile.sample_types:
        head.sample_type.add(type=strings(vt.type), unit=strings(vt.unit))
    msg = pb.Profile()
    last = len(profile.sample_types) - 1
    default = min(max(profile.default_type, 0), last)
    if default != last:  # pprof's default is the last type: say so only otherwise
        msg.default_sample_type = strings(profile.sample_types[default].type)
    stack_ids, label_ids, value_rows = _aggregate(profile) if aggregate else _each(profile)
    stacks = profile.stacks
    sids = list(dict.fromkeys(stack_ids))
    used = dict.fromkeys(chain.from_iterable(reversed(stacks[sid]) for sid in sids))
    locations = LocationWriter(msg, strings, profile.frames, profile.metadata)
    locations.add_mappings(used)
    if locations.grouped:  # inlined frames: regroup each stack's frames into their locations
        stack_locs = _packed(sids, (locations.stack(stacks[sid]) for sid in sids))
    else:  # one location per frame, ids in first-use order, stacks mapped in C
        location_of = {fid: locations.location((fid,)) for fid in used}.__getitem__
        stack_locs = _packed(sids, (list(map(location_of, reversed(stacks[sid]))) for sid in sids))
    label_msgs = {lid: _label_messages(profile.labelsets[lid], strings) for lid in dict.fromkeys(label_ids)}

    if profile.period_type is not None:
        msg.period_type.type = strings(profile.period_type.type)
        msg.period_type.unit = strings(profile.period_type.unit)
    msg.period = profile.period
    meta = profile.metadata
    msg.duration_nanos = _int_meta(meta, "duration_ns")
    msg.time_nanos = _int_meta(meta, "start_ns")
    for key in ("drop_frames", "keep_frames"):
        if isinstance(meta.get(key), str):
            setattr(msg, key, strings(meta[key]))
    msg.comment.extend(strings(c) for c in _comment_lines(meta))
    msg.string_table.extend(strings.table)  # every string is interned by now
    samples = ((stack_locs[sid], values, label_msgs[lid]) for sid, lid, values in zip(stack_ids, label_ids, value_rows))
    return head, msg, samples


def _packed(sids: list[int], location_lists: Iterable[list[int]]) -> dict[int, bytes]:
    """Each stack's leaf-first location ids as the packed bytes of ``Sample.location_id``,
    serialised by the protobuf runtime in one message and read back through ``LazySample``."""
    batch = pb.Profile()
    add_sample = batch.sample.add
    for locs in location_lists:
        add_sample(location_id=locs)
    lazy = pb.LazyProfile.FromString(batch.SerializeToString())
    return dict(zip(sids, map(attrgetter("location_id"), lazy.sample)))


def _label_messages(labelset: Any, strings: _Strings) -> list[bytes]:
    """A label set as serialised ``Label``s: strings first, then numbers, each by key (pprof's order)."""
    text = [pb.Label(key=strings(k), str=strings(v)) for k, v in labelset if isinstance(v, str)]
    numbers = [
        pb.Label(key=strings(k), num=v.value, num_unit=strings(v.unit) if v.unit else 0)
        for k, v in labelset
        if isinstance(v, NumLabel)
    ]
    return [label.SerializeToString() for label in text + numbers]


def write(profile: Profile, *, compress: bool = True, aggregate: bool = True) -> bytes:
    """Serialised profile.proto, gzipped unless ``compress=False``; one Sample per distinct
    stack and label set unless ``aggregate=False``.  Gzip at level 1, as Go's runtime/pprof."""
    data = serialize(profile, aggregate=aggregate)
    return gzip.compress(data, compresslevel=1, mtime=0) if compress else data
