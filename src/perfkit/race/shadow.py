"""Per-location shadow state, keyed by object identity and freed with the object.

``SH[id(obj)]`` is a dict from attribute name (or container key, or :data:`STRUCT`) to a
location state ``[W, R, Wsite, Rsite]``: the signed epoch of the last write, the last read (an
epoch, or a ``{tid: epoch}`` dict once reads are shared), and the sites of both. The dict also
holds, under :data:`OWNER`, what keeps ``id(obj)`` meaningful:

* a weak reference whose callback drops the entry when the object dies, so a new object that
  reuses the address starts clean;
* for objects that cannot be weakly referenced (dict, list, set, slotted classes) a strong
  reference; :func:`sweep` frees entries whose object only the shadow still holds, so memory
  stays bounded and the id cannot be reused while the entry exists.
"""

from __future__ import annotations

import _thread
import sys
import types
import weakref
from typing import Any

SH: dict[int, dict] = {}
OWNER = object()
STRUCT = object()
#: alias entries (a module and its ``__dict__`` share one shadow)
_strong = [0]
_sweep_at = [4096]

_IMMUTABLE = frozenset(
    {int, float, complex, str, bytes, bool, tuple, frozenset, type(None), range, slice, types.BuiltinFunctionType}
)


class _Ref(weakref.ref):
    __slots__ = ("key",)


def _dead(ref: _Ref) -> None:
    d = SH.get(ref.key)
    if d is not None and d.get(OWNER) is ref:
        SH.pop(ref.key, None)


_NORMAL, _IGNORED, _STRONG, _MODULE = 0, 1, 2, 3
_FLAGS: dict[type, int] = {}


def _classify(tp: type) -> int:
    if tp in _IMMUTABLE or issubclass(tp, _thread._local):
        flag = _IGNORED
    elif issubclass(tp, types.ModuleType):
        flag = _MODULE
    elif tp.__weakrefoffset__:
        flag = _NORMAL
    else:
        flag = _STRONG
    _FLAGS[tp] = flag
    return flag


def obj_shadow(obj: Any) -> dict | None:
    """The shadow dict of ``obj``, created on first access; None for objects never shared."""
    key = id(obj)
    d = SH.get(key)
    if d is not None:
        return d
    tp = type(obj)
    flag = _FLAGS.get(tp)
    if flag is None:
        flag = _classify(tp)
    if flag == _NORMAL:
        ref = _Ref(obj, _dead)
        ref.key = key
        return SH.setdefault(key, {OWNER: ref})
    if flag == _IGNORED:
        return None
    if flag == _MODULE:
        # ``mod.x`` from another module and ``global x`` inside it are one location
        d = obj_shadow(obj.__dict__)
        if d is not None:
            SH[key] = d
        return d
    _strong[0] += 1
    if _strong[0] >= _sweep_at[0]:
        sweep()
    return SH.setdefault(key, {OWNER: obj})


def sweep() -> int:
    """Drop entries whose object is referenced only by the shadow; returns how many."""
    freed = 0
    live = 0
    for key, d in list(SH.items()):
        owner = d.get(OWNER)
        if owner is None or isinstance(owner, _Ref):
            continue
        # references: the shadow dict, ``owner`` here, getrefcount's argument
        if sys.getrefcount(owner) <= 3:
            if SH.get(key) is d:
                SH.pop(key, None)
            freed += 1
        else:
            live += 1
        del owner
    _strong[0] = live
    _sweep_at[0] = max(4096, 2 * live)
    return freed
