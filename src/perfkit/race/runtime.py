"""The calls rewritten code makes around each shared access: the detector's hot path.

Each helper performs the access itself (so every expression is evaluated once, in order) and
then checks it against the location's shadow state with FastTrack's rules:

* same epoch as the last access of that kind by this thread → return at once;
* otherwise compare with the last write (and, for writes, the reads) by vector clock.

Two unordered accesses conflict when at least one writes and not both are *atomic*. Attribute
and global accesses are never atomic (Go's rule); single container operations (``d[k]``,
``D[k] = v``, ``d.get``, ``append``…) are, so they only conflict with read-modify-writes of the
same item and with iteration. Between logical threads sharing one OS thread (asyncio tasks),
only a lost update across an await counts: see :func:`_stale_check`.
"""

from __future__ import annotations

import builtins
import contextlib
import operator
import sys
from collections import Counter, OrderedDict, defaultdict, deque
from importlib import import_module
from typing import Any

from .clock import LT, MASK, SHIFT, ordered, tid_of
from .shadow import SH, STRUCT, obj_shadow
from .state import LTS, attach, capture_stack, tls

# submodules by importlib: `from . import x` would import all of perfkit here (see _boot)
report = import_module(".report", __package__)

#: site id -> (file, line, function, source text of the object or container)
SITES: list[tuple[str, int, str, str]] = [("<unknown>", 0, "<unknown>", "")]

ATTR, GLOBAL, ITEM, STRUCTURE = 1, 2, 3, 4
DICT, LIST, SET, DEQUE = 1, 2, 3, 4
_KIND: dict[type, int] = {
    dict: DICT,
    defaultdict: DICT,
    OrderedDict: DICT,
    Counter: DICT,
    list: LIST,
    set: SET,
    deque: DEQUE,
}
_SW, _IR, _SETDEFAULT, _DPOP = 1, 2, 3, 4
_OPS: dict[tuple[int, str], int] = {(DICT, "get"): _IR, (DICT, "setdefault"): _SETDEFAULT, (DICT, "pop"): _DPOP}
for _m in ("popitem", "clear", "update"):
    _OPS[DICT, _m] = _SW
for _m in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"):
    _OPS[LIST, _m] = _SW
for _m in ("add", "discard", "remove", "pop", "clear", "update"):
    _OPS[SET, _m] = _SW
for _m in ("difference_update", "intersection_update", "symmetric_difference_update"):
    _OPS[SET, _m] = _SW
for _m in ("append", "appendleft", "pop", "popleft", "extend", "extendleft", "rotate", "clear", "remove", "insert"):
    _OPS[DEQUE, _m] = _SW
for _m in ("reverse",):
    _OPS[DEQUE, _m] = _SW
iop = operator  # rewritten augmented assignments call iop.iadd etc.


def add_site(filename: str, line: int, func: str, text: str) -> int:
    SITES.append((filename, line, func, text))
    return len(SITES) - 1


def _kind(tp: type) -> int:
    k = _KIND.get(tp)
    if k is None:
        if issubclass(tp, dict):
            k = DICT
        elif issubclass(tp, list):
            k = LIST
        elif issubclass(tp, (set,)):
            k = SET
        elif issubclass(tp, deque):
            k = DEQUE
        else:
            k = 0
        _KIND[tp] = k
    return k


def _loc(obj: Any, key: Any) -> list | None:
    d = obj_shadow(obj)
    if d is None:
        return None
    st = d.get(key)
    if st is None:
        st = d.setdefault(key, [0, 0, 0, 0])
    return st


def _lt() -> LT:
    try:
        return tls.cur
    except AttributeError:
        return attach()


# ---------------------------------------------------------------- slow paths


def _read(lt: LT, st: list, site: int, atomic: bool, obj: Any, key: Any, kind: int) -> None:
    w = st[0]
    if w < 0:
        aw = -w
        if (aw >> SHIFT) > lt.vc.get(aw & MASK, 0):
            _conflict(lt, st, site, False, w, st[2], True, obj, key, kind)
    elif w and not atomic and not ordered(w, lt):
        _conflict(lt, st, site, False, w, st[2], True, obj, key, kind)
    e = lt.e if atomic else lt.ne
    r = st[1]
    tid = lt.tid
    if type(r) is dict:
        r[tid] = e
        st[3][tid] = site
    elif not r or ((-r if r < 0 else r) & MASK) == tid or ordered(r, lt):
        st[1] = e
        st[3] = site
    else:
        st[1] = {tid_of(r): r, tid: e}
        st[3] = {tid_of(r): st[3], tid: site}
    if len(st) > 4:
        st[4].pop(tid, None)


