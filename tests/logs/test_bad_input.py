"""Bad input never gives a traceback: one clear line, and whatever could be read is analysed."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.logs import loggen

from cli_helpers import perfkit


def _no_traceback(done) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    done = perfkit("logs", empty)
    _no_traceback(done)
    assert done.returncode == 2
    assert f"perfkit: {empty}: empty; nothing to analyse" in done.stderr


def test_binary_file(tmp_path: Path) -> None:
    binary = tmp_path / "core.bin"
    binary.write_bytes(os.urandom(5000) + b"\x00" * 100)
    done = perfkit("logs", binary)
    _no_traceback(done)
    assert done.returncode == 2
    assert "binary data, not a text log" in done.stderr


def test_binary_next_to_a_good_file(tmp_path: Path) -> None:
    binary, good = tmp_path / "core.bin", tmp_path / "access.log"
    binary.write_bytes(b"\x00\x01\x02" * 1000)
    loggen.write(good, "combined", 300)
    done = perfkit("logs", binary, good, "--format", "json")
    _no_traceback(done)
    assert done.returncode == 0
    assert sum(r["count"] for r in json.loads(done.stdout)) == 300
    assert "binary data" in done.stderr


def test_no_duration_field(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    lines = [
        {"ts": 1710234000 + i, "method": "GET", "path": f"/items/{i}", "status": 500 if i % 10 == 0 else 200}
        for i in range(50)
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = perfkit("logs", log)
    _no_traceback(done)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("GET /items/:id"))
    assert row.split()[2:6] == ["50", "1.02", "5", "10.0%"]  # count, rate/s (50 in 49 s), errors, err%
    assert "latency columns are empty: no field named like duration" in done.stdout
    assert "--duration FIELD[:UNIT]" in done.stdout
    data = json.loads(perfkit("logs", log, "--format", "json").stdout)
    assert data[0]["count"] == 50 and data[0]["errors"] == 5 and data[0]["p50"] is None


def test_mixed_formats(tmp_path: Path) -> None:
    log = tmp_path / "mixed.log"
    requests = list(loggen.requests(40, seed=4))
    lines = [loggen.json_line(r) if i % 2 else loggen.combined_line(r) for i, r in enumerate(requests)]
    lines.insert(10, "this is not a log line at all\n")
    lines.insert(20, '{"truncated": \n')
    log.write_text("".join(lines))
    done = perfkit("logs", log, "--format", "json")
    _no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert sum(r["count"] for r in json.loads(done.stdout)) == 40
    assert "mixed formats (20 JSON lines, 20 Common/Combined Log Format)" in done.stderr
    assert "2 line(s) not understood" in done.stderr
    assert f"{log}:11: 'this is not a log line at all'" in done.stderr
    assert f"{log}:21:" in done.stderr


def test_truncated_gzip(tmp_path: Path) -> None:
    whole = tmp_path / "access.log.gz"
    loggen.write(whole, "combined", 20000)
    cut = tmp_path / "cut.log.gz"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    done = perfkit("logs", cut, "--format", "json")
    _no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert "truncated gzip file" in done.stderr
    read = sum(r["count"] for r in json.loads(done.stdout))
    assert 5000 < read < 20000
    # every line before the cut is there: the same count as decompressing by hand up to the damage
    import zlib

    partial = zlib.decompressobj(wbits=31).decompress(data[: len(data) // 2])
    assert read == partial.count(b"\n")


def test_corrupt_gzip_and_a_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gz"
    good = gzip.compress(b"".join(loggen.combined_line(r).encode() for r in loggen.requests(100)))
    bad.write_bytes(good[:200] + b"\xff" * 50 + good[250:])
    done = perfkit("logs", bad)
    _no_traceback(done)
    assert "corrupt gzip data" in done.stderr or "truncated" in done.stderr
    missing = perfkit("logs", tmp_path / "nope.log")
    assert missing.returncode == 2 and "nope.log: no such file; check the path" in missing.stderr
    _no_traceback(missing)


def test_invalid_utf8_and_stdin(tmp_path: Path) -> None:
    lines = b"".join(loggen.combined_line(r).encode() for r in loggen.requests(30))
    lines = lines.replace(b"Mozilla", b"Moz\xff\xfeilla")
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "logs", "-", "--format", "json"],
        input=lines,
        capture_output=True,
        timeout=120,
    )
    done.stdout, done.stderr = done.stdout.decode(), done.stderr.decode()
    _no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert sum(r["count"] for r in json.loads(done.stdout)) == 30


def test_concatenated_gzip_members_and_a_glob(tmp_path: Path) -> None:
    lines = [loggen.combined_line(r).encode() for r in loggen.requests(100)]
    (tmp_path / "a.log.gz").write_bytes(gzip.compress(b"".join(lines[:60])) + gzip.compress(b"".join(lines[60:])))
    (tmp_path / "b.log").write_bytes(b"".join(lines))
    done = perfkit("logs", str(tmp_path / "*.log*"), "--format", "json")  # quoted glob, expanded by perfkit
    _no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert sum(r["count"] for r in json.loads(done.stdout)) == 200
    assert "warning" not in done.stderr
