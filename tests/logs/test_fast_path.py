"""The fast paths give exactly what the general ones give.

JSON blocks read by polars' native reader (perfkit.logs.ndjson) against the same blocks through
msgspec, on generated logs with corrupt lines and with every value shape where the two decoders
differ (repeated keys, nulls, numbers or objects where strings belong, ``\\u`` escapes, lone
surrogates); and routes computed by polars against ``perfkit.routes.route_of``."""

from __future__ import annotations

import io
import json

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.logs import loggen

from perfkit.logs.aggregate import Accumulator
from perfkit.logs.normalise import _path_of_url, _routes
from perfkit.logs.reader import LogReader
from perfkit.routes import route_of

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RECORDS = [json.loads(loggen.json_line(r)) for r in loggen.requests(60, seed=3)]
BLOCK = 1500  # bytes: about six lines a block, so most blocks come after the one that chose the fields


def _line(record: dict, spaced: bool = False) -> str:
    return json.dumps(record, separators=(", ", ": ") if spaced else (",", ":")) + "\n"


#: one line of the log, as a function of its generated record: unchanged, or each shape on which
#: the decoders could differ, or damage
VARIANTS = {
    "keep": lambda r: _line(r),
    "spaced": lambda r: _line(r, spaced=True),
    "status as text": lambda r: _line({**r, "status": str(r["status"])}),
    "duration as text": lambda r: _line({**r, "duration_ms": f"{r['duration_ms']}ms"}),
    "duration integer": lambda r: _line({**r, "duration_ms": int(r["duration_ms"])}),
    "path a number": lambda r: _line({**r, "path": 123}),
    "path a fraction": lambda r: _line({**r, "path": 2.0}),
    "path true": lambda r: _line({**r, "path": True}),
    "path an object": lambda r: _line({**r, "path": {"a": 1}}),
    "path a list": lambda r: _line({**r, "path": ["/x"]}),
    "path digits": lambda r: _line({**r, "path": "123"}),
    "request id null": lambda r: _line({**r, "request_id": None}),
    "method missing": lambda r: _line({k: v for k, v in r.items() if k != "method"}),
    "path twice": lambda r: _line(r)[:-2] + ',"path":"/other/7"}\n',
    "duration twice": lambda r: _line(r)[:-2] + ',"duration_ms":999.5}\n',
    "path twice, once escaped": lambda r: _line(r)[:-2] + ',"p\\u0061th":"/other/7"}\n',
    "path escaped, then plain": lambda r: _line(r).replace('"path"', '"p\\u0061th"')[:-2] + ',"path":"/o/7"}\n',
    "escaped key": lambda r: _line(r).replace('"path"', '"p\\u0061th"'),
    "accented value": lambda r: _line(r).replace('"request finished"', '"caf\\u00e9 d\\u00e9j\\u00e0"'),
    "escaped in a key's value": lambda r: _line(r).replace('"/', '"/caf\\u00e9/', 1),
    "backslash u text": lambda r: _line(r).replace('"request finished"', '"C:\\\\users\\\\u0041"'),
    "escaped value": lambda r: _line(r).replace('"request finished"', '"caf\\u00e9 \\ud83d\\ude00"'),
    "lone surrogate": lambda r: _line(r).replace('"request finished"', '"x\\ud800y"'),
    "lone surrogate at the end": lambda r: _line(r).replace('"request finished"', '"\\ud800"'),
    "raw non-ASCII": lambda r: _line({**r, "path": "/café/12", "event": "déjà"}),
    "nested": lambda r: _line({**r, "http": {"path": "/nested/1", "status": 500}}),
    "key in a value": lambda r: _line({**r, "event": 'say "path"'}),
    "big status": lambda r: _line({**r, "status": 10**20}),
    "NaN": lambda r: _line(r).replace('"duration_ms":', '"duration_ms":NaN,"x":'),
    "not an object": lambda r: "[1, 2]\n",
    "cut": lambda r: _line(r)[: len(_line(r)) // 2] + "\n",
    "junk": lambda r: "GET /x 200 12ms\n",
    "blank": lambda r: "  \n",
    "spread over two lines": lambda r: _line(r).replace(",", ",\n", 1),
    "invalid UTF-8": lambda r: _line(r).replace("request finished", "request \udcff finished"),
}
variants = st.lists(st.sampled_from(sorted(VARIANTS)), min_size=len(RECORDS), max_size=len(RECORDS))


def _encode(lines: list[str]) -> bytes:
    return "".join(lines).encode("utf-8", "surrogateescape")


def _analyse(data: bytes, native: bool, by: tuple[str, ...] = (), block: int = BLOCK) -> tuple[dict, int]:
    """Everything the user sees, through the blocks' reader and prefetch thread, and how many
    blocks the native reader took."""
    reader = LogReader(by=list(by), block_size=block, native_json=native)
    acc = Accumulator(by=list(by))
    for frame in reader.read(["-"], stdin=io.BytesIO(data)):
        acc.add(frame)
    result = acc.result(every=60.0)
    fmt = reader.formats.get("json")
    taken = fmt.native.taken if fmt is not None and fmt.native is not None else 0
    seen = {
        "groups": result.groups,
        "total": result.total,
        "windows": result.windows,
        "slowest": result.slowest,
        "errors": result.errors,
        "samples": result.samples.with_columns(pl.col("group").cast(pl.String)).rows(),
        "formats": dict(reader.lines_by_format),
        "fields": {k: f.fields.describe() for k, f in reader.formats.items()},
        "bad": (reader.bad_count, reader.bad_examples),
    }
    return seen, taken


def test_clean_log_goes_the_fast_way_with_the_same_table() -> None:
    data = _encode([_line(r) for r in RECORDS])
    fast, taken = _analyse(data, native=True)
    general, none = _analyse(data, native=False)
    assert taken >= 5 and none == 0  # the fast path really ran, block after block
    assert fast == general
    assert fast["total"].count == len(RECORDS)


def test_an_object_spread_over_two_lines_is_two_bad_lines_either_way() -> None:
    lines = [_line(r) for r in RECORDS]
    lines[30] = lines[30].replace(",", ",\n", 1)  # a pretty-printer's or a broken writer's
    data = _encode(lines)
    for native in (True, False):
        seen, _ = _analyse(data, native=native)
        assert seen["bad"][0] == 2 and seen["total"].count == len(RECORDS) - 1, native
        assert [b.line for b in seen["bad"][1]] == [31, 32]


@SETTINGS
@given(variants)
def test_fast_and_general_paths_agree(chosen: list[str]) -> None:
    lines = [VARIANTS[name](r) for name, r in zip(chosen, RECORDS)]
    data = _encode(lines)
    fast, _ = _analyse(data, native=True)
    general, _ = _analyse(data, native=False)
    assert fast == general
    by_fast, _ = _analyse(data, native=True, by=("status", "client"))
    by_general, _ = _analyse(data, native=False, by=("status", "client"))
    assert by_fast == by_general


def test_each_hazard_is_declined_or_read_alike() -> None:
    """A clean first block chooses the fields; then a block of one shape each: never a different
    table, whether the native reader took the block or left it to msgspec."""
    first = [_line(r) for r in RECORDS[:8]]
    for name, variant in VARIANTS.items():
        data = _encode(first + [variant(r) for r in RECORDS[8:30]])
        by = ("message", "client")  # a message shows in the table with --by (the default: the hypothesis test)
        fast, _ = _analyse(data, native=True, by=by)
        general, _ = _analyse(data, native=False, by=by)
        assert fast == general, name


paths = st.text(alphabet="/0123456789abcdefABCDEF-?:.xyz_%é١", max_size=60)
urls = st.builds(lambda scheme, rest: f"{scheme}://{rest}", st.sampled_from(["http", "https", "h"]), paths)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(paths, urls, st.none()), max_size=30))
def test_routes_are_route_of(values: list[str | None]) -> None:
    got = _routes(pl.Series(values, dtype=pl.String), {}).to_list()
    assert got == [None if v is None else route_of(_path_of_url(v)) for v in values]


