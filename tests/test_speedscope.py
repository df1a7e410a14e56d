"""speedscope format: golden JSON, exact round trips, foreign sampled/evented files, validation."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit import files
from perfkit.errors import PerfkitError
from perfkit.formats import speedscope
from perfkit.model import CPU_NS, SAMPLES, Frame, Profile, ValueType
from profilegen import canonical, damaged, profiles

GOLDEN = Path(__file__).parent / "golden" / "formats"


def threaded_profile() -> Profile:
    """Two threads, two sample types, a repeated sample (merged into one run) and a gap."""
    p = Profile([SAMPLES, CPU_NS], default_type=1, metadata={"command": "python app.py", "backend": "py-spy"})
    main, hot, cold = Frame("main", "app.py", 3), Frame("hot", "app.py", 10), Frame("cold")
    p.add([main, hot], [1, 10], {"thread": "MainThread"})
    p.add([main, hot], [1, 10], {"thread": "MainThread"})
    p.add([main, cold], [1, 20], {"thread": "worker"})
    p.add([main], [1, 5], {"thread": "MainThread"})
    p.add([main, hot], [2, 30], {"thread": "MainThread"})
    return p


def _doc(profiles: list[dict], frames: list[dict] | None = None, **extra) -> dict:
    return {
        "$schema": speedscope.SCHEMA,
        "shared": {
            "frames": frames if frames is not None else [{"name": "a"}, {"name": "b", "file": "b.py", "line": 2}]
        },
        "profiles": profiles,
        **extra,
    }


def _write(tmp_path: Path, doc: object, name: str = "p.speedscope.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


# ---------------------------------------------------------------------------------------- golden
def test_golden_json() -> None:
    text = speedscope.write(threaded_profile(), indent=1)
    golden = GOLDEN / "threaded.speedscope.json"
    if os.environ.get("PERFKIT_REGOLD"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_written_layout() -> None:
    doc = json.loads(speedscope.write(threaded_profile()))
    assert doc["$schema"] == speedscope.SCHEMA
    assert [p["name"] for p in doc["profiles"]] == [
        "MainThread (samples/count)",
        "worker (samples/count)",
        "MainThread (cpu/nanoseconds)",
        "worker (cpu/nanoseconds)",
    ]
    assert doc["activeProfileIndex"] == 2  # the first profile of the default type
    main_cpu = doc["profiles"][2]
    assert main_cpu["unit"] == "nanoseconds" and doc["profiles"][0]["unit"] == "none"
    assert main_cpu["weights"] == [20, 5, 30]  # the two equal neighbours merged, order kept
    assert main_cpu["endValue"] == 55
    assert doc["shared"]["frames"][:2] == [
        {"name": "main", "file": "app.py", "line": 3},
        {"name": "hot", "file": "app.py", "line": 10},
    ]


def test_one_profile_without_threads() -> None:
    p = Profile([ValueType("alloc_space", "bytes")])
    p.add([Frame("f")], 100)
    doc = json.loads(speedscope.write(p))
    (only,) = doc["profiles"]
    assert only["name"] == "perfkit profile" and only["unit"] == "bytes"
    assert only["samples"] == [[0]] and only["weights"] == [100]


# ---------------------------------------------------------------------------------------- round trips
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(profiles(min_value=-(10**12), label_keys=("thread",)))
def test_random_profiles_round_trip_exactly(profile: Profile) -> None:
    back = speedscope.from_json(json.loads(speedscope.write(profile)))
    assert back.sample_types == profile.sample_types
    assert back.default_type == profile.default_type
    assert (back.period, back.period_type) == (profile.period, profile.period_type)
    assert canonical(back) == canonical(profile)
    assert {k: v for k, v in back.metadata.items() if k != "format"} == {
        k: v for k, v in profile.metadata.items() if k != "format"
    }


def test_other_labels_are_dropped_but_totals_kept() -> None:
    p = Profile([SAMPLES])
    p.add([Frame("f")], 3, {"thread": "t", "task": "a"})
    p.add([Frame("f")], 4, {"thread": "t", "task": "b"})
    back = speedscope.from_json(json.loads(speedscope.write(p)))
    assert canonical(back) == {((Frame("f"),), (("thread", "t"),)): (7,)}


def test_files_load_and_save(tmp_path: Path) -> None:
    for name in ("p.speedscope.json", "p.json"):
        path = files.save(threaded_profile(), tmp_path / name)
        back = files.load(path)
        assert back.metadata["format"] == "speedscope"
        assert canonical(back) == canonical(threaded_profile())


# ---------------------------------------------------------------------------------------- foreign files
def test_sampled_float_seconds_become_nanoseconds(tmp_path: Path) -> None:
    doc = _doc(
        [
            {
                "type": "sampled",
                "name": "x",
                "unit": "seconds",
                "startValue": 0,
                "endValue": 1,
                "samples": [[0, 1], [0]],
                "weights": [0.25, 1e-9],
            }
        ]
    )
    p = files.load(_write(tmp_path, doc))
    assert p.sample_types == [ValueType("wall", "nanoseconds")]
    assert canonical(p) == {
        ((Frame("a"), Frame("b", "b.py", 2)), ()): (250_000_000,),
        ((Frame("a"),), ()): (1,),
    }


def test_evented_profile_becomes_durations(tmp_path: Path) -> None:
    events = [
        {"type": "O", "frame": 0, "at": 0.0},
        {"type": "O", "frame": 1, "at": 1.5},
        {"type": "C", "frame": 1, "at": 4.0},
        {"type": "C", "frame": 0, "at": 5.0},
        {"type": "O", "frame": 1, "at": 7.0},
        {"type": "C", "frame": 1, "at": 8.0},
    ]
    doc = _doc(
        [{"type": "evented", "name": "e", "unit": "milliseconds", "startValue": 0, "endValue": 8, "events": events}]
    )
    p = files.load(_write(tmp_path, doc))
    a, b = Frame("a"), Frame("b", "b.py", 2)
    assert canonical(p) == {((a,), ()): (2_500_000,), ((a, b), ()): (2_500_000,), ((b,), ()): (1_000_000,)}


def test_several_foreign_profiles_stay_apart_as_profile_labels(tmp_path: Path) -> None:
    doc = _doc(
        [
            {
                "type": "sampled",
                "name": "Thread 1",
                "unit": "none",
                "startValue": 0,
                "endValue": 2,
                "samples": [[0], [1]],
                "weights": [1, 1],
            },
            {
                "type": "sampled",
                "name": "Thread 2",
                "unit": "none",
                "startValue": 0,
                "endValue": 3,
                "samples": [[1]],
                "weights": [3],
            },
        ],
        activeProfileIndex=1,
        name="py-spy run",
    )
    p = files.load(_write(tmp_path, doc, "spy.json"))
    assert p.label_values("profile") == ["Thread 1", "Thread 2"]
    assert p.total() == 5 and p.metadata["name"] == "py-spy run"
    assert p.metadata["profiles"] == ["Thread 1", "Thread 2"] and p.metadata["active_profile"] == "Thread 2"
    assert p.filter(labels={"profile": "Thread 2"}).total() == 3
    # written back, they are two speedscope profiles again, under the file's name
    again = json.loads(speedscope.write(p))
    assert [(q["name"], q["endValue"]) for q in again["profiles"]] == [("Thread 1", 2), ("Thread 2", 3)]
    assert again["name"] == "py-spy run"
    assert canonical(files.load(_write(tmp_path, again, "again.json"))) == canonical(p)


def test_profiles_with_one_name_get_numbered(tmp_path: Path) -> None:
    """py-spy names every thread's profile "py-spy": summing them by name would merge threads."""
    one = {"type": "sampled", "name": "py-spy", "unit": "none", "startValue": 0, "endValue": 1}
    doc = _doc(
        [
            {**one, "samples": [[0]], "weights": [1]},
            {**one, "samples": [[1]], "weights": [2]},
            {**one, "samples": [[0]], "weights": [4]},
        ]
    )
    p = files.load(_write(tmp_path, doc, "spy.json"))
    assert p.metadata["profiles"] == ["py-spy", "py-spy #2", "py-spy #3"]
    assert [p.filter(labels={"profile": n}).total() for n in p.metadata["profiles"]] == [1, 2, 4]


