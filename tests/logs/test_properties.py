"""Property tests with corrupt input for every reader: sources (gzip), line sorting, the CLF,
JSON and logfmt parsers, field detection and timestamps.  None may raise; every non-blank line
is either a record or counted as not understood; good lines among bad ones are still read."""

from __future__ import annotations

import gzip
import io
import json
import random

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.logs import loggen

from perfkit.logs import records
from perfkit.logs.fields import detect_fields
from perfkit.logs.reader import LogReader
from perfkit.logs.sources import Source, read_blocks
from perfkit.logs.timeparse import to_epoch_seconds

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOOD = list(loggen.requests(40, seed=2))
JSON_LINES = [loggen.json_line(r) for r in GOOD]
CLF_LINES = [loggen.combined_line(r) for r in GOOD]
LOGFMT_LINES = [
    f'time={r.when.isoformat()} level=info method={r.method} path="{r.path}" status={r.status} duration={r.seconds}s\n'
    for r in GOOD
]
junk = st.one_of(
    st.binary(max_size=80).map(lambda b: b.replace(b"\n", b" ").decode("latin-1")),
    st.text(max_size=80).map(lambda t: t.replace("\n", " ").replace("\r", " ")),
    st.sampled_from(['{"a":', "{}", "[1,2]", '{"status": "x"}', "a=b", '"quoted', "- - [", "{" * 50, "null"]),
)


def _read(data: bytes, name: str = "-", block_size: int = 4096) -> tuple[LogReader, int]:
    reader = LogReader()
    source = Source(name)
    reader.sources.append(source)
    rows = 0
    for block in read_blocks(source, block_size=block_size, stdin=io.BytesIO(data)):
        frame = reader.parse_block(block)
        rows += 0 if frame is None else len(frame)
    return reader, rows


def _mutate(lines: list[str], data: st.DataObject) -> tuple[list[str], int]:
    """Replace some lines with junk or cut them short; returns (lines, how many stay intact)."""
    out, intact = [], 0
    for line in lines:
        action = data.draw(st.sampled_from(["keep", "keep", "keep", "junk", "cut"]))
        if action == "keep":
            out.append(line)
            intact += 1
        elif action == "junk":
            out.append(data.draw(junk) + "\n")
        else:
            out.append(line[: data.draw(st.integers(0, max(0, len(line) - 2)))] + "\n")
    return out, intact


def _blank(line: str) -> bool:
    """Blank as Unicode defines white space (Python's str.strip also strips \\x1c-\\x1f)."""
    return not line.strip() and not any(c in "\x1c\x1d\x1e\x1f" for c in line)


def _check(lines: list[str], intact: int, data_bytes: bytes) -> None:
    reader, rows = _read(data_bytes)
    nonblank = sum(1 for line in lines if not _blank(line))
    assert rows + reader.bad_count == nonblank  # every line is a record or reported, none vanishes
    assert rows >= intact * 0.9  # good lines next to bad ones are still read (a junk line may pass as a record)


@SETTINGS
@given(st.data())
def test_json_reader_with_corrupt_lines(data: st.DataObject) -> None:
    lines, intact = _mutate(JSON_LINES, data)
    _check(lines, intact, "".join(lines).encode("utf-8", "surrogateescape"))


@SETTINGS
@given(st.data())
def test_clf_reader_with_corrupt_lines(data: st.DataObject) -> None:
    lines, intact = _mutate(CLF_LINES, data)
    _check(lines, intact, "".join(lines).encode())


@SETTINGS
@given(st.data())
def test_logfmt_reader_with_corrupt_lines(data: st.DataObject) -> None:
    lines, intact = _mutate(LOGFMT_LINES, data)
    _check(lines, intact, "".join(lines).encode())


@SETTINGS
@given(st.binary(max_size=3000))
def test_any_bytes(data: bytes) -> None:
    reader, rows = _read(data)
    assert rows >= 0 and reader.bad_count >= 0


@SETTINGS
@given(st.data())
def test_gzip_cut_or_damaged_anywhere(data: st.DataObject) -> None:
    raw = "".join(CLF_LINES).encode()
    packed = bytearray(gzip.compress(raw))
    cut = data.draw(st.integers(0, len(packed)))
    packed = packed[:cut]
    if packed and data.draw(st.booleans()):
        i = data.draw(st.integers(0, len(packed) - 1))
        packed[i] ^= data.draw(st.integers(1, 255))
    reader, rows = _read(bytes(packed))
    assert rows <= len(CLF_LINES) + reader.bad_count
    if cut == len(gzip.compress(raw)) and reader.sources[0].warnings == []:
        assert rows == len(CLF_LINES)