def _write(lt: LT, st: list, site: int, atomic: bool, obj: Any, key: Any, kind: int) -> None:
    tid = lt.tid
    if len(st) > 4 and st[4]:
        _stale_check(lt, st, site, obj, key, kind)
    w = st[0]
    if w and (w < 0 or not atomic) and not ordered(w, lt):
        _conflict(lt, st, site, True, w, st[2], True, obj, key, kind)
    r = st[1]
    if type(r) is dict:
        keep = False
        for t, re in list(r.items()):
            if t == tid or ordered(re, lt):
                continue
            keep = True
            if re < 0 or not atomic:
                _conflict(lt, st, site, True, re, st[3].get(t, 0), False, obj, key, kind)
        if not keep:
            st[1] = 0
            st[3] = 0
    elif r and (r < 0 or not atomic) and tid_of(r) != tid and not ordered(r, lt):
        _conflict(lt, st, site, True, r, st[3], False, obj, key, kind)
    st[0] = lt.e if atomic else lt.ne
    st[2] = site


def _same_os(lt: LT, epoch: int) -> bool:
    other = LTS.get(tid_of(epoch))
    return other is not None and other.os == lt.os


def _conflict(
    lt: LT, st: list, site: int, cur_write: bool, prev: int, prev_site: int, prev_write: bool, obj, key, kind: int
) -> None:
    if _same_os(lt, prev):
        # logical threads of one OS thread (asyncio tasks) run one step at a time: only a lost
        # update across an await is a race, found later by _stale_check
        if cur_write and not prev_write:
            _mark_stale(lt, st, site, prev, prev_site)
        return
    race(lt, site, cur_write, LTS.get(tid_of(prev)), prev_site, prev_write, obj, key, kind)


def _mark_stale(lt: LT, st: list, site: int, prev: int, prev_site: int) -> None:
    """``lt`` writes while another task of this loop holds a read from an earlier step."""
    t = tid_of(prev)
    w = st[0]
    # the reader already wrote after its read: that read was consumed, not pending
    if w and tid_of(w) == t and ((-w if w < 0 else w) >> SHIFT) >= ((-prev if prev < 0 else prev) >> SHIFT):
        return
    if len(st) == 4:
        st.append({})
    st[4][t] = (lt.e, site, prev_site)


def _stale_check(lt: LT, st: list, site: int, obj, key, kind: int) -> None:
    """Lost update: this task read the location, awaited, another task wrote it, now it writes."""
    mark = st[4].pop(lt.tid, None)
    if mark is None:
        return
    writer_epoch, write_site, read_site = mark
    if ordered(writer_epoch, lt):
        return
    race(lt, site, True, LTS.get(tid_of(writer_epoch)), write_site, True, obj, key, kind, read_site)


# ---------------------------------------------------------------- reports


def describe(kind: int, obj: Any, key: Any, text: str) -> str:
    try:
        if kind == ATTR:
            if isinstance(obj, type):
                return f"{obj.__qualname__}.{key}"
            if isinstance(obj, type(sys)):
                return f"{obj.__name__}.{key} (global)"
            return f"{type(obj).__qualname__}.{key}"
        if kind == GLOBAL:
            return f"{obj.get('__name__', '?')}.{key} (global)"
        if kind == ITEM:
            r = repr(key)
            if len(r) > 40:
                r = r[:37] + "..."
            return f"{text or type(obj).__name__}[{r}]"
        return f"{text or 'container'} ({type(obj).__name__} structure)"
    except Exception:
        return f"<{type(obj).__name__}>.{key!r}"


def _verb(kind: int, write: bool) -> str:
    if kind == STRUCTURE:
        return "Mutation of" if write else "Iteration over"
    return "Write at" if write else "Read at"


def _site_frame(site: int) -> list[tuple[str, int, str]]:
    fn, line, func, _ = SITES[site] if 0 < site < len(SITES) else SITES[0]
    return [(fn, line, func)]


