"""Blocks of log lines -> one table of requests (polars), whatever the format, line by line
format detection included.

Each line is sorted by shape: JSON (``{``), the Common/Combined Log Format, logfmt
(``key=value``), blank, or unrecognised.  A file mixing formats is analysed in all of them, and
said so.  The first lines of each format choose its fields (:mod:`perfkit.logs.fields`); every
later block reuses that choice, so a block costs a few vectorised passes and no Python per line
(except for logfmt, and for lines the fast paths refuse).
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from perfkit.logs import clf, normalise, records
from perfkit.logs.fields import FieldMap, detect_fields
from perfkit.logs.ndjson import NativeJson
from perfkit.logs.sources import BLOCK_SIZE, Block, Source, read_blocks

__all__ = ["FORMAT_NAMES", "BadLine", "LogReader"]

FORMAT_NAMES = {"json": "JSON lines", "clf": "Common/Combined Log Format", "logfmt": "logfmt"}
_SAMPLE = 2000
_MAX_EXAMPLES = 5


def _lines(block: Block) -> pl.DataFrame:
    """``no`` (line number) and ``line`` of a block; polars' CSV reader with a NUL separator
    splits lines in native threads.  NUL bytes in the data (damage) are made visible first, so
    such a line is reported rather than cut or taken for a blank one."""
    data = block.data.replace(b"\x00", b"\\x00") if b"\x00" in block.data else block.data
    return pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        separator="\x00",
        quote_char=None,
        new_columns=["line"],
        schema={"line": pl.String},
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
        row_index_name="no",
        row_index_offset=block.first_line,
        raise_if_empty=False,
    ).with_columns(pl.col("no").cast(pl.Int64))


@dataclass(frozen=True)
class BadLine:
    source: str
    line: int
    text: str


@dataclass
class _Format:
    """What one format's first lines decided."""

    fields: FieldMap
    extra: list[str]  #: keys for --by beyond the roles
    json: records.JsonFields | None = None
    native: NativeJson | None = None  #: the fast path for all-JSON blocks, once a block typed the keys
    tail_keyed: bool = False
    positions: dict[str, int] = field(default_factory=dict)