def test_routes_of_long_and_consecutive_ids() -> None:
    values = ["/a/1/2/3/ffffffff/x", "1/2", "", "?q=1", "/" + "9/" * 300, "/" + "x" * 250, "/١٢٣/4", "https://h"]
    got = _routes(pl.Series(values), {}).to_list()
    assert got == [route_of(_path_of_url(v)) for v in values]
    assert got[0] == "/a/:id/:id/:id/:id/x"


def test_logs_written_by_structlog_and_python_json_logger(tmp_path) -> None:
    """Real producers: structlog's JSONRenderer and python-json-logger, with what services log
    besides requests (tracebacks, non-ASCII text escaped as \\u, fields that come and go)."""
    import logging

    import structlog
    from pythonjsonlogger.json import JsonFormatter

    with (tmp_path / "structlog.jsonl").open("w") as out:
        log = structlog.wrap_logger(
            structlog.WriteLogger(out),
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
        for i in range(300):
            extra = {"user": "zoë"} if i % 50 == 7 else {}
            log.info("request finished", method="GET", path=f"/users/{i}", status=200, duration=0.01 + i / 1e4, **extra)
            if i % 60 == 5:
                try:
                    raise ValueError(f"bad order {i}")
                except ValueError:
                    log.exception("payment failed", method="POST", path="/pay", status=500, duration=1.5)
    handler = logging.FileHandler(tmp_path / "stdlib.jsonl")
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(message)s"))
    std = logging.getLogger("perfkit-test-fast-path")
    std.propagate = False
    std.addHandler(handler)
    std.setLevel(logging.INFO)
    try:
        for i in range(300):
            std.info("job done", extra={"job": "resize", "elapsed_ms": 20 + i, "path": f"/jobs/{i}"})
            if i % 100 == 3:
                std.error("job crashed: disk full on /dev/sda%d", i)
    finally:
        std.removeHandler(handler)
        handler.close()
    for name in ("structlog.jsonl", "stdlib.jsonl"):
        data = (tmp_path / name).read_bytes()
        fast, taken = _analyse(data, native=True, block=8000)
        general, _ = _analyse(data, native=False, block=8000)
        assert taken > 0, name  # blocks without escapes went the fast way
        assert fast == general, name
