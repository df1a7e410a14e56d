"""pprof's ``profile.proto`` (gzipped): the format ``go tool pprof`` and most profilers share.

This module reads (and sniffs); writing is :mod:`~perfkit.formats.pprof_write` (aggregating
samples with the same stack and labels, reversing root-first stacks into pprof's leaf-first
order), whose ``write``/``serialize``/``encode`` are re-exported here, so the codec stays one
module to its callers.  Mappings, addresses, inlined ``Line`` lists, start lines, system names
and numeric labels (with units) are kept both ways (see :mod:`~perfkit.formats.pprof_locations`).
Reading applies the file's ``drop_frames`` / ``keep_frames`` as pprof does
(:mod:`~perfkit.formats.pprof_prune`) and checks every index, so a damaged file fails with a
ValueError saying what is wrong instead of some other exception deep in the code.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from google.protobuf.message import DecodeError

from perfkit.errors import PerfkitError
from perfkit.formats import pprof_schema as pb
from perfkit.formats.pprof_legacy import conversion_hint, legacy_kind
from perfkit.formats.pprof_locations import read_locations
from perfkit.formats.pprof_sniff import looks_like_profile
from perfkit.formats.pprof_write import COMMENT, FIELD_KEYS, encode, serialize, write
from perfkit.model import NumLabel, Profile, ValueType

if TYPE_CHECKING:
    from perfkit.formats.pprof_prune import Pruner

NAME = "pprof"
#: writing lives in perfkit.formats.pprof_write; these names stay importable from here
__all__ = ["NAME", "LegacyFormatError", "decode", "encode", "read", "serialize", "sniff", "write"]

GZIP_MAGIC = b"\x1f\x8b"
#: leaf-first location ids -> root-first frame ids
_StackFn = Callable[[Sequence[int]], tuple[int, ...]]


# ---------------------------------------------------------------------------------------- sniff
def sniff(head: bytes) -> bool:
    """Gzip magic, the start of a raw profile.proto message (what ``zcat`` of a .pb.gz gives), or a
    legacy format pprof reads (so that reading it says how to convert it)."""
    if head[:2] == GZIP_MAGIC:
        return True
    return looks_like_profile(head) or legacy_kind(head) is not None


# ---------------------------------------------------------------------------------------- read
def read(path: Path) -> Profile:
    """Read a gzipped or raw profile.proto file; a legacy format is one line saying how to convert it."""
    try:
        return decode(Path(path).read_bytes())
    except LegacyFormatError as exc:
        raise PerfkitError(conversion_hint(path, exc.kind)) from None


class LegacyFormatError(ValueError):
    """The data is a legacy profile format (see :mod:`~perfkit.formats.pprof_legacy`)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind}; convert it with go tool pprof -proto")
        self.kind = kind


def decode(data: bytes, *, all_frames: bool = False) -> Profile:
    """Parse profile.proto bytes (gzipped or raw) into a Profile; ValueError when damaged.
    The file's drop_frames/keep_frames are applied unless ``all_frames`` (pprof's -all_frames)."""
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"damaged gzip data: {exc}") from None
    head = data[:4096]
    try:
        msg = _message(data)
        del data  # the parsed message holds its own copy: free the bytes before building the model
        try:
            return _to_profile(msg, all_frames=all_frames)
        except DecodeError as exc:  # a damaged packed stack or label, met on the fast path
            raise ValueError(f"damaged sample: {exc or 'parse error'}") from None
    except ValueError:
        kind = legacy_kind(head)  # asked only when the bytes are no profile.proto: free for those
        if kind is not None:
            raise LegacyFormatError(kind) from None
        raise


def _message(data: bytes) -> Any:
    """The parsed message, as a ``RawProfile`` (each Sample as its bytes, see
    :func:`_read_raw_samples`) when that view understood every byte.

    Files it does not (unknown fields, non-canonical encodings) are read with the plain schema
    instead: slower, same result.
    """
    raw = _parse(pb.RawProfile(), data)
    raw.DiscardUnknownFields()
    if raw.ByteSize() == len(data):
        return raw
    return _parse(pb.Profile(), data)


