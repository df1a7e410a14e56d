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
import gc
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
    key: int  # id() of the referent, set right after construction


def _dead(ref: _Ref) -> None:
    try:
        d = SH.get(ref.key)
        if d is not None and d.get(OWNER) is ref:
            SH.pop(ref.key, None)
    except Exception:  # at interpreter shutdown the module's globals may be gone already
        pass


_NORMAL, _IGNORED, _STRONG, _MODULE = 0, 1, 2, 3
_FLAGS: dict[type, int] = {}
#: key in a shadow dict: the object's attributes are not all plain storage (see :func:`attr_is_storage`)
CUSTOM = object()
_PLAIN_GETATTRIBUTE = object.__getattribute__
_PLAIN_SETATTR = object.__setattr__
_STORAGE_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)


def _custom_attributes(tp: type) -> bool:
    """Whether some attribute of ``tp`` may live somewhere other than the object itself.

    A ``__getattr__``/``__setattr__``/``__getattribute__`` of its own, or a data descriptor such
    as a property, routes ``obj.name`` to storage the class chooses (a ContextVar, a per-thread
    dict, another object): that storage is what races, not the name.
    """
    if tp.__getattribute__ is not _PLAIN_GETATTRIBUTE or tp.__setattr__ is not _PLAIN_SETATTR:
        return True
    if getattr(tp, "__getattr__", None) is not None:
        return True
    for klass in tp.__mro__:
        for value in vars(klass).values():
            if (hasattr(type(value), "__set__") or hasattr(type(value), "__delete__")) and not isinstance(
                value, _STORAGE_DESCRIPTORS
            ):
                return True
    return False


def _classify(tp: type) -> int:
    if tp in _IMMUTABLE or issubclass(tp, _thread._local):
        flag = _IGNORED
    elif issubclass(tp, types.ModuleType):
        flag = _MODULE
    elif tp.__weakrefoffset__:
        flag = _NORMAL
    else:
        flag = _STRONG
    try:
        if flag in (_NORMAL, _STRONG) and not issubclass(tp, type) and _custom_attributes(tp):
            flag |= 8
    except Exception:  # an exotic metaclass: treat its attributes as plain
        pass
    _FLAGS[tp] = flag
    return flag


def attr_is_storage(obj: Any, name: str) -> bool:
    """Whether ``obj.name`` (just read or written) lives in the object itself: its ``__dict__``,
    a slot, or its class. A property's or ``__getattr__``'s storage is observed where the
    descriptor's own code touches it, so a ContextVar- or thread-backed ``Local`` is private."""
    tp = type(obj)
    for klass in tp.__mro__:
        value = vars(klass).get(name)
        if value is not None or name in vars(klass):
            if isinstance(value, types.MemberDescriptorType):
                return True
            if hasattr(type(value), "__set__") or hasattr(type(value), "__delete__"):
                return False
            break
    try:
        own = _PLAIN_GETATTRIBUTE(obj, "__dict__")
    except (AttributeError, TypeError):
        return False
    if name in own:
        return True
    # a class attribute read through the instance is storage; a name served by __getattr__ is not
    return any(name in vars(klass) for klass in tp.__mro__) and tp.__setattr__ is _PLAIN_SETATTR


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
    if flag & 8:
        d = _new_shadow(obj, key, flag & 7)
        if d is not None:
            d[CUSTOM] = True
        return d
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


def _new_shadow(obj: Any, key: int, flag: int) -> dict | None:
    if flag == _NORMAL:
        ref = _Ref(obj, _dead)
        ref.key = key
        return SH.setdefault(key, {OWNER: ref})
    _strong[0] += 1
    if _strong[0] >= _sweep_at[0]:
        sweep()
    return SH.setdefault(key, {OWNER: obj})


def sweep() -> int:
    """Drop entries whose object is referenced only by the shadow; returns how many.

    It iterates a snapshot taken with the collector paused: a garbage collection runs weakref
    callbacks (and ``__del__`` methods of instrumented code) that change ``SH``, and one landing
    while the snapshot is taken made CPython raise "dictionary keys changed during iteration"
    (seen with ``SH.copy().items()``, 1 run in about 5 of the sweep test).
    """
    freed = 0
    live = 0
    collecting = gc.isenabled()
    gc.disable()
    try:
        entries = list(SH.items())
    finally:
        if collecting:
            gc.enable()
    for key, d in entries:
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
