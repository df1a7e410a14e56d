"""Shadow state is freed with its object, so a new object at a reused address starts clean.

These run the runtime in-process with real threads and no synchronisation patches: threads get
fresh clocks, so any two threads' accesses to one location are unordered.
"""

from __future__ import annotations

import gc
import threading

import pytest

from perfkit.race import report, runtime, shadow


class Box:
    pass


def _in_thread(fn) -> None:
    t = threading.Thread(target=fn)
    t.start()
    t.join()


def test_weakrefable_object_state_dies_with_it() -> None:
    b = Box()
    runtime.sa(1, b, "v", 0)
    key = id(b)
    assert key in shadow.SH
    del b
    gc.collect()
    assert key not in shadow.SH


def test_containers_are_swept_when_only_the_shadow_holds_them() -> None:
    lists = [[0] for _ in range(50)]
    for lst in lists:
        runtime.si(1, lst, 0, 0)
    keys = [id(x) for x in lists]
    assert all(k in shadow.SH for k in keys)
    del lists, lst
    shadow.sweep()
    assert not any(k in shadow.SH for k in keys)


def _reuse(keep_alive: bool) -> tuple[int, int]:
    """Thread 1 writes ``v`` on 200 boxes; thread 2 writes ``v`` on boxes at the same addresses."""
    kept: list[Box] = []
    ids: set[int] = set()

    def first() -> None:
        boxes = [Box() for _ in range(200)]
        for b in boxes:
            runtime.sa(1, b, "v", 0)
            ids.add(id(b))
        if keep_alive:
            kept.extend(boxes)
        del b, boxes  # all 200 freed together: the next 200 boxes reuse their addresses

    def second() -> int:
        reused = 0
        for b in kept if keep_alive else [Box() for _ in range(600)]:
            reused += id(b) in ids
            runtime.sa(2, b, "v", 0)
        return reused

    before = report.COUNTS["race"]
    report._seen.clear()
    result: list[int] = []
    _in_thread(first)
    _in_thread(lambda: result.append(second()))
    return result[0], report.COUNTS["race"] - before


def test_reused_address_is_not_a_race() -> None:
    reused, races = _reuse(keep_alive=False)
    assert reused > 0, "CPython did not reuse any address; the test proves nothing"
    assert races == 0


def test_same_object_from_two_threads_is_a_race() -> None:
    reused, races = _reuse(keep_alive=True)
    assert reused == 200
    assert races == 1


class Node:
    pass


def test_sweep_survives_collections_that_change_the_shadow() -> None:
    """A collection during the sweep runs weakref callbacks that drop shadow entries: the sweep
    (called from the middle of a user's access) must not raise "dictionary changed size"."""
    old = gc.get_threshold()
    keep = [[i] for i in range(200)]
    for lst in keep:
        runtime.si(1, lst, 0, 0)
    gc.set_threshold(1)  # every allocation may collect, so one lands inside the sweep
    try:
        for _ in range(30):
            for _ in range(100):
                n = Node()
                n.me = n  # cyclic garbage: only a collection frees it, running its callback
                runtime.sa(1, n, "v", 0)
            del n
            shadow.sweep()
    finally:
        gc.set_threshold(*old)


def test_detector_errors_never_reach_the_program(capsys) -> None:
    """An object whose shadow state is corrupt (a detector bug) still gets its access done."""
    b = Box()
    runtime.sa(1, b, "v", 0)
    shadow.SH[id(b)]["v"] = "corrupt"
    runtime._errors[0] = 0
    runtime.sa(2, b, "v", 0)
    assert runtime.ga(b, "v", 0) == 2
    assert "perfkit race: internal error ignored" in capsys.readouterr().err


def test_location_states_index_like_lists_and_stay_out_of_the_collector() -> None:
    """The compiled core's location state (``Loc``) is what runtime.py's slow path indexes like
    the pure-Python list: four items, a fifth appended for a stale read, nothing else; and, as
    it never holds a cycle, the garbage collector does not track it (new locations must not
    bring collections on)."""
    b = Box()
    runtime.sa(1, b, "v", 0)
    st = shadow.SH[id(b)]["v"]
    assert len(st) == 4 and st[0] != 0 and st[1] == 0 and st[2] != 0 and st[3] == 0
    st[1] = 7
    assert st[1] == 7 and st[-3] == 7
    st.append({})
    assert len(st) == 5 and st[4] == {}
    with pytest.raises(IndexError):
        st[5]
    if runtime.CORE:
        assert type(st).__name__ == "Loc" and not gc.is_tracked(st)
        with pytest.raises(ValueError):
            st.append(1)
        with pytest.raises(TypeError):
            del st[0]
    else:
        assert type(st) is list