def race(
    lt: LT, site: int, cur_write: bool, other: LT | None, prev_site: int, prev_write: bool, obj, key, kind, read_site=0
) -> None:
    """Report a data race between the current access and a previous one by ``other``."""
    if isinstance(prev_site, dict):
        prev_site = 0
    cur = SITES[site] if 0 < site < len(SITES) else SITES[0]
    prev = SITES[prev_site] if 0 < prev_site < len(SITES) else SITES[0]
    dedup = ("race", frozenset({(cur[0], cur[1]), (prev[0], prev[1])}))
    if dedup in report._seen:
        return
    loc = describe(kind, obj, key, cur[3])
    stack = list(capture_stack(sys._getframe(1))) or _site_frame(site)
    oname = other.label() if other is not None else "thread <unknown>"
    lines = ["WARNING: DATA RACE", f"{_verb(kind, cur_write)} {loc} by {lt.label()}:"]
    lines += report.format_stack(stack)
    lines.append(f"Previous {_verb(kind, prev_write).lower()} {loc} by {oname}:")
    lines += report.format_stack(_site_frame(prev_site))
    if read_site:
        lines.append(f"The {lt.kind} read {loc} before an await here, and wrote it after the other write:")
        lines += report.format_stack(_site_frame(read_site))
    for t in (lt, other):
        if t is not None and t.created:
            lines.append(f"{t.label()[0].upper()}{t.label()[1:]} created at:")
            lines += report.format_stack(t.created)
    match = [loc] + [f"{fn}:{ln}" for fn, ln, _ in stack + _site_frame(prev_site)]
    match += [name for _, _, name in stack + _site_frame(prev_site)]
    report.emit("race", dedup, lines, match)


# ---------------------------------------------------------------- attributes


def ga(obj: Any, name: str, site: int) -> Any:
    """``obj.name`` (a read)."""
    val = getattr(obj, name)
    try:
        lt = tls.cur
    except AttributeError:
        lt = attach()
    d = SH.get(id(obj))
    if d is None:
        d = obj_shadow(obj)
        if d is None:
            return val
    st = d.get(name)
    if st is None:
        d[name] = [0, lt.ne, 0, site]
        return val
    if st[1] != lt.ne:
        _read(lt, st, site, False, obj, name, ATTR)
    return val


def sa(val: Any, obj: Any, name: str, site: int) -> None:
    """``obj.name = val`` (a write; the value is evaluated first, as in Python)."""
    setattr(obj, name, val)
    try:
        lt = tls.cur
    except AttributeError:
        lt = attach()
    d = SH.get(id(obj))
    if d is None:
        d = obj_shadow(obj)
        if d is None:
            return
    st = d.get(name)
    if st is None:
        d[name] = [lt.ne, 0, site, 0]
        return
    if st[0] != lt.ne:
        _write(lt, st, site, False, obj, name, ATTR)


def da(obj: Any, name: str, site: int) -> None:
    """``del obj.name``."""
    delattr(obj, name)
    st = _loc(obj, name)
    if st is not None:
        _write(_lt(), st, site, False, obj, name, ATTR)


# ---------------------------------------------------------------- globals


def gr(g: dict, name: str, site: int) -> Any:
    """Load of a module global that some function rebinds."""
    try:
        val = g[name]
    except KeyError:
        b = g.get("__builtins__", builtins)
        b = b if isinstance(b, dict) else vars(b)
        if name in b:
            return b[name]
        raise NameError(f"name {name!r} is not defined") from None
    try:
        st = SH[id(g)][name]
    except KeyError:
        st = _loc(g, name)
        if st is None:
            return val
    try:
        lt = tls.cur
    except AttributeError:
        lt = attach()
    if st[1] != lt.ne:
        _read(lt, st, site, False, g, name, GLOBAL)
    return val


def gw(val: Any, g: dict, name: str, site: int) -> Any:
    """Record a store to a module global; the caller stores ``val`` right after."""
    gwr(g, name, site)
    return val


def gwr(g: dict, name: str, site: int) -> None:
    try:
        st = SH[id(g)][name]
    except KeyError:
        st = _loc(g, name)
        if st is None:
            return
    try:
        lt = tls.cur
    except AttributeError:
        lt = attach()
    if st[0] != lt.ne:
        _write(lt, st, site, False, g, name, GLOBAL)


# ---------------------------------------------------------------- containers


def _item(c: Any, k: Any, kind: int) -> tuple[list | None, Any]:
    if kind in (LIST, DEQUE):
        if type(k) is not int:
            return None, k
        if k < 0:
            k += len(c)
    try:
        return _loc(c, k), k
    except TypeError:
        return None, k