@SETTINGS
@given(
    st.lists(
        st.dictionaries(
            st.text(max_size=12),
            st.one_of(
                st.none(),
                st.integers(),
                st.floats(),
                st.text(max_size=20),
                st.booleans(),
                st.lists(st.integers(), max_size=2),
            ),
            max_size=8,
        ),
        max_size=30,
    )
)
def test_field_detection_never_fails(samples: list[dict]) -> None:
    fields = detect_fields(samples)
    assert all(d.unit in (None, "s", "ms", "us", "ns") for d in fields.durations)
    lines = [json.dumps(s) for s in samples]
    reader, rows = _read("\n".join(lines).encode() + b"\n")
    assert rows + reader.bad_count == sum(1 for line in lines if not _blank(line))


@SETTINGS
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=40),
            st.from_regex(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:?\d\d)?", fullmatch=True),
            st.from_regex(r"\[?\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]?", fullmatch=True),
        ),
        max_size=30,
    )
)
def test_timestamps_never_fail(values: list[str | None]) -> None:
    out = to_epoch_seconds(pl.Series(values, dtype=pl.String))
    assert len(out) == len(values) and out.dtype == pl.Float64


def test_timestamps_agree_with_datetime() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    rng = random.Random(5)
    values, want = [], []
    for _ in range(500):
        when = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(10**9), microseconds=rng.randrange(10**6)
        )
        offset = timezone(timedelta(minutes=rng.choice([0, 60, -330, 600])))
        local = when.astimezone(offset)
        values += [local.isoformat(), local.strftime("%d/%b/%Y:%H:%M:%S %z")]
        want += [when.timestamp(), when.replace(microsecond=0).timestamp()]
    got = to_epoch_seconds(pl.Series(values)).to_list()
    assert all(abs(g - w) < 1e-6 for g, w in zip(got, want))


@SETTINGS
@given(st.text(max_size=200))
def test_logfmt_record_never_fails(line: str) -> None:
    record = records.logfmt_record(line)
    assert record is None or all(isinstance(k, str) for k in record)


_DIGIT_RUNS = st.tuples(
    st.integers(0, 9999),
    st.integers(0, 19),
    st.integers(0, 39),
    st.integers(0, 29),
    st.integers(0, 69),
    st.integers(0, 69),
    st.text("0123456789", min_size=1, max_size=7),
    st.sampled_from(["Z", "+00:00", "-05:30", "+14:00", "+02", "+0200", "z", " Z"]),
)


@SETTINGS
@given(st.lists(_DIGIT_RUNS, min_size=1, max_size=30))
def test_fixed_rfc3339_path_equals_polars_parser(parts: list[tuple]) -> None:
    """The fixed-width reading of RFC 3339 gives the parser's number, or leaves the value to it
    (month 13, hour 24, a leap second, seven digits, an offset without a colon)."""
    from perfkit.logs.timeparse import _rfc3339, _rfc3339_parsed

    values = [f"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac}{zone}" for y, mo, d, h, mi, s, frac, zone in parts]
    text = pl.Series(values, dtype=pl.String)
    assert _rfc3339(text).to_list() == _rfc3339_parsed(text).to_list()


@SETTINGS
@given(st.lists(st.integers(0, 9000), min_size=1, max_size=12), st.sampled_from([64, 700, 4096]), st.booleans())
def test_blocks_keep_every_line_and_its_number(lengths: list[int], block_size: int, end_newline: bool) -> None:
    """Blocks hold whole lines, in order, numbered from 1, whatever the line lengths against the
    block and read sizes (lines longer than a block wait for their end)."""
    lines = [f"{i}:".encode() + b"x" * n for i, n in enumerate(lengths)]
    data = b"\n".join(lines) + (b"\n" if end_newline else b"")
    source = Source("-")
    blocks = list(read_blocks(source, block_size=block_size, stdin=io.BytesIO(data)))
    got = [line for block in blocks for line in block.data.split(b"\n")[:-1]]
    assert got == lines and all(block.data.endswith(b"\n") for block in blocks)
    assert [block.first_line for block in blocks] == [
        1 + sum(b.data.count(b"\n") for b in blocks[:i]) for i in range(len(blocks))
    ]
    assert source.lines == len(lines)
