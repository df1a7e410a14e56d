"""The Common and Combined Log Formats (nginx, Apache, gunicorn), with whatever the server
appends: nginx's ``$request_time`` (seconds), Apache's ``%D`` (µs), gunicorn's ``%(L)s``
(seconds) or ``%(D)s`` (µs), or ``key=value`` pairs (nginx's ``rt=... urt="..."``).

    127.0.0.1 - frank [10/Oct/2023:13:55:36 +0000] "GET /a?x=1 HTTP/1.1" 200 2326 "ref" "agent" 0.042

Why split on quotes rather than one regex: a regex with captures over a million lines costs
seconds (Python's and polars' alike); splitting on ``"`` and spaces is a few passes of
memchr in polars.  Lines whose quoting does not fit (a ``\\"`` inside the request) take a
per-line regex path; lines that fit neither are reported as unparsed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

__all__ = ["FIELDS", "SHAPE", "parse", "sample_records", "tail_layout"]

#: the fields a CLF line names, for --by and --duration
FIELDS = (
    "remote_addr",
    "remote_user",
    "time",
    "method",
    "path",
    "protocol",
    "status",
    "bytes",
    "referer",
    "user_agent",
)
#: a quick test that a line is CLF (used to sniff the format and to split mixed files)
SHAPE = r'^\S+ \S+ .*?\[[^\]]+\] "'
_SLOW = re.compile(
    r'^(?P<remote_addr>\S+) \S+ (?P<remote_user>.*?) \[(?P<time>[^\]]+)\] "(?P<request>(?:[^"\\]|\\.)*)" '
    r'(?P<status>\d{3}) (?P<bytes>\S+)(?: "(?P<referer>(?:[^"\\]|\\.)*)" "(?P<user_agent>(?:[^"\\]|\\.)*)")?'
    r"(?P<tail>.*)$"
)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_KV = re.compile(r'([A-Za-z_][\w.-]*)=("[^"]*"|\S*)')


def _tail_fields(tail: str) -> dict[str, str]:
    """What follows the standard fields: ``key=value`` pairs, or positional tokens ``tail1``,
    ``tail2``... (the first numeric one is also ``request_time``: that is what servers append)."""
    tail = tail.strip()
    if not tail:
        return {}
    pairs = _KV.findall(tail)
    if pairs:
        return {k: v.strip('"') for k, v in pairs}
    return {f"tail{i + 1}": t.strip('"') for i, t in enumerate(tail.split(" ")) if t}


def _split_request(request: str) -> tuple[str | None, str | None, str | None]:
    parts = request.split(" ")
    if len(parts) >= 2 and parts[0].isalpha() and parts[0].isupper():
        return parts[0], parts[1], parts[2] if len(parts) > 2 else None
    return None, None, None  # "-" or junk (a TLS handshake sent to the HTTP port)


def _slow_record(line: str) -> dict[str, Any] | None:
    match = _SLOW.match(line)
    if match is None:
        return None
    record = match.groupdict()
    tail = record.pop("tail")
    record["method"], record["path"], record["protocol"] = _split_request(record.pop("request"))
    record.update(_tail_fields(tail))
    return record


def sample_records(lines: Sequence[str]) -> list[dict[str, Any]]:
    """Records of sample lines (for field detection), through the per-line path."""
    return [r for r in map(_slow_record, lines) if r is not None]


def _fast(frame: pl.DataFrame, wanted: Sequence[str]) -> pl.DataFrame:
    """Fields of lines with the usual quoting, as strings (``status`` still unchecked).

    ``"`` splits a combined line into prefix, request, status and size, referer, a space, agent
    and the tail; a common line stops after status and size (its tail follows them)."""
    parts = frame["line"].str.splitn('"', 7).struct.unnest()
    numbers = parts["field_2"].str.strip_chars(" ").str.splitn(" ", 3).struct.unnest()
    request = parts["field_1"].str.splitn(" ", 3).struct.unnest()
    prefix = parts["field_0"]
    columns = {
        "no": frame["no"],
        "time": prefix.str.splitn("[", 2).struct.field("field_1").str.splitn("]", 2).struct.field("field_0"),
        "method": request["field_0"],
        "path": request["field_1"],
        "status": numbers["field_0"],
        "tail": parts["field_6"].fill_null(numbers["field_2"]).str.strip_chars(),
    }
    lazy = {
        "remote_addr": lambda: prefix.str.splitn(" ", 2).struct.field("field_0"),
        "remote_user": lambda: (
            prefix.str.splitn(" ", 3).struct.field("field_2").str.splitn(" [", 2).struct.field("field_0")
        ),
        "protocol": lambda: request["field_2"],
        "bytes": lambda: numbers["field_1"],
        "referer": lambda: parts["field_3"],
        "user_agent": lambda: parts["field_5"],
    }
    for name in wanted:
        if name in lazy:
            columns[name] = lazy[name]()
    return pl.DataFrame(columns)


def _tail_column(tail: pl.Series, key: str, keyed: bool, positions: Mapping[str, int]) -> pl.Series:
    if keyed:
        return tail.str.extract(rf'(?:^|\s){re.escape(key)}="?([^"\s]*)', 1)
    if key not in positions:
        return pl.Series([None] * len(tail), dtype=pl.String)
    return tail.str.split(" ").list.get(positions[key], null_on_oob=True).str.strip_chars('"')


def parse(
    frame: pl.DataFrame, wanted: Sequence[str], keyed: bool, positions: Mapping[str, int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(fields of the parsed lines as strings, unparsed lines) of ``frame`` (``no``, ``line``).

    ``wanted`` lists the fields to extract beyond time, method, path and status: standard ones
    (``user_agent``...) or tail ones, looked up by key when ``keyed`` (``rt=0.05``) or by the
    positions found in the sample (``tail2``, ``request_time``)."""
    fast = _fast(frame, wanted)
    good = fast.filter(fast["status"].str.contains(r"^[1-5]\d\d$").fill_null(False) & fast["time"].is_not_null())
    rest = frame.join(good.select("no"), on="no", how="anti") if len(good) < len(frame) else frame.head(0)
    slow_rows: list[dict[str, Any]] = []
    bad: list[tuple[int, str]] = []
    for no, line in rest.select("no", "line").iter_rows():
        record = _slow_record(line)
        if record is None:
            bad.append((no, line))
            continue
        record["no"] = no
        if "request_time" in positions:
            record["request_time"] = record.get(f"tail{positions['request_time'] + 1}")
        slow_rows.append(record)
    good = _fix_request(good)
    for key in wanted:
        if key not in good.columns:
            good = good.with_columns(_tail_column(good["tail"], key, keyed, positions).alias(key))
    good = good.drop("tail")
    if slow_rows:
        schema = {c: (pl.Int64 if c == "no" else pl.String) for c in good.columns}
        slow = pl.DataFrame([{c: r.get(c) for c in schema} for r in slow_rows], schema=schema)
        good = pl.concat([good, _fix_request(slow)], how="vertical")
    return good, pl.DataFrame(bad, schema={"no": pl.Int64, "line": pl.String}, orient="row")