def _parse(msg: Any, data: bytes) -> Any:
    try:
        msg.ParseFromString(data)
    except (DecodeError, RuntimeError) as exc:
        raise ValueError(f"not a profile.proto message: {exc or 'parse error'}") from None
    return msg


def _to_profile(msg: Any, *, all_frames: bool = False) -> Profile:
    table = list(msg.string_table)
    if table and table[0] != "":
        raise ValueError("string_table[0] must be the empty string")
    size = len(table)

    def string(index: int, what: str) -> str:
        if not 0 <= index < size:
            raise ValueError(f"{what} refers to string {index}, the string table has {size}")
        return table[index]

    if not msg.sample_type:
        raise ValueError("no sample_type: every pprof profile names what its values measure")
    types = [ValueType(string(vt.type, "sample_type"), string(vt.unit, "sample_type")) for vt in msg.sample_type]
    default = len(types) - 1  # pprof picks the last type when default_sample_type is unset
    if msg.default_sample_type:
        want = string(msg.default_sample_type, "default_sample_type")
        default = next((i for i, vt in enumerate(types) if vt.type == want), default)
    period_type = None
    if msg.HasField("period_type"):
        period_type = ValueType(
            string(msg.period_type.type, "period_type"), string(msg.period_type.unit, "period_type")
        )
    metadata = _metadata(msg, string)
    profile = Profile(types, default_type=default, period=msg.period, period_type=period_type, metadata=metadata)

    prune = bool(metadata.get("drop_frames")) and not all_frames
    frames, names = read_locations(msg, string, metadata, names=prune)
    pruner = _pruner(profile.metadata, names) if prune else None
    frame_id = profile.frame_id
    location_frames: dict[int, tuple[int, ...]] = {}
    for loc, loc_frames in frames.items():
        ids = (frame_id(loc_frames[0]),) if len(loc_frames) == 1 else tuple(map(frame_id, loc_frames))
        location_frames[loc] = pruner.frames(loc, ids) if pruner is not None else ids
    make_stack = _stack_builder(location_frames)
    if pruner is not None:
        unpruned, keep = make_stack, pruner.stack

        def make_stack(locs: Sequence[int]) -> tuple[int, ...]:
            return unpruned(keep(locs))

    if isinstance(msg, pb.RawProfile):
        _read_raw_samples(msg, profile, make_stack, string)
    else:
        _read_samples(msg, profile, make_stack, string)
    return profile


def _pruner(metadata: dict[str, Any], names: dict[int, list[str]]) -> Pruner | None:
    """pprof's drop_frames/keep_frames rule for this file, or None when it drops nothing."""
    from perfkit.formats.pprof_prune import Pruner, compile_frames_regex  # only files that ask for it

    drop_text = metadata.get("drop_frames")
    if not drop_text:
        return None
    drop = compile_frames_regex(drop_text)
    keep_text = metadata.get("keep_frames")
    keep = compile_frames_regex(keep_text) if keep_text else None
    if drop is None or (keep_text and keep is None):
        metadata.setdefault("warnings", []).append(
            "the profile's drop_frames/keep_frames is not a regular expression Python reads; all frames were kept"
        )
        return None
    pruner = Pruner(drop, keep, names)
    return pruner if pruner.active else None


def _read_samples(
    msg: Any, profile: Profile, make_stack: Callable[[Sequence[int]], tuple[int, ...]], string: Any
) -> None:
    """Fill the profile's columns; stacks and label sets are interned once per distinct value."""
    stack_cache: dict[tuple[int, ...], int] = {}
    label_cache: dict[tuple[tuple[int, int, int, int], ...], int] = {}
    append_stack = profile.sample_stack.append
    append_label = profile.sample_labels.append
    columns = [col.append for col in profile.values]
    width = len(columns)
    stack_id, labelset_id = profile.stack_id, profile.labelset_id
    for sample in msg.sample:
        locs = tuple(sample.location_id)
        sid = stack_cache.get(locs)
        if sid is None:
            sid = stack_cache[locs] = stack_id(make_stack(locs))
        values = sample.value
        if len(values) != width:
            raise ValueError(f"a sample has {len(values)} values, the profile has {width} sample types")
        lid = 0
        if sample.label:
            key = tuple((lb.key, lb.str, lb.num, lb.num_unit) for lb in sample.label)
            found = label_cache.get(key)
            if found is None:
                found = label_cache[key] = labelset_id(_labels(key, string))
            lid = found
        append_stack(sid)
        append_label(lid)
        for append, value in zip(columns, values):
            append(value)


