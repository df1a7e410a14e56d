"""Outputs (HTML, CSV, Markdown), logfmt and unit strings, --follow's tail, and the CLI's mistakes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

from tests.logs import loggen

from cli_helpers import perfkit
from perfkit.logs.follow import Tail
from perfkit.logs.reader import LogReader


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    log, out = tmp_path / "access.log", tmp_path / "report.html"
    loggen.write(log, "combined", 2000)
    done = perfkit("logs", log, "-o", out)
    assert done.returncode == 0, done.stderr
    assert f"perfkit: wrote {out}" in done.stderr and done.stdout == ""
    page = out.read_text()
    assert page.count("<svg") >= 3  # percentiles and errors over time, histograms
    assert "GET /api/orders/:id" in page and "latency percentiles over time" in page
    links = re.findall(r"(?:src|href)=\"(https?:[^\"]+)", page)
    assert links == []  # nothing to fetch: works offline
    assert [f for f in os.listdir(tmp_path) if f.startswith(".")] == []  # no temporary file left


def test_csv_and_markdown(tmp_path: Path) -> None:
    log = tmp_path / "access.jsonl"
    truth = loggen.write(log, "json", 500)
    rows = list(csv.DictReader(io.StringIO(perfkit("logs", log, "--format", "csv").stdout)))
    assert sum(int(r["count"]) for r in rows) == len(truth)
    assert {"group", "count", "errors", "p50", "p99", "p999", "max", "total"} <= set(rows[0])
    done = perfkit("logs", log, "-o", tmp_path / "t.md")
    assert done.returncode == 0
    text = (tmp_path / "t.md").read_text()
    assert text.startswith("| group | count |") and "| TOTAL |" in text


def test_logfmt_with_unit_strings(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    lines = [
        f"ts=2024-03-12T09:00:{i:02d}Z level=info method=GET path=/a/{i} status=200 took={i + 1}ms\n" for i in range(40)
    ]
    lines += ['ts=2024-03-12T09:01:00Z level=error msg="db timeout after 3000ms" path=/a/7 took=3s\n']
    log.write_text("".join(lines))
    done = perfkit("logs", log, "--format", "json")
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)[0]
    assert row["group"] == "GET /a/:id" or row["group"] == "/a/:id"
    rows = {r["group"]: r for r in json.loads(done.stdout)}
    assert rows["GET /a/:id"]["p50"] == 0.02 and rows["GET /a/:id"]["max"] == 0.04
    assert rows["/a/:id"]["max"] == 3.0 and rows["/a/:id"]["errors"] == 1
    assert "took (units in the values, from the values)" in done.stderr


def test_tail_follows_appends_and_rotation(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    reqs = list(loggen.requests(30))
    log.write_text("".join(loggen.combined_line(r) for r in reqs[:10]))
    tail, reader = Tail(str(log)), LogReader()
    assert len(reader.parse_block(tail.poll())) == 10
    with log.open("a") as f:
        f.write(loggen.combined_line(reqs[10])[:30])  # half a line: not yet
    assert tail.poll() is None
    with log.open("a") as f:
        f.write(loggen.combined_line(reqs[10])[30:])
    assert len(reader.parse_block(tail.poll())) == 1
    log.rename(tmp_path / "access.log.1")  # logrotate
    log.write_text("".join(loggen.combined_line(r) for r in reqs[11:30]))
    assert len(reader.parse_block(tail.poll())) == 19


def test_usage_mistakes(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    loggen.write(log, "combined", 50)
    for args, message in (
        (["--format", "xml"], "--format xml: use one of text, json, csv, markdown"),
        (["--every", "soon"], "--every soon: use a duration such as 10s"),
        (["--fail-on", "5%"], "--fail-on needs --base OLD or --split-at TIME"),
        (["--split-at", "yesterday"], "--split-at yesterday: not a time"),
        (["-o", tmp_path / "x.png"], "unknown extension; use .html, .json, .csv, .md or .txt"),
        (["--duration", "took:parsecs"], "unknown unit 'parsecs'"),
        ([tmp_path], "is a folder"),
    ):
        done = perfkit("logs", log, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)


def test_follow_prints_the_final_table_on_ctrl_c(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    log = tmp_path / "access.log"
    reqs = list(loggen.requests(60))
    log.write_text("".join(loggen.combined_line(r) for r in reqs[:20]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfkit", "logs", "--follow", str(log), "--format", "text"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)
    with log.open("a") as f:
        f.write("".join(loggen.combined_line(r) for r in reqs[20:]))
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert "perfkit: stopped following" in err, err
    totals = [line.split()[1] for line in out.splitlines() if line.startswith("TOTAL")]
    assert totals[-1] == "60"  # the final table has the lines appended while following