def tail_layout(samples: Sequence[Mapping[str, Any]]) -> tuple[bool, dict[str, int]]:
    """(keyed, positions) of the sampled tails: ``key=value`` pairs, or positional tokens with
    ``request_time`` at the first position whose values are mostly numbers."""
    keyed = any(k not in FIELDS and not k.startswith("tail") for r in samples for k in r)
    if keyed:
        return True, {}
    width = max((int(k[4:]) for r in samples for k in r if k.startswith("tail")), default=0)
    positions = {f"tail{i + 1}": i for i in range(width)}
    for i in range(width):
        values = [r.get(f"tail{i + 1}") for r in samples]
        numeric = sum(1 for v in values if v is not None and _NUMBER.match(v))
        if numeric and numeric >= len([v for v in values if v not in (None, "-")]) / 2:
            positions["request_time"] = i
            break
    return False, positions


def _fix_request(good: pl.DataFrame) -> pl.DataFrame:
    """A request that is not ``METHOD PATH [PROTO]`` (``"-"``, junk bytes) has no method or path."""
    ok = pl.col("method").str.contains(r"^[A-Z]{1,20}$").fill_null(False) & pl.col("path").is_not_null()
    names = [c for c in ("method", "path", "protocol") if c in good.columns]
    return good.with_columns(pl.when(ok).then(pl.col(c)).alias(c) for c in names)