def _read_raw_samples(
    msg: Any, profile: Profile, make_stack: Callable[[Sequence[int]], tuple[int, ...]], string: Any
) -> None:
    """Fill the profile's columns from samples given as raw bytes, a column at a time
    (:mod:`~perfkit.formats.pprof_samples`): each distinct stack and label set is decoded once.
    Samples laid out otherwise go through the protobuf runtime, a message at a time."""
    from perfkit.formats import pprof_samples  # numpy: only for files that have samples

    blobs = list(msg.sample)
    width = len(profile.values)
    try:
        columns = pprof_samples.read_columns(blobs, width) if blobs else None
    except pprof_samples.Unusual:
        columns = None
    if columns is None:
        framed = b"".join(chain.from_iterable((_SAMPLE_TAG + _varint(len(blob)), blob) for blob in blobs))
        lazy = _parse(pb.LazyProfile(), framed)
        lazy.DiscardUnknownFields()
        if lazy.ByteSize() == len(framed):
            _read_lazy_samples(lazy, profile, make_stack, string)
        else:  # unpacked short stacks as Go writes them, or other encodings the fast view skips
            _read_samples(_parse(pb.Profile(), framed), profile, make_stack, string)
        return
    import numpy as np

    stack_id, labelset_id = profile.stack_id, profile.labelset_id
    stacks = np.zeros(len(columns.stacks), np.int64)
    for i, locs in enumerate(_location_lists(columns.stacks)):
        stacks[i] = stack_id(make_stack(locs))
    label_sets = np.zeros(len(columns.label_sets), np.int64)
    for i, blob in enumerate(columns.label_sets):
        decoded = [pb.Label.FromString(raw) for raw in pb.LazySample.FromString(blob).label]
        if decoded:
            fields = tuple((lb.key, lb.str, lb.num, lb.num_unit) for lb in decoded)
            label_sets[i] = labelset_id(_labels(fields, string))
    profile.sample_stack.frombytes(stacks[columns.stack_of].tobytes())
    profile.sample_labels.frombytes(label_sets[columns.label_set_of].tobytes())
    for i, column in enumerate(profile.values):
        column.frombytes(np.ascontiguousarray(columns.values[:, i]).tobytes())


def _location_lists(blobs: list[bytes]) -> Iterator[Sequence[int]]:
    """The location ids packed in each blob, decoded by the protobuf runtime in one go: the blobs
    joined are one packed field, cut back apart where each blob's varints end."""
    import numpy as np

    joined = b"".join(blobs)
    ends = np.cumsum(np.fromiter(map(len, blobs), np.int64, len(blobs)))
    last = np.frombuffer(joined, np.uint8)[ends[ends > 0] - 1] if joined else np.zeros(0, np.uint8)
    if (last >= 0x80).any():  # a blob ends inside a varint: let each fail (or not) on its own
        for blob in blobs:
            yield pb.Sample.FromString(pb.PackedIds(raw=blob).SerializeToString()).location_id
        return
    ids = list(pb.Sample.FromString(pb.PackedIds(raw=joined).SerializeToString()).location_id)
    ended = np.concatenate(([0], np.cumsum(np.frombuffer(joined, np.uint8) < 0x80)))[ends].tolist()
    start = 0
    for end in ended:
        yield ids[start:end]
        start = end


