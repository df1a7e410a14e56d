"""The example order service runs with the endpoint on and is profiled live under load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from perfkit.debug import fetch

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "order_service_live.py"


def test_order_service_profiled_live_under_load() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(EXAMPLE),
            "--port",
            "0",
            "--debug-address",
            "127.0.0.1:0",
            "--load",
            "20",
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        url = proc.stdout.readline().split()[-1].removesuffix("/debug/pprof/")
        profile = fetch.fetch_profile(url, 2)
        assert profile.filter(focus="dedupe_line_items").total() > 0.2 * profile.total()
        assert "enrich-0" in profile.label_values("thread")
        assert "load-generator" in fetch.fetch_dump(url)
    finally:
        proc.kill()
        proc.wait()
