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
import operator
import sys
from collections import Counter, OrderedDict, defaultdict, deque
from importlib import import_module
from typing import TYPE_CHECKING, Any

from .clock import LT, MASK, SHIFT, ordered, tid_of
from .shadow import CUSTOM, SH, STRUCT, attr_is_storage, obj_shadow
from .state import LTS, attach, capture_stack, tls

if TYPE_CHECKING:
    from collections.abc import Callable

    from . import report, stacks

# submodules by importlib: `from . import x` would import all of perfkit here (see _boot)
stacks = import_module(".stacks", __package__)

# submodules by importlib: `from . import x` would import all of perfkit here (see _boot)
report = import_module(".report", __package__)

#: site id -> (file, line, function, source text of the object or container)
SITES: list[tuple[str, int, str, str]] = [("<unknown>", 0, "<unknown>", "")]

ATTR, GLOBAL, ITEM, STRUCTURE, CELL = 1, 2, 3, 4, 5
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


def _list_loc(w: Any, r: Any, wsite: Any, rsite: Any) -> list:
    return [w, r, wsite, rsite]


#: a new location state ``[W, R, Wsite, Rsite]``: a list here, the compiled core's ``Loc`` (the
#: same sequence, one allocation that the garbage collector does not track) when it is built
new_loc = _list_loc


def _loc(obj: Any, key: Any) -> list | None:
    d = obj_shadow(obj)
    if d is None:
        return None
    st = d.get(key)
    if st is None:
        st = d.setdefault(key, new_loc(0, 0, 0, 0))
    return st


def _lt() -> LT:
    try:
        return tls.cur
    except AttributeError:
        return attach()


# ---------------------------------------------------------------- slow paths


def _where(site: int) -> int:
    """The access as stored: its site and the interned stack of its callers."""
    return site | (stacks.outer() << stacks.SITE_BITS)


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
    site = _where(site)
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
    st[2] = _where(site)


def _same_os(lt: LT, epoch: int) -> bool:
    other = LTS.get(tid_of(epoch))
    return other is not None and other.os == lt.os


