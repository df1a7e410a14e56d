"""The column reader of pprof Samples (perfkit.formats.pprof_samples) against the protobuf runtime.

Samples are encoded every way profile.proto allows (packed or unpacked values, labels, repeats,
empty stacks, negative and 64-bit values); whatever the column reader accepts must decode to
exactly what the plain schema gives, and what it declines must still read through the fallback.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit.formats import pprof, pprof_samples
from perfkit.formats import pprof_schema as pb


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _sample(locs: list[int], values: list[int], labels: list[bytes], packed_values: bool) -> bytes:
    out = _field(1, b"".join(map(_varint, locs))) if locs else b""
    if packed_values:
        out += _field(2, b"".join(map(_varint, values)))
    else:
        out += b"".join(_varint(2 << 3) + _varint(v) for v in values)
    return out + b"".join(_field(3, label) for label in labels)


def _profile(samples: list[bytes], width: int) -> bytes:
    """A profile of 3 functions and locations, ``width`` sample types, and these raw samples."""
    msg = pb.Profile(string_table=["", "samples", "count", "f", "g", "h", "thread", "a", "b", "bytes"])
    for _ in range(width):
        msg.sample_type.add(type=1, unit=2)
    for i in range(1, 4):
        msg.function.add(id=i, name=2 + i)
        msg.location.add(id=i, line=[pb.Line(function_id=i, line=i)])
    head = msg.SerializeToString()
    return head + b"".join(_field(2, s) for s in samples)


LABELS = [
    pb.Label(key=6, str=7).SerializeToString(),
    pb.Label(key=6, str=8).SerializeToString(),
    pb.Label(key=9, num=4096, num_unit=9).SerializeToString(),
]
VALUES = st.one_of(st.integers(-3, 3), st.integers(-(2**63), 2**63 - 1))


@st.composite
def sample_sets(draw: st.DrawFn) -> tuple[list[bytes], int]:
    width = draw(st.integers(1, 3))
    packed = draw(st.booleans())
    pool = [
        _sample(
            draw(st.lists(st.integers(1, 3), max_size=6)),
            draw(st.lists(VALUES, min_size=width, max_size=width)),
            draw(st.lists(st.sampled_from(LABELS), max_size=3)),
            draw(st.booleans()) if draw(st.booleans()) else packed,
        )
        for _ in range(draw(st.integers(1, 5)))
    ]
    # repeats: files written one Sample per event repeat samples byte for byte
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5000 if draw(st.booleans()) else 20)), width


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(sample_sets())
def test_columns_decode_what_the_protobuf_runtime_decodes(case: tuple[list[bytes], int]) -> None:
    samples, width = case
    data = _profile(samples, width)
    columns = pprof_samples.read_columns(list(pb.RawProfile.FromString(data).sample), width)
    assert len(columns.stack_of) == len(columns.label_set_of) == len(columns.values) == len(samples)
    fast = pprof._to_profile(pprof._message(data))
    plain = pprof._to_profile(pprof._parse(pb.Profile(), data))
    assert list(fast.samples()) == list(plain.samples())
    assert fast.stacks == plain.stacks and fast.labelsets == plain.labelsets


@pytest.mark.parametrize(
    ("sample", "why"),
    [
        (_sample([1], [5], [], True) + _varint(1 << 3) + _varint(2), "unpacked location ids"),
        (_sample([1], [5, 6], [], True), "two values, one sample type"),
        (_sample([1], [5], [LABELS[0]], True) + _field(1, _varint(2)), "location ids twice"),
        (_field(3, LABELS[0]) + _sample([1], [5], [LABELS[1]], True), "labels apart"),
        (_sample([1], [5], [], True) + _varint(7 << 3) + _varint(1), "an unknown field"),
        (_sample([1], [5], [], True) + bytes([0x12, 0x05, 0x01]), "a field past its sample"),
        (_sample([1], [5], [], True) + bytes([0x10] + [0xFF] * 11), "an eleven-byte varint"),
    ],
)
def test_unusual_samples_go_to_the_protobuf_runtime(sample: bytes, why: str) -> None:
    data = _profile([_sample([2, 3], [7], [LABELS[2]], True), sample], 1)
    with pytest.raises(pprof_samples.Unusual):
        pprof_samples.read_columns(list(pb.RawProfile.FromString(data).sample), 1)
    try:
        plain = pprof._to_profile(pprof._parse(pb.Profile(), data))
    except ValueError:
        with pytest.raises(ValueError):
            pprof.decode(data)
        return
    fast = pprof.decode(data)
    assert list(fast.samples()) == list(plain.samples()), why


def test_group_bytes_keeps_first_seen_order_and_survives_equal_hashes() -> None:
    items = [b"b", b"a", b"b", b"", b"a"]
    distinct, index = pprof_samples.group_bytes(items)
    assert distinct == [b"b", b"a", b""] and index.tolist() == [0, 1, 0, 2, 1]

    class Colliding(bytes):
        def __hash__(self) -> int:
            return 7

    items = [Colliding(b"x"), Colliding(b"y"), Colliding(b"x")]
    distinct, index = pprof_samples.group_bytes(items)
    assert distinct == [b"x", b"y"] and index.tolist() == [0, 1, 0]
