"""The model's labels (strings and numbers with units) and column helpers."""

from __future__ import annotations

from perfkit.model import CPU_NS, SAMPLES, Frame, NumLabel, Profile, ValueType, command_text, label_set
from profilegen import canonical

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


# ---------------------------------------------------------------------------------------- labels, columns
def test_numeric_labels_intern_as_numbers() -> None:
    p = Profile()
    a = p.labelset_id({"bytes": 4096, "thread": "main"})
    assert p.labelset_id({"thread": "main", "bytes": NumLabel(4096)}) == a
    assert p.labelset_id({"bytes": NumLabel(4096, "bytes")}) != p.labelset_id({"bytes": NumLabel(4096)})
    assert p.labelsets[a] == (("bytes", NumLabel(4096)), ("thread", "main"))
    # one key with a number and a string (pprof allows both): strings first, no TypeError
    mixed = p.labelset_id([("k", NumLabel(2)), ("k", "x"), ("k", NumLabel(1))])
    assert p.labelsets[mixed] == (("k", "x"), ("k", NumLabel(1)), ("k", NumLabel(2)))
    assert p.labelset_id({"flag": True}) == p.labelset_id({"flag": "True"})  # bools stay text
    assert str(NumLabel(5, "ms")) == "5 ms" and str(NumLabel(5)) == "5"
    assert label_set({"b": "1", "a": 2}) == (("a", NumLabel(2)), ("b", "1"))


def test_select_labels_and_filter_leave_the_profile_alone() -> None:
    p = split()
    before = list(p.labelsets)
    assert p.select_labels(lambda ls: ("thread", "worker") in ls).total() == 35
    assert p.filter(labels={"thread": "nobody", "n": 3}).is_empty
    assert p.labelsets == before  # filtering interned nothing into the original


def test_only_splits_a_column() -> None:
    p = split()
    cpu = p.only("cpu")
    assert cpu.sample_types == [CPU_NS] and cpu.total() == 105 and len(cpu) == len(p)
    renamed = p.only(SAMPLES, as_type=ValueType("calls", "count"))
    assert renamed.sample_types == [ValueType("calls", "count")] and renamed.total() == 11
    assert canonical(cpu) == {k: (v[1],) for k, v in canonical(p).items()}


def test_command_text() -> None:
    assert command_text(["python", "app.py", "a b"]) == "python app.py 'a b'"
    assert command_text("python x.py") == "python x.py" and command_text(None) == ""
