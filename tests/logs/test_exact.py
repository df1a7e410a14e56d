"""On generated logs with known latencies, every number is exact: counts, errors, and each
percentile the nearest-rank order statistic of the parsed durations."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import pytest
from tests.logs import loggen

from cli_helpers import perfkit
from perfkit.logs import analyse
from perfkit.logs.aggregate import PERCENTILES, nearest_rank

LINES = 3000


def _exact(values: list[float], fraction: float) -> float:
    """The textbook nearest-rank percentile: the smallest value with at least p of the data at or
    below it, i.e. rank ceil(p * n), written independently of the code under test."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered) - 1e-9)) - 1]


def _truth(requests: list[loggen.Request]) -> dict[str, dict]:
    groups: dict[str, dict] = defaultdict(lambda: {"durations": [], "errors": 0})
    for r in requests:
        g = groups[f"{r.method} {r.route}"]
        g["durations"].append(r.seconds)
        g["errors"] += r.status >= 500
    return groups


@pytest.mark.parametrize(
    "fmt,name", [("combined", "access.log"), ("json", "access.jsonl"), ("json", "access.jsonl.gz")]
)
def test_every_number_is_exact(tmp_path: Path, fmt: str, name: str) -> None:
    path = tmp_path / name
    truth = _truth(loggen.write(path, fmt, LINES, seed=3))
    result = analyse([str(path)])
    got = {g.group: g for g in result.analysis.groups}
    assert set(got) == set(truth)
    for group, want in truth.items():
        g = got[group]
        durations = want["durations"]
        assert (g.count, g.errors, g.timed) == (len(durations), want["errors"], len(durations)), group
        for label, fraction in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)):
            assert getattr(g, label) == _exact(durations, fraction), (group, label)
        assert g.max == max(durations)
        assert g.total == pytest.approx(sum(durations), rel=1e-12)
    everything = [d for want in truth.values() for d in want["durations"]]
    assert result.analysis.total.count == LINES
    assert result.analysis.total.p99 == _exact(everything, 0.99)
    assert sum(g.share for g in got.values()) == pytest.approx(1.0)


def test_nearest_rank_uses_integers() -> None:
    # p99.9 of 1000 values is the 999th: float rounding (0.999 * 1000 = 999.0000000000001) must not make it 1000th
    assert nearest_rank(1000, 999, 1000) == 998
    assert nearest_rank(1, 1, 2) == 0
    for n in range(1, 300):
        for num, den in PERCENTILES.values():
            assert nearest_rank(n, num, den) == max(1, math.ceil(num * n / den - 1e-9)) - 1


def test_json_output_has_the_documented_keys(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    truth = _truth(loggen.write(path, "combined", 500, seed=5))
    done = perfkit("logs", path, "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {r["group"] for r in rows} == set(truth)
    for row in rows:
        assert {"group", "count", "errors", "p50", "p90", "p99", "p999", "max", "total"} <= set(row)
        assert row["count"] == len(truth[row["group"]]["durations"])
        assert row["p50"] == _exact(truth[row["group"]]["durations"], 0.5)
    assert "duration=request_time (s, from the magnitude of the values)" in done.stderr


def test_by_and_every(tmp_path: Path) -> None:
    path = tmp_path / "access.jsonl"
    requests = loggen.write(path, "json", 2000, seed=9)
    done = perfkit("logs", path, "--by", "status", "--every", "10s", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in requests:
        epoch = r.when.timestamp()
        window = math.floor(epoch / 10) * 10
        counts[(str(window), str(r.status))] += 1
    from datetime import UTC, datetime

    got = {
        (
            str(int(datetime.strptime(row["window"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp())),
            row["group"],
        ): row["count"]
        for row in rows
    }
    assert got == dict(counts)
