"""The Scalene JSON reader: golden output from committed real Scalene 2.4 profiles, mapping
rules, and clean errors on corrupted input.

The inputs under tests/golden/scalene/ are real: ``small.scalene.json`` is
``python -m scalene run -o small.scalene.json small_program.py`` and ``alloc.scalene.json`` the
same for tests/programs/alloc_split_total.py.  To regenerate the expected text after a
deliberate change: ``PERFKIT_REGEN_GOLDEN=1 pytest tests/test_scalene_json.py``.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit import files
from perfkit.errors import PerfkitError
from perfkit.formats import folded, scalene_json
from perfkit.model import Profile
from profilegen import damaged

GOLDEN = Path(__file__).parent / "golden" / "scalene"
MB = 1024 * 1024


def _render(profile: Profile) -> str:
    """Every sample type as folded stacks, plus the metadata: the whole reading in plain text."""
    parts = [f"# metadata {json.dumps(profile.metadata, sort_keys=True)}\n"]
    for vt in profile.sample_types:
        parts.append(f"# {vt}\n")
        parts.append(folded.write(profile, sample_type=str(vt)))
    return "".join(parts)


@pytest.mark.parametrize("name", ["small", "alloc"])
def test_golden(name: str) -> None:
    profile = scalene_json.read(GOLDEN / f"{name}.scalene.json")
    expected = GOLDEN / f"{name}.expected.txt"
    text = _render(profile)
    if os.environ.get("PERFKIT_REGEN_GOLDEN"):
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")


def test_mapping_rules_on_real_profile() -> None:
    profile = scalene_json.read(GOLDEN / "small.scalene.json")
    assert [str(t) for t in profile.sample_types] == [
        "cpu/nanoseconds",
        "cpu_python/nanoseconds",
        "cpu_native/nanoseconds",
        "system/nanoseconds",
        "wall/nanoseconds",
        "alloc_space/bytes",
    ]
    names = {profile.frames[s[-1]].function for s, _ in profile.iter_stacks("wall")}
    assert "Worker.spin" in names  # Scalene's qualified name from its functions list
    # comprehension frames fold into their function; callers come from Scalene's stacks
    for stack, _ in profile.iter_stacks("wall"):
        functions = [profile.frames[f].function for f in stack]
        assert functions[:2] == ["<module>", "main"]
        assert not any("<listcomp>" in f for f in functions)
    data = json.loads((GOLDEN / "small.scalene.json").read_text())
    # the total is exactly Scalene's share of the elapsed time, line by line
    percent = sum(
        row["n_cpu_percent_python"] + row["n_cpu_percent_c"] + row["n_sys_percent"]
        for detail in data["files"].values()
        for row in detail["lines"]
    )
    assert abs(profile.total("wall") - percent / 100 * data["elapsed_time_sec"] * 1e9) <= len(profile)


def test_memory_split_on_real_profile() -> None:
    profile = scalene_json.read(GOLDEN / "alloc.scalene.json")
    assert profile.total("alloc_space") >= 150 * MB
    big = sum(v for s, v in profile.iter_stacks("alloc_space") if profile.frames[s[-1]].function == "allocate_big")
    assert abs(big / profile.total("alloc_space") - 0.8) < 0.02


def test_without_stacks_lines_stand_alone() -> None:
    data = json.loads((GOLDEN / "small.scalene.json").read_text())
    data["stacks"] = []
    data["memory_stacks"] = []
    profile = scalene_json.parse(data)
    assert all(len(stack) == 1 for stack, _ in profile.iter_stacks("wall"))
    with_stacks = scalene_json.read(GOLDEN / "small.scalene.json")
    assert profile.total("wall") == with_stacks.total("wall")


def test_function_name_falls_back_to_the_def_line() -> None:
    data = json.loads((GOLDEN / "small.scalene.json").read_text())
    for detail in data["files"].values():
        detail["functions"] = []
    data["stacks"] = []
    profile = scalene_json.parse(data)
    names = {profile.frames[s[-1]].function for s, _ in profile.iter_stacks("wall")}
    assert "spin" in names and "Worker.spin" not in names


def test_sniff_and_detection(tmp_path: Path) -> None:
    head = (GOLDEN / "small.scalene.json").read_bytes()[:4096]
    assert scalene_json.sniff(head)
    assert not scalene_json.sniff(b'{"shared": {"frames": []}, "profiles": []}')
    assert not scalene_json.sniff(b"main;f 1\n")
    copy_ = tmp_path / "profile.json"
    copy_.write_bytes((GOLDEN / "small.scalene.json").read_bytes())
    assert files.load(copy_).metadata["format"] == "scalene"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not JSON"),
        ("[1, 2]", "no Scalene profile keys"),
        ('{"alloc_samples": 0, "files": {}, "elapsed_time_sec": -1}', "elapsed_time_sec"),
        ('{"alloc_samples": 0, "files": [], "elapsed_time_sec": 1}', "'files'"),
        ('{"alloc_samples": 0, "files": {}, "elapsed_time_sec": 1e300}', "plausible"),
        ('{"alloc_samples": 0, "files": {}, "elapsed_time_sec": NaN}', "elapsed_time_sec"),
        ('{"alloc_samples": 0, "files": {"a.py": {"lines": [{"lineno": "x"}]}}, "elapsed_time_sec": 1}', "lineno"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.scalene.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        scalene_json.read(path)
    if text:
        with pytest.raises(PerfkitError) as err:
            files.load(path, format="scalene")
        assert "bad.scalene.json" in str(err.value) and "\n" not in str(err.value)


_SMALL = json.loads((GOLDEN / "small.scalene.json").read_text())
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.sampled_from([1e300, -1e300, 1e20, 2**63])
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _paths(obj: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            out += _paths(v, (*prefix, i))
    return out


_ALL_PATHS = [p for p in _paths(_SMALL) if p]


@settings(max_examples=300, deadline=None)
@given(
    edits=st.lists(st.tuples(st.sampled_from(_ALL_PATHS), _json_values), min_size=1, max_size=5),
)
def test_corrupted_structure_reads_or_raises_value_error(edits: list[tuple[tuple, object]]) -> None:
    data = copy.deepcopy(_SMALL)
    for path, value in edits:
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        profile = scalene_json.parse(data)
    except ValueError as exc:
        assert "\n" not in str(exc)
        return
    assert all(v >= 0 for column in profile.values for v in column)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 10**9), flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 255)), max_size=8))
def test_corrupted_bytes_read_or_raise_value_error(tmp_path: Path, cut: int, flips: list[tuple[int, int]]) -> None:
    path = tmp_path / "fuzzed.scalene.json"
    path.write_bytes(damaged((GOLDEN / "small.scalene.json").read_bytes(), flips, cut))
    try:
        scalene_json.read(path)
    except ValueError as exc:
        assert "\n" not in str(exc)
