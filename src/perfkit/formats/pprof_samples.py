"""profile.proto's Samples decoded a column at a time (numpy) instead of a message at a time.

A Sample is packed location ids, values and labels.  Through the protobuf runtime each one costs
microseconds (a Python object per message and per repeated field): seconds for a file written
one Sample per event.  Here the samples' raw bytes (``RawProfile`` gives them as a list) are
walked field by field for all samples at once, tags and varints read as arrays; values are
decoded in one pass, and each sample's location and label bytes are cut out as byte strings, so
only the distinct stacks and label sets (thousands, not a million) are decoded as messages.

Only the usual layout is read here: location ids packed in one field, values packed or one field
each, labels side by side.  Anything else (unpacked location ids, an unknown field, a damaged
varint) raises :class:`Unusual`, and the caller reads the file through the protobuf runtime,
which also says what is wrong with a damaged one.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import eq

import numpy as np

__all__ = ["SampleColumns", "Unusual", "group_bytes", "read_columns"]

_LOCATIONS, _VALUES, _LABELS = 1, 2, 3
_VARINT, _BYTES = 0, 2
_I64 = np.int64
#: samples looked at to tell whether a file repeats whole samples
_PROBE = 4096
_U64 = np.uint64


class Unusual(Exception):
    """The samples are laid out (or damaged) in a way only the protobuf runtime reads."""


@dataclass
class SampleColumns:
    """The samples as columns: the distinct packed location-id strings (``b""``: no location) and
    each sample's index among them; the distinct label strings (a sample's Label fields side by
    side, ``b""``: no label) and each sample's index; each sample's ``width`` values as a row."""

    stacks: list[bytes]
    stack_of: np.ndarray
    label_sets: list[bytes]
    label_set_of: np.ndarray
    values: np.ndarray


def read_columns(blobs: list[bytes], width: int) -> SampleColumns:
    """Decode serialised Samples (each one's bytes) that should carry ``width`` values each.

    A file written one Sample per event repeats whole samples byte for byte (same stack, labels
    and value): those are grouped first, and only the distinct ones walked.  An aggregated file
    (its first samples all differ) skips the grouping."""
    head = blobs[:_PROBE]
    if len(set(head)) < 0.9 * len(head):
        distinct, sample_of = group_bytes(blobs)
    else:
        distinct, sample_of = blobs, np.zeros(0, _I64)
    count = len(distinct)
    data = b"".join(distinct)
    sizes = np.fromiter(map(len, distinct), _I64, count)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    buffer = np.frombuffer(data + bytes(10), np.uint8)  # a varint read never runs off the end
    fields = _walk(buffer, starts, ends)
    values = _values(buffer, fields, count, width)
    stacks, stack_of = _group_ranges(data, fields.location_start, fields.location_end)
    label_sets, label_set_of = _group_ranges(data, fields.label_start, fields.label_end)
    if count == len(blobs):
        return SampleColumns(stacks, stack_of, label_sets, label_set_of, values)
    return SampleColumns(stacks, stack_of[sample_of], label_sets, label_set_of[sample_of], values[sample_of])


def _group_ranges(data: bytes, start: np.ndarray, end: np.ndarray) -> tuple[list[bytes], np.ndarray]:
    """The distinct strings ``data[start:end]`` in first-seen order (``b""`` for the ranges that
    are absent: start -1), and each range's index among them."""
    present = np.flatnonzero(start >= 0)
    cut = [data[a:b] for a, b in zip(start[present].tolist(), end[present].tolist())]
    distinct, found = group_bytes(cut)
    if present.size == start.size:
        return distinct, found
    index = np.zeros(start.size, _I64)  # 0: absent, 1 + i: distinct[i]
    index[present] = found + 1
    first = np.full(len(distinct) + 1, start.size, _I64)
    np.minimum.at(first, index, np.arange(start.size, dtype=_I64))
    used = np.flatnonzero(first < start.size)
    order = used[np.argsort(first[used])]
    renumber = np.zeros(len(distinct) + 1, _I64)
    renumber[order] = np.arange(order.size, dtype=_I64)
    every = [b"", *distinct]
    return [every[i] for i in order.tolist()], renumber[index]


def group_bytes(items: list[bytes]) -> tuple[list[bytes], np.ndarray]:
    """The distinct strings of ``items`` in first-seen order, and each item's index among them.

    Grouped by hash with numpy and then checked string by string (in C), which is several times
    faster than a dict on a million strings; a hash collision falls back to the dict."""
    count = len(items)
    hashes = np.fromiter(map(hash, items), _I64, count)
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    by_appearance = np.argsort(first)
    rank = np.empty(first.size, _I64)
    rank[by_appearance] = np.arange(first.size, dtype=_I64)
    index = rank[inverse.reshape(-1)]
    distinct = [items[i] for i in first[by_appearance].tolist()]
    if all(map(eq, items, map(distinct.__getitem__, index.tolist()))):
        return distinct, index
    position = dict.fromkeys(items)  # two strings with one hash: exact, slower
    position.update(zip(position, range(len(position))))
    return list(position), np.fromiter(map(position.__getitem__, items), _I64, count)


@dataclass
class _Fields:
    """Where each sample's fields are: -1 when it has none."""

    location_start: np.ndarray
    location_end: np.ndarray
    label_start: np.ndarray
    label_end: np.ndarray
    #: packed values: (sample, payload start, payload end) per field
    packed: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    #: unpacked values: (sample, value) per field, in field order
    scalars: list[tuple[np.ndarray, np.ndarray]]


def _walk(buffer: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> _Fields:
    """Read every sample's fields, one field of every sample per round."""
    count = starts.size
    fields = _Fields(
        np.full(count, -1, _I64), np.full(count, -1, _I64), np.full(count, -1, _I64), np.full(count, -1, _I64), [], []
    )
    cursor = starts.copy()
    active = np.flatnonzero(starts < ends)
    while active.size:
        at = cursor[active]
        tag, after_tag = _varints(buffer, at)
        number, wire = tag >> 3, tag & 7
        delimited = wire == _BYTES
        known = (delimited & ((number == _LOCATIONS) | (number == _VALUES) | (number == _LABELS))) | (
            (wire == _VARINT) & (number == _VALUES)
        )
        if not known.all():
            raise Unusual("a sample field this reader does not take")
        following = np.empty(active.size, _I64)
        size, payload = _varints(buffer, after_tag[delimited])
        if size.size and int(size.max()) > int(ends[-1]):
            raise Unusual("a field longer than the samples")
        payload_end = payload + size.astype(_I64)
        following[delimited] = payload_end
        scalar, after_scalar = _varints(buffer, after_tag[~delimited])
        following[~delimited] = after_scalar
        if (following > ends[active]).any():
            raise Unusual("a field runs past its sample")
        samples, number = active[delimited], number[delimited]
        _place(fields, samples, number, at[delimited], payload, payload_end)
        if scalar.size:
            fields.scalars.append((active[~delimited], scalar))
        cursor[active] = following
        active = active[following < ends[active]]
    return fields


def _place(
    fields: _Fields, samples: np.ndarray, number: np.ndarray, at: np.ndarray, payload: np.ndarray, end: np.ndarray
) -> None:
    """Note one round's length-delimited fields: locations (once), values, labels (side by side)."""
    here = number == _LOCATIONS
    which = samples[here]
    if (fields.location_start[which] >= 0).any():
        raise Unusual("location ids in more than one field")
    fields.location_start[which] = payload[here]
    fields.location_end[which] = end[here]
    here = number == _LABELS
    which = samples[here]
    seen = fields.label_start[which] >= 0
    if (fields.label_end[which][seen] != at[here][seen]).any():
        raise Unusual("labels apart from each other")
    fields.label_start[which[~seen]] = at[here][~seen]
    fields.label_end[which] = end[here]
    here = number == _VALUES
    if here.any():
        fields.packed.append((samples[here], payload[here], end[here]))


def _values(buffer: np.ndarray, fields: _Fields, count: int, width: int) -> np.ndarray:
    """Every sample's values as a (count, width) int64 array: each sample has one packed field of
    ``width`` varints (read ``width`` times, a varint of every sample at once), or ``width``
    unpacked ones."""
    values = np.zeros((count, width), _U64)
    filled = np.zeros(count, _I64)
    for samples, start, end in fields.packed:
        if (filled[samples] > 0).any():
            raise Unusual("values in more than one field")
        cursor = start
        for column in range(width):
            values[samples, column], cursor = _varints(buffer, cursor)
        if (cursor != end).any():
            raise Unusual("a sample with a different number of values")
        filled[samples] = width
    for samples, scalar in fields.scalars:
        column = filled[samples]
        if (column >= width).any():
            raise Unusual("a sample with more values than sample types")
        values[samples, column] = scalar
        filled[samples] += 1
    if (filled != width).any():
        raise Unusual("a sample with fewer values than sample types")
    return values.view(_I64)


def _varints(buffer: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The varint starting at each position (uint64), and the position after it."""
    value = np.zeros(at.size, _U64)
    length = np.zeros(at.size, _I64)
    going = np.ones(at.size, bool)
    for k in range(10):
        byte = buffer[at + k]
        value |= np.where(going, (byte & 0x7F).astype(_U64) << _U64(7 * k), _U64(0))
        length += going
        going &= byte >= 0x80
        if not going.any():
            return value, at + length
    raise Unusual("a varint longer than ten bytes")
