"""Profiles written by Go's own runtime/pprof: the reference material for perfkit's pprof support.

``tests/golang/recorder.go`` records them (standard library only, so it builds offline); the
``go_profiles`` fixture in ``conftest.py`` builds and runs it once per test session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

RECORDER = Path(__file__).parent / "golang" / "recorder.go"


@dataclass(frozen=True)
class GoProfiles:
    """What the recorder wrote (see the comment at the top of ``recorder.go`` for contents)."""

    cpu: Path
    heap: Path
    goroutine: Path
    heap_text: Path


def record_go_profiles(go: str, work: Path) -> GoProfiles:
    """Build and run the recorder in ``work`` with ``go``, offline, and return its profiles."""
    shutil.copy(RECORDER, work / "main.go")
    (work / "go.mod").write_text("module recorder\n\ngo 1.19\n")
    env = {
        **os.environ,
        "GOPATH": str(work / "gopath"),
        "GOCACHE": str(work / "gocache"),
        "GOFLAGS": "-mod=mod",
        "GO111MODULE": "on",
        "GOPROXY": "off",
        "CGO_ENABLED": "0",
    }
    out = work / "out"
    out.mkdir()
    subprocess.run([go, "run", ".", str(out)], cwd=work, env=env, check=True, timeout=300)
    return GoProfiles(out / "cpu.pb.gz", out / "heap.pb.gz", out / "goroutine.pb.gz", out / "heap.txt")
