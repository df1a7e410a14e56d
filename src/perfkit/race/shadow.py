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


def _ignored(obj: Any) -> bool:
    tp = type(obj)
    return tp in _IMMUTABLE or isinstance(obj, _thread._local)


def obj_shadow(obj: Any) -> dict | None:
    """The shadow dict of ``obj``, created on first access; None for objects never shared."""
    key = id(obj)
    d = SH.get(key)
    if d is not None:
        return d
    if _ignored(obj):
        return None
    d = {}
    try:
        ref = _Ref(obj, _dead)
        ref.key = key
        d[OWNER] = ref
    except TypeError:
        d[OWNER] = obj
        _strong[0] += 1
        if _strong[0] >= _sweep_at[0]:
            sweep()
    d = SH.setdefault(key, d)
    if isinstance(obj, types.ModuleType):
        # ``mod.x`` from another module and ``global x`` inside it are one location
        md = obj_shadow(obj.__dict__)
        if md is not None:
            SH[key] = md
            d = md
    return d


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
