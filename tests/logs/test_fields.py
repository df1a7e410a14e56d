"""Field and unit detection on the spellings real logs use."""

from __future__ import annotations

import pytest

from perfkit.logs.fields import detect_fields, normalise_name, parse_duration_option, unit_from_values


@pytest.mark.parametrize(
    ("values", "unit"),
    [
        ([0.012, 0.004, 0.250, 0.031], "s"),  # nginx $request_time, gunicorn %(L)s
        ([5234, 812, 45012, 2210], "us"),  # Apache %D
        ([512, 640, 700, 480, 52000, 51000], "us"),  # gunicorn %(D)s, fast requests and a slow tail
        ([12, 30, 7, 45], "ms"),  # integer milliseconds
        ([12.5, 30.25, 7.75], "ms"),
        (["12.5ms", "3s", "250µs"], None),  # units in the values
        ([1_500_000_000, 2_000_000_000], "ns"),
    ],
)
def test_unit_from_values(values: list, unit: str | None) -> None:
    assert unit_from_values(values)[0] == unit


@pytest.mark.parametrize(
    ("record", "key", "unit"),
    [
        ({"duration_ms": 12}, "duration_ms", "ms"),
        ({"durationMs": 12}, "durationMs", "ms"),
        ({"latency_us": 1200}, "latency_us", "us"),
        ({"elapsed_seconds": 0.2}, "elapsed_seconds", "s"),
        ({"event.duration": 1200000}, "event.duration", "ns"),  # ECS
        ({"took": "12ms"}, "took", None),
        ({"response_time": 0.05}, "response_time", "s"),
        ({"http.server.request.duration": 0.05}, "http.server.request.duration", "s"),
    ],
)
def test_duration_names(record: dict, key: str, unit: str | None) -> None:
    fields = detect_fields([record] * 5)
    assert [(d.key, d.unit) for d in fields.durations][:1] == [(key, unit)]


def test_roles_and_the_best_duration_first() -> None:
    record = {
        "@timestamp": "2024-03-12T09:00:00Z",
        "http.request.method": "GET",
        "url.path": "/x/1",
        "http.response.status_code": 200,
        "log.level": "info",
        "message": "done",
        "trace.id": "abc",
        "queue_wait_ms": 3,
        "processing_ms": 9,
        "latency_ms": 12,
    }
    fields = detect_fields([record] * 3)
    assert (fields.time, fields.method, fields.path, fields.status) == (
        "@timestamp",
        "http.request.method",
        "url.path",
        "http.response.status_code",
    )
    assert fields.level == "log.level" and fields.message == "message"
    assert fields.durations[0].key == "latency_ms"  # the total beats its parts (not even candidates)
    assert detect_fields([record] * 3, duration=("processing_ms", None)).durations[0].key == "processing_ms"
    assert detect_fields([{"code": "E42", "status": "ok"}]).status is None  # not HTTP statuses


def test_names_and_options() -> None:
    assert normalise_name("requestDurationMs") == "request_duration_ms"
    assert parse_duration_option("latency:ms") == ("latency", "ms")
    assert parse_duration_option("latency") == ("latency", None)
    assert parse_duration_option("took:µs") == ("took", "us")