_SAMPLE_TAG = bytes([2 << 3 | 2])  # Profile.sample: field 2, length-delimited


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_lazy_samples(
    msg: Any, profile: Profile, make_stack: Callable[[Sequence[int]], tuple[int, ...]], string: Any
) -> None:
    """Like :func:`_read_samples` over ``LazySample``: location ids and labels are decoded once
    per distinct byte string, values gathered into one flat array and split into columns."""
    stack_cache: dict[bytes, int] = {}
    label_cache: dict[tuple[bytes, ...], int] = {}
    stacks: list[int] = []
    labels: list[int] = []
    flat: list[int] = []  # list.extend takes a upb repeated field faster than array.extend does
    add_stack, add_label, add_values = stacks.append, labels.append, flat.extend
    width = len(profile.values)
    stack_id, labelset_id = profile.stack_id, profile.labelset_id
    for sample in msg.sample:
        blob = sample.location_id
        sid = stack_cache.get(blob)
        if sid is None:
            locs = pb.Sample.FromString(pb.PackedIds(raw=blob).SerializeToString()).location_id
            sid = stack_cache[blob] = stack_id(make_stack(locs))
        values = sample.value
        if len(values) != width:
            raise ValueError(f"a sample has {len(values)} values, the profile has {width} sample types")
        add_values(values)
        add_stack(sid)
        raw_labels = sample.label
        if raw_labels:
            key = tuple(raw_labels)
            lid = label_cache.get(key)
            if lid is None:
                decoded = [pb.Label.FromString(raw) for raw in key]
                fields = tuple((lb.key, lb.str, lb.num, lb.num_unit) for lb in decoded)
                lid = label_cache[key] = labelset_id(_labels(fields, string))
            add_label(lid)
        else:
            add_label(0)
    profile.sample_stack.extend(stacks)
    profile.sample_labels.extend(labels)
    for i, column in enumerate(profile.values):
        column.extend(flat[i::width] if width > 1 else flat)


def _stack_builder(location_frames: dict[int, tuple[int, ...]]) -> _StackFn:
    """A function turning leaf-first location ids into a root-first frame-id tuple."""
    if all(len(frames) == 1 for frames in location_frames.values()):  # no inlining: map in C
        get = {loc: frames[0] for loc, frames in location_frames.items()}.__getitem__

        def simple(locs: Sequence[int]) -> tuple[int, ...]:
            try:
                return tuple(map(get, reversed(locs)))
            except KeyError as exc:
                raise ValueError(f"a sample refers to missing location {exc.args[0]}") from None

        return simple

    def expanding(locs: Sequence[int]) -> tuple[int, ...]:
        stack: list[int] = []
        for loc in reversed(locs):  # pprof lists the leaf first
            frames = location_frames.get(loc)
            if frames is None:
                raise ValueError(f"a sample refers to missing location {loc}")
            stack.extend(frames)
        return tuple(stack)

    return expanding


def _labels(key: tuple[tuple[int, int, int, int], ...], string: Any) -> list[tuple[str, str | NumLabel]]:
    """String labels, and numeric labels with their units; a label with neither is dropped, as pprof does."""
    out: list[tuple[str, str | NumLabel]] = []
    for k, s, num, unit in key:
        name = string(k, "label key")
        if s:
            out.append((name, string(s, "label value")))
        elif num or unit:
            out.append((name, NumLabel(num, string(unit, "label unit"))))
    return out


def _metadata(msg: Any, string: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"format": NAME}
    if msg.duration_nanos:
        meta["duration_ns"] = msg.duration_nanos
    if msg.time_nanos:
        meta["start_ns"] = msg.time_nanos
    for key in ("drop_frames", "keep_frames"):
        if getattr(msg, key):
            meta[key] = string(getattr(msg, key), key)
    plain = []
    for index in msg.comment:
        text = string(index, "comment")
        m = COMMENT.match(text)
        if m and m.group(1) not in FIELD_KEYS:
            meta[m.group(1)] = m.group(2)
        else:
            plain.append(text)
    if plain:
        meta["comments"] = plain
    return meta