@dataclass
class LogReader:
    """Reads sources into request tables; remembers formats, fields and unparsed lines."""

    by: Sequence[str] = ()
    duration: tuple[str, str | None] | None = None
    formats: dict[str, _Format] = field(default_factory=dict)
    lines_by_format: Counter[str] = field(default_factory=Counter)
    bad_count: int = 0
    bad_examples: list[BadLine] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    routes: dict[str, str | None] = field(default_factory=dict)
    block_size: int = BLOCK_SIZE  #: bytes of whole lines parsed at a time
    #: False: every JSON block goes through msgspec, the general path (PERFKIT_LOGS_NATIVE=0)
    native_json: bool = field(default_factory=lambda: os.environ.get("PERFKIT_LOGS_NATIVE", "1") != "0")

    def read(self, names: Sequence[str], stdin: Any = None) -> Iterator[pl.DataFrame]:
        """Request tables, one per block, for every source in order.

        While a block is turned into requests, polars' native reader already parses the next
        one in a second thread (it runs without the GIL): on two cores the two overlap."""
        with ThreadPoolExecutor(1, thread_name_prefix="perfkit-ndjson") as pool:
            for name in names:
                source = Source(name)
                self.sources.append(source)
                ahead: tuple[Block, Future | None] | None = None
                for block in read_blocks(source, self.block_size, stdin=stdin):
                    native = self._native()
                    future = pool.submit(native.read, block.data) if native is not None else None
                    if ahead is not None:
                        frame = self.parse_block(*ahead)
                        if frame is not None and len(frame):
                            yield frame
                    ahead = (block, future)
                if ahead is not None:
                    frame = self.parse_block(*ahead)
                    if frame is not None and len(frame):
                        yield frame

    def _native(self) -> NativeJson | None:
        """The fast JSON reader, when every line so far was JSON and it is worth trying."""
        if not self.native_json or set(self.lines_by_format) != {"json"}:
            return None
        native = self.formats["json"].native
        return native if native is not None and native.worth_trying() else None

    def parse_block(self, block: Block, ahead: Future | None = None) -> pl.DataFrame | None:
        """The request table of a block (``ahead``: its native reading, started earlier)."""
        if set(self.lines_by_format) == {"json"}:  # so far only JSON: try the block in one call
            frame = self._json_block(block, ahead)
            if frame is not None:
                return frame if len(frame) else None
        frame = _lines(block)
        kind = (
            pl.when(pl.col("line").is_null() | (pl.col("line").str.strip_chars() == ""))
            .then(pl.lit("blank"))
            .when(pl.col("line").str.starts_with("{"))
            .then(pl.lit("json"))
            .when(pl.col("line").str.contains(clf.SHAPE))
            .then(pl.lit("clf"))
            .when(pl.col("line").str.contains(r"(^|\s)[^\s=\"]+=\S"))
            .then(pl.lit("logfmt"))
            .otherwise(pl.lit("other"))
        )
        frame = frame.with_columns(kind=kind)
        counts = dict(frame.group_by("kind").len().iter_rows())
        out: list[pl.DataFrame] = []
        for kind_name in ("json", "clf", "logfmt"):
            n = counts.get(kind_name, 0)
            if not n:
                continue
            part = frame if n == len(frame) else frame.filter(pl.col("kind") == kind_name)
            part = part.select("no", "line")
            whole = n == len(frame) or n + counts.get("blank", 0) == len(frame)
            parsed, bad = self._parse(kind_name, part, block.data if whole else None)
            self.lines_by_format[kind_name] += n - len(bad)
            self._bad(block.source, bad)
            if parsed is not None and len(parsed):
                out.append(parsed)
        if counts.get("other"):
            other = frame.filter(pl.col("kind") == "other")
            self._bad(block.source, list(other.select("no", "line").iter_rows()))
        if not out:
            return None
        return pl.concat(out, how="vertical") if len(out) > 1 else out[0]

    def _json_block(self, block: Block, ahead: Future | None) -> pl.DataFrame | None:
        """The request table of an all-JSON block, or None when some line is not a JSON object
        (then the block goes line by line)."""
        fmt = self.formats["json"]
        assert fmt.json is not None
        if ahead is not None:
            native = ahead.result()
        else:
            reader = self._native()
            native = reader.read(block.data) if reader is not None else None
        if native is not None:
            columns, height = native
        else:
            done = fmt.json.try_block(block.data)
            if done is None:
                return None
            raw, height = done
            columns = {k: records.to_column(k, v) for k, v in raw.items()}
        if not _one_object_per_line(block.data, height):
            return None
        self.lines_by_format["json"] += height
        return normalise.requests(columns, height, fmt.fields, fmt.extra, self.routes)

    def _bad(self, source: Source, bad: Sequence[tuple[int, str]]) -> None:
        self.bad_count += len(bad)
        for no, line in bad[: max(0, _MAX_EXAMPLES - len(self.bad_examples))]:
            self.bad_examples.append(BadLine(source.name, no, line))

    def _detect(self, kind: str, lines: list[str]) -> _Format:
        nested: set[str] = set()
        fixed = None
        if kind == "json":
            samples, nested = records.sample_json(lines)
        elif kind == "clf":
            samples = clf.sample_records(lines)
            keyed, positions = clf.tail_layout(samples)
            if "request_time" in positions:
                for record in samples:
                    record["request_time"] = record.get(f"tail{positions['request_time'] + 1}")
            fixed = {"time": "time", "method": "method", "path": "path", "status": "status"}
        else:
            samples = [r for r in map(records.logfmt_record, lines) if r is not None]
        fields = detect_fields(samples, self.duration, fixed)
        seen = {k for r in samples for k in r}
        extra = [b for b in self.by if b not in normalise.DERIVED and (b in seen or kind == "clf")]
        fmt = _Format(fields, extra)
        if kind == "json":
            fmt.json = records.JsonFields(list(dict.fromkeys(fields.keys() + extra)), nested)
        if kind == "clf":
            fmt.tail_keyed, fmt.positions = keyed, positions
        return fmt

    def _parse(self, kind: str, part: pl.DataFrame, whole: bytes | None) -> tuple[pl.DataFrame | None, list]:
        fmt = self.formats.get(kind)
        if fmt is None:
            fmt = self.formats[kind] = self._detect(kind, part["line"].head(_SAMPLE).to_list())
        keys = list(dict.fromkeys(fmt.fields.keys() + fmt.extra))
        if kind == "clf":
            values, bad_frame = clf.parse(part, keys, fmt.tail_keyed, fmt.positions)
            bad = list(bad_frame.iter_rows())
            columns = {k: values[k] for k in keys if k in values.columns}
            height = len(values)
        else:
            if kind == "json":
                assert fmt.json is not None
                data = whole if whole is not None else "\n".join(part["line"].to_list()).encode("utf-8", "replace")
                raw, height, bad = fmt.json.decode(data, part["no"].to_list(), part["line"].to_list())
            else:
                raw, height, bad = records.logfmt_values(part["line"].to_list(), part["no"].to_list(), keys)
            columns = {k: records.to_column(k, v) for k, v in raw.items()}
            if kind == "json" and fmt.native is None and height:
                assert fmt.json is not None
                fmt.native = NativeJson.for_columns(keys, columns, _numeric_only(fmt), fmt.json.nested)
        return normalise.requests(columns, height, fmt.fields, fmt.extra, self.routes), bad


def _numeric_only(fmt: _Format) -> set[str]:
    """Keys whose values are only ever read as numbers (durations with a unit, status, time): an
    integer and the same number as a float give the same result for them."""
    fields = fmt.fields
    numeric = {d.key for d in fields.durations if d.unit is not None} | {k for k in (fields.status, fields.time) if k}
    other = {fields.method, fields.path, fields.request_line, fields.level, fields.message, fields.request_id}
    other |= {d.key for d in fields.durations if d.unit is None} | set(fmt.extra)
    return numeric - other


def _one_object_per_line(data: bytes, objects: int) -> bool:
    """Whether a block's decoders took one object per non-blank line. Both block readers (polars
    and msgspec) also take an object spread over several lines, which read line by line is that
    many bad lines: such a block goes line by line, so both ways count alike."""
    if objects == data.count(b"\n") + (not data.endswith(b"\n")):
        return True  # the usual block: no blank line, nothing spread
    return objects == sum(1 for line in data.split(b"\n") if line.strip())