def _struct_write(c: Any, site: int) -> None:
    st = _loc(c, STRUCT)
    if st is not None:
        lt = _lt()
        if st[0] != lt.e:
            _write(lt, st, site, True, c, STRUCT, STRUCTURE)


def gi(c: Any, k: Any, site: int) -> Any:
    """``c[k]`` (an atomic read of one item)."""
    tp = type(c)
    if tp is defaultdict and k not in c:
        val = c[k]
        _struct_write(c, site)
    else:
        val = c[k]
    kind = _KIND.get(tp)
    if kind is None:
        kind = _kind(tp)
    if not kind:
        return val
    try:
        st = SH[id(c)][k]
    except (KeyError, TypeError):
        st, k = _item(c, k, kind)
        if st is None:
            return val
    lt = _lt()
    if st[1] != lt.e:
        _read(lt, st, site, True, c, k, ITEM)
    return val


def _store(val: Any, c: Any, k: Any, site: int, atomic: bool) -> None:
    kind = _KIND.get(type(c))
    if kind is None:
        kind = _kind(type(c))
    new = False
    if kind == DICT:
        with contextlib.suppress(TypeError):
            new = k not in c
    c[k] = val
    if not kind:
        return
    if new or (kind != DICT and type(k) is slice):
        _struct_write(c, site)
    st, k = _item(c, k, kind)
    if st is not None:
        lt = _lt()
        if st[0] != (lt.e if atomic else lt.ne):
            _write(lt, st, site, atomic, c, k, ITEM)


def si(val: Any, c: Any, k: Any, site: int) -> None:
    """``c[k] = val``: one atomic store."""
    _store(val, c, k, site, True)


def si_rmw(val: Any, c: Any, k: Any, site: int) -> None:
    """``c[k] = f(c[k])`` or ``c[k] += …``: a read-modify-write of one item."""
    _store(val, c, k, site, False)


def di(c: Any, k: Any, site: int) -> None:
    """``del c[k]``."""
    del c[k]
    kind = _kind(type(c))
    if kind:
        _struct_write(c, site)
        st, k = _item(c, k, kind)
        if st is not None:
            _write(_lt(), st, site, True, c, k, ITEM)


def mc(c: Any, meth: str, site: int, /, *args: Any, **kwargs: Any) -> Any:
    """``c.meth(*args)`` for the container methods Python runs atomically."""
    f = getattr(c, meth)
    kind = _KIND.get(type(c))
    if kind is None:
        kind = _kind(type(c))
    if kind:
        op = _OPS.get((kind, meth))
        if op == _SW:
            _struct_write(c, site)
        elif op and args:
            k = args[0]
            try:
                present = k in c
            except TypeError:
                return f(*args, **kwargs)
            if op == _IR or (op == _SETDEFAULT and present):
                st, k = _item(c, k, kind)
                if st is not None:
                    lt = _lt()
                    if st[1] != lt.e:
                        _read(lt, st, site, True, c, k, ITEM)
            elif present or op == _SETDEFAULT:
                _struct_write(c, site)
                st, k = _item(c, k, kind)
                if st is not None:
                    _write(_lt(), st, site, True, c, k, ITEM)
    return f(*args, **kwargs)


def _iter_read(c: Any, site: int) -> None:
    st = _loc(c, STRUCT)
    if st is not None:
        lt = _lt()
        if st[1] != lt.ne:
            _read(lt, st, site, False, c, STRUCT, STRUCTURE)


def it(c: Any, site: int) -> Any:
    """The iterable of a ``for`` loop or comprehension: iteration reads the container's structure."""
    kind = _KIND.get(type(c))
    if kind is None:
        kind = _kind(type(c))
    if kind:
        _iter_read(c, site)
    return c


def itm(c: Any, meth: str, site: int) -> Any:
    """``for … in d.items()`` (or keys/values)."""
    view = getattr(c, meth)()
    if _kind(type(c)):
        _iter_read(c, site)
    return view


def inop(a: Any, b: Any, site: int) -> bool:
    """``a in b``: for a dict or set, a read of item ``a``."""
    r = a in b
    kind = _KIND.get(type(b))
    if kind is None:
        kind = _kind(type(b))
    if kind in (DICT, SET):
        try:
            st = _loc(b, a)
        except TypeError:
            return r
        if st is not None:
            lt = _lt()
            if st[1] != lt.e:
                _read(lt, st, site, True, b, a, ITEM)
    return r
