"""--base and --split-at: only groups whose latency distribution really changed are flagged;
unchanged groups print ``~``; --fail-on gates like benchstat's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.logs import loggen

from cli_helpers import perfkit

SLOWER = {"/api/orders/:id": 1.5, "/api/search": 0.5}  # one regression, one improvement


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("compare")
    before, after = folder / "before.jsonl", folder / "after.log"
    loggen.write(before, "json", 6000, seed=11)
    loggen.write(after, "combined", 6000, seed=12, slower=SLOWER)  # formats may differ, groups match
    return before, after


def test_only_changed_groups_are_flagged(logs: tuple[Path, Path]) -> None:
    before, after = logs
    done = perfkit("logs", "--base", before, after, "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = {r["group"]: r for r in json.loads(done.stdout)}
    changed = {f"{m} {route}" for m, _, route, *_ in loggen.ROUTES if route in SLOWER}
    assert changed == {"GET /api/orders/:id", "GET /api/search"}
    for group, row in rows.items():
        assert {"base_count", "base_p50", "base_p99", "p_value", "significant"} <= set(row)
        assert row["significant"] == (group in changed), (group, row["p_value"])
    assert rows["GET /api/orders/:id"]["p50"] > rows["GET /api/orders/:id"]["base_p50"]
    assert rows["GET /api/search"]["p50"] < rows["GET /api/search"]["base_p50"]


def test_text_prints_tilde_for_unchanged(logs: tuple[Path, Path]) -> None:
    before, after = logs
    done = perfkit("logs", "--base", before, after)
    assert done.returncode == 0, done.stderr
    lines = {
        line.split()[0] + " " + line.split()[1]: line
        for line in done.stdout.splitlines()
        if line.startswith(("GET", "POST", "PUT"))
    }
    assert "~" not in lines["GET /api/orders/:id"] and "+" in lines["GET /api/orders/:id"]
    assert "~" in lines["GET /health"] and "~" in lines["POST /api/orders"]


def test_fail_on_gates_a_significant_slowdown(logs: tuple[Path, Path]) -> None:
    before, after = logs
    slow = perfkit("logs", "--base", before, after, "--fail-on", "20%")
    assert slow.returncode == 1
    assert "significant p50 slowdown" in slow.stderr and "GET /api/orders/:id" in slow.stderr
    fast = perfkit("logs", "--base", after, before, "--fail-on", "20%")  # reversed: /api/search got slower by 2x
    assert fast.returncode == 1 and "GET /api/search" in fast.stderr
    same = perfkit("logs", "--base", before, before, "--fail-on", "1%")
    assert same.returncode == 0, same.stderr


def test_split_at_one_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    loggen.write(first, "json", 4000, seed=21)
    requests = loggen.write(second, "json", 4000, seed=22, slower={"/api/orders": 3.0})
    both = tmp_path / "both.jsonl"
    both.write_text(first.read_text() + second.read_text())
    # the second half's clock starts over at START: move it a day later so the halves do not overlap
    shifted = [json.loads(line) for line in second.read_text().splitlines()]
    lines = first.read_text().splitlines()
    for record in shifted:
        record["timestamp"] = record["timestamp"].replace("2024-03-12", "2024-03-13")
        lines.append(json.dumps(record))
    both.write_text("\n".join(lines) + "\n")
    done = perfkit("logs", both, "--split-at", "2024-03-13T00:00:00Z", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = {r["group"]: r for r in json.loads(done.stdout)}
    assert rows["POST /api/orders"]["significant"]
    assert rows["POST /api/orders"]["count"] == sum(1 for r in requests if r.route == "/api/orders")
    assert not rows["GET /health"]["significant"]


def test_python_api_as_in_the_readme(logs: tuple[Path, Path]) -> None:
    from perfkit.logs import analyse, compare, regressions

    before, after = logs
    result = analyse([str(after)], by=["method", "route"], every=60)
    assert {g.group for g in result.analysis.groups} >= {"GET /api/orders/:id", "GET /health"}
    assert result.analysis.windows and any("Common/Combined" in line for line in result.report_lines())
    changes = compare(analyse([str(before)], by=["method", "route"]).analysis, result.analysis, alpha=0.05)
    assert [c.group for c in regressions(changes, 0.10)] == ["GET /api/orders/:id"]