def test_name_is_the_command_line() -> None:
    p = threaded_profile()
    p.metadata["command"] = ["python", "app.py", "--name", "two words"]
    assert json.loads(speedscope.write(p))["name"] == "python app.py --name 'two words'"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_doc([{"type": "sampled", "unit": "none", "samples": [[0, 5]], "weights": [1]}]), "frame index 5"),
        (_doc([{"type": "sampled", "unit": "none", "samples": [[0], [1]], "weights": [1]}]), "1 weights for 2 samples"),
        (_doc([{"type": "sampled", "unit": "none", "samples": [[0]], "weights": ["x"]}]), "finite number"),
        (_doc([{"type": "sampled", "unit": "furlongs", "samples": [], "weights": []}]), "unknown unit"),
        (_doc([{"type": "sampled", "unit": "none", "samples": [[0]], "weights": [1e30]}]), "64 bits"),
        (_doc([{"type": "flat", "unit": "none"}]), "'sampled' or 'evented'"),
        (_doc([]), "no profiles"),
        (
            _doc(
                [
                    {
                        "type": "evented",
                        "unit": "none",
                        "events": [{"type": "O", "frame": 0, "at": 0}, {"type": "C", "frame": 1, "at": 1}],
                    }
                ]
            ),
            "innermost",
        ),
        (_doc([{"type": "evented", "unit": "none", "events": [{"type": "O", "frame": 0, "at": 0}]}]), "still open"),
        (
            _doc(
                [
                    {
                        "type": "evented",
                        "unit": "none",
                        "events": [{"type": "O", "frame": 0, "at": 5}, {"type": "C", "frame": 0, "at": 1}],
                    }
                ]
            ),
            "back in time",
        ),
        (
            _doc([{"type": "evented", "unit": "none", "events": [{"type": "X", "frame": 0, "at": 0}]}]),
            "expected 'O' or 'C'",
        ),
        (_doc([], frames=[{"file": "x"}]), "no name"),
        ({"$schema": "other", "profiles": []}, r"\$schema"),
    ],
)
def test_invalid_documents_say_what_is_wrong(doc: dict, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        speedscope.from_json(doc)
    with pytest.raises(PerfkitError, match=message):
        files.load(_write(tmp_path, doc), format="speedscope")


def test_sniff() -> None:
    assert speedscope.sniff(speedscope.write(threaded_profile()).encode()[:4096])
    assert not speedscope.sniff(b'{"traceEvents": []}')
    assert not speedscope.sniff(b"main;hot 1\n")


# ---------------------------------------------------------------------------------------- damaged files
VALID = speedscope.write(threaded_profile()).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_corrupted_input_fails_cleanly(tmp_path: Path, edits, cut) -> None:
    path = tmp_path / "bad.speedscope.json"
    path.write_bytes(damaged(VALID, edits, cut))
    try:
        files.load(path)
    except PerfkitError as exc:
        assert "\n" not in str(exc)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["type", "frame", "at", "name", "x"]), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    frames=json_values,
    profiles_=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(["sampled", "evented"]) | json_values,
                "unit": st.sampled_from(["none", "seconds", "bytes"]) | json_values,
                "samples": st.lists(st.lists(st.integers(-1, 3) | json_values, max_size=4), max_size=4) | json_values,
                "weights": st.lists(st.integers(-5, 5) | st.floats() | json_values, max_size=4) | json_values,
                "events": st.lists(
                    st.fixed_dictionaries(
                        {"type": st.sampled_from(["O", "C"]), "frame": st.integers(-1, 3), "at": st.integers(0, 9)}
                    )
                    | json_values,
                    max_size=5,
                ),
                "x-perfkit": json_values,
            },
        ),
        max_size=3,
    ),
    extra=json_values,
)
def test_structurally_random_documents_raise_value_error(frames, profiles_, extra) -> None:
    """Any JSON shape: ValueError or a Profile, never another exception."""
    doc = {"$schema": speedscope.SCHEMA, "shared": {"frames": frames}, "profiles": profiles_, "x-perfkit": extra}
    with contextlib.suppress(ValueError):
        speedscope.from_json(doc)


