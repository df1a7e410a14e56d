"""The command line with pprof's semantics: --tagfocus/--tagignore/--tags on top and flame,
difffolded input as a diff flame graph, several speedscope profiles, legacy and raw inputs."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cli_helpers import FOLDED, FOLDED_BASE, assert_one_line_error, perfkit, write_folded
from goprofiles import GoProfiles
from perfkit import files, tags
from perfkit.views.top import format_top


@pytest.mark.gotool
def test_top_tagfocus_on_go_heap(go_profiles: GoProfiles) -> None:
    result = perfkit("top", go_profiles.heap, "-t", "alloc_space", "--tagfocus", "bytes=1mb:", "-n", "3")
    assert result.returncode == 0, result.stderr
    assert "main.allocateBig" in result.stdout and "main.allocateSmall" in result.stdout
    assert "compress/flate" not in result.stdout  # small allocations are filtered out


@pytest.mark.gotool
def test_tags_prints_the_tag_report(go_profiles: GoProfiles) -> None:
    result = perfkit("top", go_profiles.cpu, "--tags")
    assert result.returncode == 0, result.stderr
    assert result.stdout == tags.tag_report(files.load(go_profiles.cpu))
    ignored = perfkit("flame", go_profiles.cpu, "--tags", "--tagignore", "handler=cold")
    assert "cold" not in ignored.stdout and "hot" in ignored.stdout


@pytest.mark.gotool
def test_flame_tagfocus(go_profiles: GoProfiles, tmp_path: Path) -> None:
    result = perfkit("flame", go_profiles.cpu, "--tagfocus", "handler=hot", "-o", "-")
    assert result.returncode == 0, result.stderr
    ET.fromstring(result.stdout)
    assert "main.hot" in result.stdout and "main.cold" not in result.stdout


def test_bad_tagfocus_is_one_line(tmp_path: Path) -> None:
    result = perfkit("top", write_folded(tmp_path), "--tagfocus", "thread=(")
    assert_one_line_error(result, "--tagfocus", "thread=(")


def test_tagfocus_matching_nothing_warns(tmp_path: Path) -> None:
    result = perfkit("top", write_folded(tmp_path), "--tagfocus", "thread=main")
    assert result.returncode == 0
    assert "warning: --tagfocus 'thread=main'" in result.stderr and "perfkit top --tags" in result.stderr


def test_difffolded_draws_the_diff(tmp_path: Path) -> None:
    """``flame diff.folded`` draws what ``flame new --base old`` draws: widths new, colours the change."""
    new, old = write_folded(tmp_path, "new.folded", FOLDED), write_folded(tmp_path, "old.folded", FOLDED_BASE)
    counts = {}
    for text, column in ((FOLDED_BASE, 0), (FOLDED, 1)):
        for line in text.splitlines():
            stack, count = line.rsplit(" ", 1)
            counts.setdefault(stack, [0, 0])[column] = int(count)
    diff = tmp_path / "diff.folded"
    diff.write_text("".join(f"{stack} {a} {b}\n" for stack, (a, b) in counts.items()))
    one = perfkit("flame", diff, "--title", "t", "-o", tmp_path / "one.svg")
    two = perfkit("flame", new, "--base", old, "--title", "t", "-o", tmp_path / "two.svg")
    assert one.returncode == 0 and two.returncode == 0, (one.stderr, two.stderr)
    assert (tmp_path / "one.svg").read_text() == (tmp_path / "two.svg").read_text()


def test_several_speedscope_profiles_are_named_and_selectable(tmp_path: Path) -> None:
    one = {"type": "sampled", "name": "py-spy", "unit": "none", "startValue": 0, "endValue": 1}
    doc = {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {"frames": [{"name": "main"}, {"name": "work"}]},
        "profiles": [{**one, "samples": [[0, 1]], "weights": [3]}, {**one, "samples": [[0]], "weights": [5]}],
    }
    path = tmp_path / "spy.speedscope.json"
    path.write_text(json.dumps(doc))
    summed = perfkit("top", path)
    assert "holds 2 profiles (py-spy, py-spy #2), added up here" in summed.stderr
    assert "accounting for 8," in summed.stdout
    picked = perfkit("top", path, "--tagfocus", "profile=^py-spy #2$")
    assert "accounting for 5," in picked.stdout and "holds 2 profiles" not in picked.stderr


@pytest.mark.gotool
def test_legacy_heap_says_how_to_convert(go_profiles: GoProfiles) -> None:
    result = perfkit("top", go_profiles.heap_text)
    line = assert_one_line_error(result, str(go_profiles.heap_text), "go tool pprof -proto")
    assert result.returncode == 2 and "legacy text heap profile" in line


@pytest.mark.gotool
def test_zcat_output_reads(go_profiles: GoProfiles, tmp_path: Path) -> None:
    raw = tmp_path / "heap"
    raw.write_bytes(gzip.decompress(go_profiles.heap.read_bytes()))
    assert perfkit("top", raw, "-n", "2").stdout == format_top(files.load(go_profiles.heap), limit=2)
