"""Which field of a log record is the time, the method, the path, the status, the duration (and
in which unit), the level, the message and the request id.

Logs spell these many ways (``duration_ms``, ``latency``, ``elapsed``, nginx's ``request_time``
in seconds, ECS's ``event.duration`` in nanoseconds, ``durationMs``...), so detection looks at
the names of a sample of records first and at the values second: a unit from the name
(``_ms``, ``_us``, ``_seconds``...), else from the values (``"12.5ms"`` strings carry their own
unit; bare numbers go by magnitude).  Every choice is reported on stderr and can be overridden
(``--duration FIELD[:UNIT]``), because guesses about units are exactly what a user must see.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfkit.errors import PerfkitError

__all__ = ["UNITS", "Duration", "FieldMap", "detect_fields", "normalise_name", "parse_duration_option"]

#: unit name -> seconds
UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_SUFFIX_UNITS = (
    (("ms", "msec", "millis", "milliseconds", "millisecond"), "ms"),
    (("us", "µs", "usec", "micros", "microseconds", "microsecond"), "us"),
    (("ns", "nsec", "nanos", "nanoseconds", "nanosecond"), "ns"),
    (("s", "sec", "secs", "seconds", "second"), "s"),
)
#: duration names, best first; a unit suffix may follow (``duration_ms``)
_DURATION_WORDS = (
    "duration",
    "request_duration",
    "latency",
    "request_latency",
    "response_time",
    "request_time",
    "elapsed",
    "elapsed_time",
    "took",
    "time_taken",
    "total_time",
    "rt",
    "upstream_response_time",
    "urt",
    "processing_time",
    "handling_time",
)
#: names whose unit is fixed by a well-known producer
#: (nginx's request_time is in seconds, Apache's %D in µs: both are told apart by magnitude)
_KNOWN_UNITS = {"event_duration": "ns"}  # Elastic Common Schema
_ROLES: dict[str, tuple[str, ...]] = {
    "time": ("timestamp", "time", "ts", "@timestamp", "datetime", "asctime", "date", "time_local", "time_iso8601", "t"),
    "method": ("method", "http_method", "request_method", "verb", "http_request_method"),
    "path": (
        "path",
        "route",
        "url_path",
        "request_path",
        "request_uri",
        "uri",
        "url",
        "http_target",
        "http_url",
        "endpoint",
        "url_original",
        "http_route",
    ),
    "request_line": ("request", "request_line", "http_request", "r"),
    "status": (
        "status",
        "status_code",
        "http_status",
        "http_status_code",
        "response_status",
        "http_response_status_code",
        "statuscode",
        "code",
    ),
    "level": ("level", "levelname", "severity", "log_level", "lvl", "loglevel"),
    "message": ("event", "message", "msg", "log"),
    "request_id": (
        "request_id",
        "x_request_id",
        "req_id",
        "requestid",
        "trace_id",
        "traceid",
        "correlation_id",
        "http_request_id",
        "trace",
        "span_id",
    ),
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^0-9a-zµ@]+")
_UNIT_VALUE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*(ns|us|µs|ms|s|m|h)\s*$")
_REQUEST_LINE = re.compile(r"^[A-Z]{3,10} \S+")
#: a request line and status inside a message (uvicorn's access log format)
MESSAGE_REQUEST = re.compile(r'"([A-Z]{3,10}) (\S+) HTTP/[\d.]+" (\d{3})')


def normalise_name(name: str) -> str:
    """``durationMs`` -> ``duration_ms``, ``http.response.status_code`` -> ``http_response_status_code``."""
    return _NON_WORD.sub("_", _CAMEL.sub("_", name).lower()).strip("_")


@dataclass(frozen=True)
class Duration:
    """A duration field and how its values become seconds (``scale`` None: values carry units)."""

    key: str
    unit: str | None  #: "s", "ms", "us", "ns", or None for strings like "12ms"
    why: str  #: "from the name", "from the values", "given"

    @property
    def scale(self) -> float | None:
        return None if self.unit is None else UNITS[self.unit]

    def describe(self) -> str:
        return f"{self.key} ({self.unit or 'units in the values'}, {self.why})"


@dataclass
class FieldMap:
    """The chosen key for each role; None when the records have no such field."""

    time: str | None = None
    method: str | None = None
    path: str | None = None
    request_line: str | None = None  #: "GET /x HTTP/1.1" when there is no separate method/path
    status: str | None = None
    durations: list[Duration] = field(default_factory=list)  #: first present wins, per record
    level: str | None = None
    message: str | None = None
    request_id: str | None = None
    duration_note: str = ""  #: why there is no duration, when there is none
    request_in_message: bool = False  #: uvicorn's access message: '1.2.3.4:5 - "GET /x HTTP/1.1" 200'

    def keys(self) -> list[str]:
        """Every key the parser must extract."""
        out = [self.time, self.method, self.path, self.request_line, self.status, self.level, self.message]
        out += [self.request_id, *(d.key for d in self.durations)]
        return list(dict.fromkeys(k for k in out if k))

    def describe(self) -> str:
        parts = []
        for role in ("time", "method", "path", "request_line", "status", "level", "message", "request_id"):
            key = getattr(self, role)
            if key:
                parts.append(f"{role.replace('_', ' ')}={key}")
        if self.request_in_message:
            parts.append(f"method, path and status from the {self.message} text")
        if self.durations:
            parts.append("duration=" + " or ".join(d.describe() for d in self.durations))
        else:
            parts.append(f"duration: none ({self.duration_note or 'no duration field found'})")
        return ", ".join(parts)


def parse_duration_option(text: str) -> tuple[str, str | None]:
    """``--duration FIELD[:UNIT]`` -> (field, unit or None)."""
    name, sep, unit = text.rpartition(":")
    if not sep or unit not in UNITS:
        if sep and unit:
            raise PerfkitError(f"--duration {text}: unknown unit {unit!r}; use one of {', '.join(UNITS)}")
        return text, None
    if not name:
        raise PerfkitError(f"--duration {text}: give a field name, e.g. --duration latency_ms or latency:ms")
    return name, "us" if unit == "µs" else unit


def _unit_of_name(norm: str) -> tuple[str, str | None]:
    """(base name, unit from the suffix) for a normalised name."""
    for suffixes, unit in _SUFFIX_UNITS:
        for suffix in suffixes:
            if norm.endswith("_" + suffix):
                return norm[: -len(suffix) - 1], unit
            if norm != suffix and norm.endswith(suffix) and norm[: -len(suffix)] in _DURATION_WORDS:
                return norm[: -len(suffix)], unit  # durationms, latencyus
    return norm, None


def _numbers(values: Iterable[Any]) -> list[float]:
    out = []
    for v in values:
        if isinstance(v, bool):
            continue
        if isinstance(v, int | float):
            out.append(float(v))
        elif isinstance(v, str):
            try:
                out.append(float(v))
            except ValueError:
                continue
    return out


def unit_from_values(values: Sequence[Any]) -> tuple[str | None, str]:
    """A unit for unit-less duration values: strings with units keep theirs (None); numbers go by
    magnitude: fractions with a median below 10 are seconds, else ms; integers are µs when the
    median reaches 1,000 or p90 reaches 10,000 (10 s as ms would be a very slow service; fast
    requests in µs have medians of a few hundred), ns from a median of 10^7, else ms."""
    strings = [v for v in values if isinstance(v, str) and v.strip() not in ("", "-")]
    if strings and sum(bool(_UNIT_VALUE.match(v)) for v in strings) >= len(strings) / 2:
        return None, "from the values"
    numbers = [x for x in _numbers(values) if x > 0]
    if not numbers:
        return "s", "no values to judge; assumed"
    middle = statistics.median(numbers)
    if any(x != int(x) for x in numbers):
        return ("s" if middle < 10 else "ms"), "from the magnitude of the values"
    if middle >= 1e7:
        return "ns", "from the magnitude of the values"
    high = sorted(numbers)[int(0.9 * (len(numbers) - 1))]
    return ("us" if middle >= 1000 or high >= 10_000 else "ms"), "from the magnitude of the values"


def _rank_duration(norm: str) -> tuple[int, str | None] | None:
    base, unit = _unit_of_name(norm)
    leaf = base.rsplit("_", 1)[-1] if base not in _DURATION_WORDS else base
    for name in (base, leaf):
        if name in _DURATION_WORDS:
            return _DURATION_WORDS.index(name), unit or _KNOWN_UNITS.get(norm)
    if norm in _KNOWN_UNITS:
        return len(_DURATION_WORDS), _KNOWN_UNITS[norm]
    return None


def detect_fields(
    samples: Sequence[Mapping[str, Any]],
    duration: tuple[str, str | None] | None = None,
    fixed: Mapping[str, str] | None = None,
) -> FieldMap:
    """Choose a key per role from sample records (flat: nested keys joined with dots).

    ``duration`` is the user's ``--duration`` (field, unit); ``fixed`` pins roles a format
    already knows (the Combined Log Format's fields)."""
    seen: Counter[str] = Counter()
    for record in samples:
        seen.update(k for k, v in record.items() if v is not None and v != "")
    keys = [k for k, _ in seen.most_common()]
    by_norm: dict[str, str] = {}
    for seen_key in keys:
        by_norm.setdefault(normalise_name(seen_key), seen_key)
    fields = FieldMap()
    for role, names in _ROLES.items():
        if fixed and role in fixed:
            setattr(fields, role, fixed[role])
            continue
        for name in names:
            key = by_norm.get(name)
            if key is None:  # a nested leaf: http.request.method -> method
                key = next((k for n, k in by_norm.items() if n.endswith("_" + name) and len(name) > 2), None)
            if key is not None and _plausible(role, key, samples):
                setattr(fields, role, key)
                break
    if fields.method and fields.path:
        fields.request_line = None
    if not (fields.path or fields.request_line) and fields.message:
        texts = [v for v in (r.get(fields.message) for r in samples) if isinstance(v, str)]
        fields.request_in_message = (
            bool(texts) and sum(bool(MESSAGE_REQUEST.search(t)) for t in texts) >= len(texts) / 2
        )
    values = {key: [r.get(key) for r in samples] for key in keys}
    if duration is not None:
        name, unit = duration
        key = name if name in seen else by_norm.get(normalise_name(name))
        if key is None:
            fields.duration_note = f"--duration {name}: no such field in the first {len(samples)} records"
            return fields
        if unit is None:
            _, unit = _unit_of_name(normalise_name(key))
            why = "from the name"
            if unit is None:
                unit, why = _KNOWN_UNITS.get(normalise_name(key)) or None, "from the name"
                if unit is None:
                    unit, why = unit_from_values(values.get(key, []))
        else:
            why = "given"
        fields.durations = [Duration(key, unit, why)]
        return fields
    ranked = []
    for norm, key in by_norm.items():
        rank = _rank_duration(norm)
        if rank is None or not _numeric_share(values.get(key, [])):
            continue
        ranked.append((rank[0], seen[key] * -1, key, rank[1]))
    for _, _, key, unit in sorted(ranked):
        why = "from the name"
        if unit is None:
            unit, why = unit_from_values(values[key])
        fields.durations.append(Duration(key, unit, why))
    # several present in one record: the best-ranked wins, so a record's own total latency beats
    # its parts (queue wait, processing) unless the user picks one with --duration
    if not fields.durations:
        fields.duration_note = "no field named like duration, latency, elapsed, request_time or response_time"
    return fields


def _numeric_share(values: Sequence[Any]) -> bool:
    present = [v for v in values if v is not None and v != "" and v != "-"]
    if not present:
        return False
    good = len(_numbers(present)) + sum(1 for v in present if isinstance(v, str) and _UNIT_VALUE.match(v))
    return good >= len(present) / 2


def _plausible(role: str, key: str, samples: Sequence[Mapping[str, Any]]) -> bool:
    """Reject a name match whose values cannot be that role (``code`` that is not an HTTP status)."""
    values = [r.get(key) for r in samples if r.get(key) not in (None, "")][:200]
    if not values:
        return False
    if role == "status":
        return sum(1 for x in _numbers(values) if 100 <= x <= 599) >= len(values) / 2
    if role == "request_line":
        return sum(1 for v in values if isinstance(v, str) and _REQUEST_LINE.match(v)) >= len(values) / 2
    if role in ("method", "path", "level", "message", "request_id"):
        return any(isinstance(v, str | int) and not isinstance(v, bool) for v in values)
    return True