def test_golden_several_profiles() -> None:
    """Writer: profile labels (from a foreign file with several profiles) give one speedscope
    profile each, titled by name; the file's name is the command as a shell line."""
    p = Profile([ValueType("wall", "nanoseconds")], metadata={"command": ["python", "app.py", "--port", "8080"]})
    main, work = Frame("main", "app.py", 3), Frame("work", "app.py", 9)
    p.add([main, work], 5_000_000, {"profile": "py-spy"})
    p.add([main], 1_000_000, {"profile": "py-spy #2"})
    p.add([main, work], 2_000_000, {"profile": "py-spy #2", "thread": "worker"})
    text = speedscope.write(p, indent=1)
    golden = GOLDEN / "several.speedscope.json"
    if os.environ.get("PERFKIT_REGOLD"):
        golden.write_text(text)
    assert text == golden.read_text()
    doc = json.loads(text)
    assert doc["name"] == "python app.py --port 8080"
    assert [q["name"] for q in doc["profiles"]] == ["py-spy", "py-spy #2", "py-spy #2 worker"]
    assert canonical(speedscope.from_json(doc)) == canonical(p)


FOREIGN = json.dumps(
    _doc(
        [
            {
                "type": "sampled",
                "name": "a",
                "unit": "milliseconds",
                "startValue": 0,
                "endValue": 3,
                "samples": [[0], [0, 1]],
                "weights": [1, 2],
            },
            {
                "type": "evented",
                "name": "a",
                "unit": "milliseconds",
                "startValue": 0,
                "endValue": 4,
                "events": [{"type": "O", "frame": 0, "at": 0}, {"type": "C", "frame": 0, "at": 4}],
            },
        ],
        activeProfileIndex=1,
    )
).encode()


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_corrupted_foreign_file_with_several_profiles_fails_cleanly(tmp_path: Path, edits, cut) -> None:
    path = tmp_path / "bad.speedscope.json"
    path.write_bytes(damaged(FOREIGN, edits, cut))
    try:
        files.load(path, format="speedscope")
    except PerfkitError as exc:
        assert "\n" not in str(exc)
