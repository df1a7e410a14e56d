"""Across formats: folded -> pprof -> speedscope -> folded keeps every stack and total exactly,
and every writer accepts what every reader produces."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

from perfkit import files
from perfkit.formats import folded, pprof, registry, speedscope
from perfkit.model import Frame, Profile
from profilegen import canonical, profiles, totals

MAKE_FOLDED = Path("/work/shared/bench/make_folded.py")
FORMAT_EXTENSIONS = {"folded": ".folded", "pprof": ".pb.gz", "speedscope": ".speedscope.json"}


def through_all_formats(profile: Profile, tmp: Path) -> Profile:
    """folded -> pprof -> speedscope -> folded, each step a real file via files.save/load."""
    p = files.load(files.save(profile, tmp / "a.pb.gz"))
    p = files.load(files.save(p, tmp / "b.speedscope.json"))
    return files.load(files.save(p, tmp / "c.folded"))


@pytest.fixture(scope="module")
def bench_folded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared benchmark generator's output at a small size (2000 stacks)."""
    if not MAKE_FOLDED.exists():
        pytest.skip(f"SKIPPED LOUDLY: {MAKE_FOLDED} is missing")
    path = tmp_path_factory.mktemp("bench") / "stacks.folded"
    subprocess.run([sys.executable, str(MAKE_FOLDED), str(path), "2000"], check=True, timeout=120)
    return path


def test_generated_file_survives_every_format(bench_folded: Path, tmp_path: Path) -> None:
    original = files.load(bench_folded)
    assert len(original.stacks) == 2000
    back = through_all_formats(original, tmp_path)
    assert totals(back) == totals(original)
    assert back.total() == original.total()
    # and the text itself comes back line for line (after folded's own sorting)
    assert (tmp_path / "c.folded").read_text() == folded.write(original)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(profiles(max_types=1, label_keys=()))
def test_random_profiles_survive_every_format(tmp_path: Path, profile: Profile) -> None:
    assume(totals(profile))  # an empty folded file is refused on load, rightly
    start = folded.parse(folded.write(profile))  # the folded view of the random profile
    back = through_all_formats(start, tmp_path)
    assert totals(back) == totals(start) == totals(profile)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(profiles(label_keys=("thread",)))
def test_pprof_and_speedscope_agree(profile: Profile) -> None:
    """Both rich formats keep types, threads and per-stack values, in either order."""
    a = speedscope.from_json(json.loads(speedscope.write(pprof.decode(pprof.write(profile)))))
    b = pprof.decode(pprof.write(speedscope.from_json(json.loads(speedscope.write(profile)))))
    assert canonical(a) == canonical(b) == canonical(profile)
    assert a.sample_types == b.sample_types == profile.sample_types


def sample_profile() -> Profile:
    p = Profile(metadata={"command": "python app.py"})
    p.add([Frame("main", "app.py", 1), Frame("hot", "app.py", 10)], 7, {"thread": "MainThread"})
    p.add([Frame("main", "app.py", 1), Frame("cold", "lib.py", 3)], 3, {"thread": "worker"})
    return p


@pytest.mark.parametrize("source", sorted(FORMAT_EXTENSIONS))
@pytest.mark.parametrize("writer", [c.name for c in registry.writers()])
def test_every_writer_accepts_every_reader(source: str, writer: str, tmp_path: Path) -> None:
    """Every output (formats and rendered views) can be made from every input format."""
    src = files.save(sample_profile(), tmp_path / f"in{FORMAT_EXTENSIONS[source]}")
    loaded = files.load(src)
    assert loaded.metadata["format"] == source
    codec = registry.by_name(writer, "write")
    out = files.save(loaded, tmp_path / f"out{codec.extensions[0]}", format=codec.name)
    assert out.stat().st_size > 0
    if codec.name in FORMAT_EXTENSIONS:
        assert totals(files.load(out)) == totals(sample_profile())