def _conflict(
    lt: LT,
    st: list,
    site: int,
    cur_write: bool,
    prev: int,
    prev_site: int,
    prev_write: bool,
    obj: Any,
    key: Any,
    kind: int,
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
    st[4][t] = (lt.e, _where(site), prev_site)


def _stale_check(lt: LT, st: list, site: int, obj: Any, key: Any, kind: int) -> None:
    """Lost update: this task read the location, awaited, another task wrote it, now it writes."""
    mark = st[4].pop(lt.tid, None)
    if mark is None:
        return
    writer_epoch, write_site, read_site = mark
    # the read was not ordered before the other task's write (that is what marked it): whatever
    # orders that write before this one (a lock taken after the read), the update is lost
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
        if kind == CELL:
            return f"{key} (closure variable of {obj.func})"
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


def _site_frame(where: int) -> list[tuple[str, int, str]]:
    """The stack of a stored access: its site, then its callers."""
    site = where & stacks.SITE_MASK
    fn, line, func, _ = SITES[site] if 0 < site < len(SITES) else SITES[0]
    return stacks.resolve(where >> stacks.SITE_BITS, [(fn, line, func)])


def race(
    lt: LT,
    site: int,
    cur_write: bool,
    other: LT | None,
    prev_site: int,
    prev_write: bool,
    obj: Any,
    key: Any,
    kind: int,
    read_site: int = 0,
) -> None:
    """Report a data race between the current access and a previous one by ``other``."""
    if isinstance(prev_site, dict):
        prev_site = 0
    site &= stacks.SITE_MASK
    cur = SITES[site] if 0 < site < len(SITES) else SITES[0]
    prev = SITES[prev_site & stacks.SITE_MASK] if 0 < (prev_site & stacks.SITE_MASK) < len(SITES) else SITES[0]
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
#
# Every helper performs the program's own operation first, outside any ``try``: its exceptions
# are the program's. The bookkeeping after it runs inside ``try``: whatever goes wrong in the
# detector is reported once on stderr and never reaches the program (see :func:`internal_error`).


class _Unobserved:
    """The state of a name that is not storage of its object (a property, a ``__getattr__``):
    compares equal to every epoch, so the fast path always returns at once."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


_SAME = _Unobserved()
UNOBSERVED = [_SAME, _SAME, 0, 0]
_errors = [0]


def internal_error(exc: BaseException) -> None:
    """A bug in the detector: say so once, keep the program running."""
    _errors[0] += 1
    if _errors[0] > 1:
        return
    try:
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f" at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else ""
        sys.stderr.write(
            f"perfkit race: internal error ignored ({type(exc).__name__}: {exc}{where}); "
            "the program goes on, the detector may miss races from here\n"
        )
    except Exception:
        pass


def _attr_state(d: dict, obj: Any, name: str, read: int, write: int, site: int) -> None:
    """The first access to ``obj.name``: a new location, unless the name is not storage."""
    if CUSTOM in d and not attr_is_storage(obj, name):
        d[name] = UNOBSERVED
    elif read:
        d[name] = new_loc(0, read, 0, _where(site))
    else:
        d[name] = new_loc(write, 0, _where(site), 0)


def ga(obj: Any, name: str, site: int) -> Any:
    """``obj.name`` (a read)."""
    val = getattr(obj, name)
    book_ga(obj, name, site)
    return val


def book_ga(obj: Any, name: str, site: int) -> None:
    """The bookkeeping of :func:`ga` (also the compiled core's slow path)."""
    try:
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
            _attr_state(d, obj, name, lt.ne, 0, site)
        elif st[1] != lt.ne:
            _read(lt, st, site, False, obj, name, ATTR)
    except Exception as exc:
        internal_error(exc)


def sa(val: Any, obj: Any, name: str, site: int) -> None:
    """``obj.name = val`` (a write; the value is evaluated first, as in Python)."""
    setattr(obj, name, val)
    book_sa(obj, name, site)


def book_sa(obj: Any, name: str, site: int) -> None:
    """The bookkeeping of :func:`sa`."""
    try:
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
            _attr_state(d, obj, name, 0, lt.ne, site)
        elif st[0] != lt.ne:
            _write(lt, st, site, False, obj, name, ATTR)
    except Exception as exc:
        internal_error(exc)


def sattr(obj: Any, name: str, val: Any, site: int) -> None:
    """``setattr(obj, name, val)``: arguments in the builtin's order, evaluated as written."""
    sa(val, obj, name, site)


def da(obj: Any, name: str, site: int) -> None:
    """``del obj.name``."""
    delattr(obj, name)
    try:
        d = obj_shadow(obj)
        if d is None:
            return
        st = d.get(name)
        if st is None:
            _attr_state(d, obj, name, 0, _lt().ne, site)
        elif st is not UNOBSERVED:
            _write(_lt(), st, site, False, obj, name, ATTR)
    except Exception as exc:
        internal_error(exc)


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
    book_gr(g, name, site)
    return val


def _book_named(obj: Any, name: str, site: int, kind: int, write: bool) -> None:
    """A plain (non-atomic) read or write of a named location: a global or a closure variable."""
    try:
        try:
            st = SH[id(obj)][name]
        except KeyError:
            st = _loc(obj, name)
            if st is None:
                return
        lt = _lt()
        if write:
            if st[0] != lt.ne:
                _write(lt, st, site, False, obj, name, kind)
        elif st[1] != lt.ne:
            _read(lt, st, site, False, obj, name, kind)
    except Exception as exc:
        internal_error(exc)


def book_gr(g: dict, name: str, site: int) -> None:
    _book_named(g, name, site, GLOBAL, False)


def gw(val: Any, g: dict, name: str, site: int) -> Any:
    """Record a store to a module global; the caller stores ``val`` right after."""
    gwr(g, name, site)
    return val


def gwr(g: dict, name: str, site: int) -> None:
    _book_named(g, name, site, GLOBAL, True)


# ---------------------------------------------------------------- closure variables


class Cell:
    """Stands for the closure cells one call of a function creates: ``nonlocal`` counters and
    variables a nested function reads while the outer one rebinds them. Made at the call's
    start by rewritten code; its shadow entry dies with it."""

    __slots__ = ("__weakref__", "func")

    def __init__(self, func: str) -> None:
        self.func = func


def cr(val: Any, cell: Cell, name: str, site: int) -> Any:
    """A read of closure variable ``name`` (its value already loaded)."""
    book_cr(cell, name, site)
    return val


def book_cr(cell: Cell, name: str, site: int) -> None:
    _book_named(cell, name, site, CELL, False)


def cw(val: Any, cell: Cell, name: str, site: int) -> Any:
    """A store to closure variable ``name``; the caller stores ``val`` right after."""
    book_cw(cell, name, site)
    return val


def book_cw(cell: Cell, name: str, site: int) -> None:
    _book_named(cell, name, site, CELL, True)


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
    if type(c) is defaultdict and k not in c:
        val = c[k]
        _guarded(_struct_write, c, site)
    else:
        val = c[k]
    book_gi(c, k, site)
    return val


def book_gi(c: Any, k: Any, site: int) -> None:
    try:
        tp = type(c)
        kind = _KIND.get(tp)
        if kind is None:
            kind = _kind(tp)
        if not kind:
            return
        try:
            st = SH[id(c)][k]
        except (KeyError, TypeError):
            st, k = _item(c, k, kind)
            if st is None:
                return
        lt = _lt()
        if st[1] != lt.e:
            _read(lt, st, site, True, c, k, ITEM)
    except Exception as exc:
        internal_error(exc)


def _guarded(fn: Callable[..., object], *args: Any) -> None:
    try:
        fn(*args)
    except Exception as exc:
        internal_error(exc)


def _store(val: Any, c: Any, k: Any, site: int, atomic: bool) -> None:
    kind: int | None = 0
    new = False
    try:
        kind = _KIND.get(type(c))
        if kind is None:
            kind = _kind(type(c))
        if kind == DICT:
            new = k not in c
    except Exception:  # an unhashable key: the store below raises the program's TypeError
        pass
    c[k] = val
    if kind:
        book_si(c, k, site, atomic, new)


def book_si(c: Any, k: Any, site: int, atomic: bool, new: bool) -> None:
    try:
        kind = _KIND.get(type(c)) or _kind(type(c))
        # a list's items are what iterating it reads: storing one is an (atomic) change of what
        # a concurrent ``for x in lst`` sees, so it writes the structure as well
        if new or kind in (LIST, DEQUE):
            _struct_write(c, site)
        st, k = _item(c, k, kind)
        if st is not None:
            lt = _lt()
            if st[0] != (lt.e if atomic else lt.ne):
                _write(lt, st, site, atomic, c, k, ITEM)
    except Exception as exc:
        internal_error(exc)


def si(val: Any, c: Any, k: Any, site: int) -> None:
    """``c[k] = val``: one atomic store."""
    _store(val, c, k, site, True)


def si_rmw(val: Any, c: Any, k: Any, site: int) -> None:
    """``c[k] = f(c[k])`` or ``c[k] += …``: a read-modify-write of one item."""
    _store(val, c, k, site, False)


def di(c: Any, k: Any, site: int) -> None:
    """``del c[k]``."""
    del c[k]
    try:
        kind = _kind(type(c))
        if kind:
            _struct_write(c, site)
            st, k = _item(c, k, kind)
            if st is not None:
                _write(_lt(), st, site, True, c, k, ITEM)
    except Exception as exc:
        internal_error(exc)


def _method_access(c: Any, meth: str, site: int, args: tuple) -> None:
    kind = _KIND.get(type(c))
    if kind is None:
        kind = _kind(type(c))
    if not kind:
        return
    op = _OPS.get((kind, meth))
    if op == _SW:
        _struct_write(c, site)
    elif op and args:
        k = args[0]
        try:
            present = k in c
        except TypeError:
            return
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


def mc(c: Any, meth: str, site: int, /, *args: Any, **kwargs: Any) -> Any:
    """``c.meth(*args)`` for the container methods Python runs atomically."""
    f = getattr(c, meth)
    try:
        _method_access(c, meth, site, args)
    except Exception as exc:
        internal_error(exc)
    return f(*args, **kwargs)


def _iter_read(c: Any, site: int) -> None:
    st = _loc(c, STRUCT)
    if st is not None:
        lt = _lt()
        if st[1] != lt.ne:
            _read(lt, st, site, False, c, STRUCT, STRUCTURE)


def it(c: Any, site: int) -> Any:
    """The iterable of a ``for`` loop or comprehension: iteration reads the container's structure."""
    try:
        kind = _KIND.get(type(c))
        if kind is None:
            kind = _kind(type(c))
        if kind:
            _iter_read(c, site)
    except Exception as exc:
        internal_error(exc)
    return c


def itm(c: Any, meth: str, site: int) -> Any:
    """``for … in d.items()`` (or keys/values)."""
    view = getattr(c, meth)()
    try:
        if _kind(type(c)):
            _iter_read(c, site)
    except Exception as exc:
        internal_error(exc)
    return view


def inop(a: Any, b: Any, site: int) -> bool:
    """``a in b``: for a dict or set, a read of item ``a``."""
    r = a in b
    try:
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
    except Exception as exc:
        internal_error(exc)
    return r


# ---------------------------------------------------------------- the compiled core


def _use_core() -> bool:
    """Swap in ``_core``'s helpers (same behaviour, the common case in C) when it was built."""
    from .clock import CORE as _core
    from .state import hidden

    if _core is None:
        return False
    g = globals()
    _core.init(
        tls, SH, _KIND, STRUCT, UNOBSERVED, defaultdict,
        book_ga, book_sa, book_gr, gwr, book_gi, book_si, book_cr, book_cw,
        gr, gi, _kind, stacks.intern, hidden, obj_shadow, _read, _write, CUSTOM, internal_error, mc,
    )  # fmt: skip
    for name in ("ga", "sa", "gr", "gw", "gwr", "cr", "cw", "gi", "si", "si_rmw", "mc"):
        g[name] = getattr(_core, name)
    g["new_loc"] = _core.Loc
    from .shadow import _FLAGS, OWNER, _Ref

    _core.init_shadow(_FLAGS, _Ref, _core.dead, OWNER, LT)
    sys.modules[obj_shadow.__module__].__dict__["_dead"] = _core.dead
    stacks.outer = _core.outer
    return True


CORE = _use_core()
