"""The Profile model: interning, merge, filter, prune, diff, aggregate, type lookup."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit.model import CPU_NS, SAMPLES, Frame, Profile, ValueType
from profilegen import canonical, profiles, totals

MAIN, HOT, COLD, LEAF = (
    Frame("main", "app.py", 1),
    Frame("hot", "app.py", 10),
    Frame("cold", "lib.py", 20),
    Frame("leaf"),
)


def split() -> Profile:
    p = Profile([SAMPLES, CPU_NS], default_type=1, metadata={"command": "x"})
    p.add([MAIN, HOT], [7, 70], {"thread": "MainThread"})
    p.add([MAIN, COLD], [3, 30], {"thread": "worker"})
    p.add([MAIN, HOT, LEAF], [1, 5], {"thread": "worker", "task": "t1"})
    return p


def test_interning_shares_frames_stacks_and_labelsets() -> None:
    p = Profile()
    p.add([MAIN, HOT], 1, {"b": "2", "a": "1"})
    p.add([MAIN, HOT], 2, {"a": "1", "b": "2"})
    assert len(p.frames) == 2 and len(p.stacks) == 1 and len(p.labelsets) == 2
    assert p.sample_labels[0] == p.sample_labels[1] != 0
    assert p.labelset_id(None) == p.labelset_id({}) == 0


def test_add_rejects_wrong_value_count() -> None:
    with pytest.raises(ValueError, match="1 values, profile has 2"):
        split().add([MAIN], 1)


def test_needs_a_sample_type() -> None:
    with pytest.raises(ValueError, match="at least one sample type"):
        Profile([])


def test_type_index() -> None:
    p = split()
    assert p.type_index() == 1
    assert p.type_index("samples") == 0 and p.type_index("cpu/nanoseconds") == 1 and p.type_index(0) == 0
    with pytest.raises(KeyError, match=r"no sample type 'wall'.*samples/count, cpu/nanoseconds"):
        p.type_index("wall")
    with pytest.raises(KeyError):
        p.type_index(2)
    with pytest.raises(KeyError):
        p.type_index(-1)


def test_value_type_parse_and_str() -> None:
    assert ValueType.parse("alloc_space/bytes") == ValueType("alloc_space", "bytes")
    assert ValueType.parse("samples") == ValueType("samples", "count")
    assert str(CPU_NS) == "cpu/nanoseconds"


def test_frame_label() -> None:
    assert HOT.label() == "hot (app.py:10)" and LEAF.label() == "leaf" and Frame("f", "x.py").label() == "f (x.py)"


def test_totals_and_stack_totals() -> None:
    p = split()
    assert p.total() == 105 and p.total("samples") == 11
    assert totals(p, "cpu") == {(MAIN, HOT): 70, (MAIN, COLD): 30, (MAIN, HOT, LEAF): 5}


def test_label_values() -> None:
    assert split().label_values("thread") == ["MainThread", "worker"]
    assert split().label_values("nope") == []


# ---------------------------------------------------------------------------------------- filter
def test_filter_focus_and_ignore() -> None:
    p = split()
    assert totals(p.filter(focus="^hot$"), "cpu") == {(MAIN, HOT): 70, (MAIN, HOT, LEAF): 5}
    assert totals(p.filter(ignore="leaf"), "cpu") == {(MAIN, HOT): 70, (MAIN, COLD): 30}
    assert totals(p.filter(focus="lib.py:20"), "cpu") == {(MAIN, COLD): 30}  # file:line matches too
    assert totals(p.filter(focus="hot", ignore="leaf"), "cpu") == {(MAIN, HOT): 70}
    assert p.filter(focus="nothing-matches").is_empty


def test_filter_by_labels() -> None:
    p = split()
    assert p.filter(labels={"thread": "worker"}).total() == 35
    assert p.filter(labels={"thread": "worker", "task": "t1"}).total() == 5
    assert p.filter(labels={"thread": "nobody"}).is_empty
    kept = p.filter(focus="main", labels={"thread": "MainThread"})
    assert [s.labels for s in kept.samples()] == [{"thread": "MainThread"}]


def test_filter_keeps_types_and_metadata() -> None:
    out = split().filter(focus="hot")
    assert out.sample_types == [SAMPLES, CPU_NS] and out.default_type == 1 and out.metadata == {"command": "x"}


# ---------------------------------------------------------------------------------------- merge, aggregate
def test_merge_sums_and_checks_types() -> None:
    a, b = split(), split()
    merged = a.merge(b)
    assert merged.total() == 210 and len(merged) == 6
    assert canonical(merged.aggregate()) == {k: tuple(2 * v for v in vals) for k, vals in canonical(a).items()}
    other = Profile([ValueType("alloc_space", "bytes")])
    with pytest.raises(ValueError, match="different sample types"):
        a.merge(other)


def test_merge_maps_foreign_ids() -> None:
    a = Profile()
    a.add([LEAF], 1)
    b = Profile()
    b.add([MAIN, HOT], 2, {"thread": "x"})
    merged = a.merge(b)
    assert {(s.stack, s.values, tuple(s.labels.items())) for s in merged.samples()} == {
        ((LEAF,), (1,), ()),
        ((MAIN, HOT), (2,), (("thread", "x"),)),
    }


def test_aggregate_merges_rows_keeps_totals() -> None:
    p = split().merge(split())
    agg = p.aggregate()
    assert len(agg) == 3 and canonical(agg) == canonical(p)
    flat = p.aggregate(keep_labels=False)
    assert len(flat) == 3 and all(not s.labels for s in flat.samples())
    assert flat.total() == p.total()


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(profiles())
def test_aggregate_and_copy_preserve_canonical_form(profile: Profile) -> None:
    assert canonical(profile.aggregate()) == canonical(profile)
    assert canonical(profile.copy()) == canonical(profile)


# ---------------------------------------------------------------------------------------- prune
def test_prune_cuts_small_subtrees_into_their_parent() -> None:
    p = split()
    pruned = p.prune(0.10, "cpu")  # leaf has 5/105 < 10%: its value moves up to hot
    assert totals(pruned, "cpu") == {(MAIN, HOT): 75, (MAIN, COLD): 30}
    assert totals(p.prune(0.5, "cpu"), "cpu") == {(MAIN, HOT): 75, (MAIN,): 30}
    assert totals(p.prune(0.0, "cpu"), "cpu") == totals(p, "cpu")


def test_prune_empty_profile_is_a_copy() -> None:
    p = Profile()
    p.add([MAIN], 0)
    assert canonical(p.prune(0.5)) == canonical(p)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(profiles(min_value=-1000, max_value=1000), st.floats(0, 1))
def test_prune_keeps_every_total_exactly(profile: Profile, fraction: float) -> None:
    pruned = profile.prune(fraction)
    for t in range(len(profile.sample_types)):
        assert pruned.total(t) == profile.total(t)
    # and every pruned stack is a prefix of an original one
    originals = {s for s in profile.stacks}
    for stack in pruned.stacks:
        assert any(o[: len(stack)] == stack for o in originals)


# ---------------------------------------------------------------------------------------- diff
def test_diff_subtracts_per_stack() -> None:
    new, base = Profile(), Profile()
    new.add([MAIN, HOT], 10)
    new.add([MAIN, COLD], 4)
    base.add([MAIN, HOT], 6)
    base.add([MAIN, LEAF], 3)
    d = new.diff(base)
    assert totals(d) == {(MAIN, HOT): 4, (MAIN, COLD): 4, (MAIN, LEAF): -3}


def test_diff_normalize_scales_base_to_same_total() -> None:
    new, base = Profile(), Profile()
    new.add([MAIN, HOT], 50)
    new.add([MAIN, COLD], 50)
    base.add([MAIN, HOT], 10)
    base.add([MAIN, COLD], 40)
    d = new.diff(base, normalize=True)  # base doubled to 100: hot 20, cold 80
    assert totals(d) == {(MAIN, HOT): 30, (MAIN, COLD): -30}
    assert d.total() == 0


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(profiles(max_types=1))
def test_diff_with_itself_is_zero(profile: Profile) -> None:
    assert totals(profile.diff(profile)) == {}


def test_scaled_rounds() -> None:
    p = Profile()
    p.add([MAIN], 3)
    assert p.scaled(0.5).total() == 2  # round half to even: 1.5 -> 2


def test_map_stacks_rewrites_frames() -> None:
    p = split().map_stacks(lambda stack: [f for f in stack if f.function != "main"])
    assert totals(p, "cpu") == {(HOT,): 70, (COLD,): 30, (HOT, LEAF): 5}
    assert p.label_values("thread") == ["MainThread", "worker"]
