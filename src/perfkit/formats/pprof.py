"""pprof's ``profile.proto`` (gzipped): the format ``go tool pprof`` and most profilers share.

Writing aggregates samples with the same stack and labels (pprof files carry no sample order)
and reverses root-first stacks into pprof's leaf-first order.  Mappings, addresses, inlined
``Line`` lists, start lines, system names and numeric labels (with units) are kept both ways
(see :mod:`~perfkit.formats.pprof_locations`).  Reading applies the file's ``drop_frames`` /
``keep_frames`` as pprof does (:mod:`~perfkit.formats.pprof_prune`) and checks every index, so a
damaged file fails with a ValueError saying what is wrong instead of some other exception deep in
the code.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, repeat
from operator import add, attrgetter, mul
from pathlib import Path
from typing import TYPE_CHECKING, Any

from google.protobuf.message import DecodeError

from perfkit.errors import PerfkitError
from perfkit.formats import pprof_schema as pb
from perfkit.formats.pprof_legacy import conversion_hint, legacy_kind
from perfkit.formats.pprof_locations import LocationWriter, read_locations
from perfkit.formats.pprof_sniff import looks_like_profile
from perfkit.model import NumLabel, Profile, ValueType, command_text

if TYPE_CHECKING:
    from perfkit.formats.pprof_prune import Pruner

NAME = "pprof"

GZIP_MAGIC = b"\x1f\x8b"
#: metadata keys stored in dedicated profile.proto fields rather than in comments
_FIELD_KEYS = {"duration_ns", "start_ns", "drop_frames", "keep_frames", "format", "comments"}
#: leaf-first location ids -> root-first frame ids
_StackFn = Callable[[Sequence[int]], tuple[int, ...]]
_COMMENT = re.compile(r"^([A-Za-z_][\w.-]*)=(.*)$", re.DOTALL)


# ---------------------------------------------------------------------------------------- sniff
def sniff(head: bytes) -> bool:
    """Gzip magic, the start of a raw profile.proto message (what ``zcat`` of a .pb.gz gives), or a
    legacy format pprof reads (so that reading it says how to convert it)."""
    if head[:2] == GZIP_MAGIC:
        return True
    return looks_like_profile(head) or legacy_kind(head) is not None


# ---------------------------------------------------------------------------------------- write
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
        if key in _FIELD_KEYS or not _COMMENT.match(f"{key}="):
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
    """The parsed message, as a ``LazyProfile`` when that fast view understood every byte.

    The fast view reads packed location ids and labels as raw bytes (see pprof_schema). Files it
    does not fully understand (unpacked short stacks as Go writes them, unknown fields,
    non-canonical encodings) are read with the plain schema instead: slower, same result.
    """
    lazy = _parse(pb.LazyProfile(), data)
    lazy.DiscardUnknownFields()
    if lazy.ByteSize() == len(data):
        return lazy
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

    read_samples = _read_lazy_samples if isinstance(msg, pb.LazyProfile) else _read_samples
    read_samples(msg, profile, make_stack, string)
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
        m = _COMMENT.match(text)
        if m and m.group(1) not in _FIELD_KEYS:
            meta[m.group(1)] = m.group(2)
        else:
            plain.append(text)
    if plain:
        meta["comments"] = plain
    return meta
