"""Filters and projections over benchmark results, with the semantics of Go's ``benchproc``.

Keys name a part of a result:

* ``.name``: the base name (``Encode`` of ``Encode/format=json-8``); ``.fullname``: all of it;
* ``/key``: a sub-name key (``/format`` -> ``json``); ``/gomaxprocs`` also reads the ``-8`` suffix;
* ``.file``: the input's label; ``.unit`` (filters only): each measurement's unit, tidied or as
  written; ``.config`` (projections only): every file configuration key;
* any other word: a file configuration key (``goos``, ``pkg``, ``note`` ...).

A :class:`Projection` turns a result into a :class:`Key`; keys sort field by field, each field by
its order: ``first`` (order of first appearance; the keys inside ``.config`` fall back to text
order, as in Go), ``alpha``, ``num`` (``2k`` < ``1Mi``), or a fixed list (which also filters).
Projections parsed by one :class:`ProjectionParser` exclude each other's specific keys from the
group keys ``.config`` and ``.fullname``; :meth:`ProjectionParser.residue` covers what no
projection took, so a cell mixing results that differ there can be flagged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from perfkit.bench.goreader import parse_go_float
from perfkit.bench.query import FieldSpec, Filter, FilterMatch, QuerySyntaxError, parse_filter
from perfkit.bench.query import parse_projection as _parse_fields
from perfkit.bench.results import Config, Result

__all__ = ["Filter", "Key", "Projection", "ProjectionParser", "compile_filter", "non_singular_fields"]

Extractor = Callable[[Result], str]


# ------------------------------------------------------------------------------------ the name
def _split_gomaxprocs(name: str) -> tuple[str, str]:
    """``X/y-8`` -> (``X/y``, ``-8``); names without a ``-N`` suffix keep everything."""
    i = len(name) - 1
    while i >= 0:
        ch = name[i]
        if ch == "-" and i < len(name) - 1:
            return name[:i], name[i:]
        if not "0" <= ch <= "9":
            break
        i -= 1
    return name, ""


def name_base(name: str) -> str:
    """``.name``: up to the first ``/``, else without the ``-N`` suffix."""
    slash = name.find("/")
    return name[:slash] if slash >= 0 else _split_gomaxprocs(name)[0]


def name_parts(name: str) -> tuple[str, list[str]]:
    """The base and the parts ``/key=value``, ``/positional`` and a final ``-N``."""
    rest, procs = _split_gomaxprocs(name)
    pieces = rest.split("/")
    parts = ["/" + p for p in pieces[1:]]
    if procs:
        parts.append(procs)
    return pieces[0], parts


def _name_part(name: str, prefix: str, gomaxprocs: bool) -> str:
    _, parts = name_parts(name)
    if gomaxprocs and parts and parts[-1].startswith("-"):
        return parts[-1][1:]
    for part in parts:
        if part.startswith(prefix):
            return part[len(prefix) :]
    return ""


def _name_extractor(key: str) -> Callable[[str], str]:
    if key == ".name":
        return name_base
    if key == ".fullname":
        return lambda name: name
    prefix, gomaxprocs = key + "=", key == "/gomaxprocs"
    return lambda name: _name_part(name, prefix, gomaxprocs)


def extractor(key: str) -> Extractor:
    """The function reading ``key`` from a result (see the module notes for keys)."""
    if not key:
        raise ValueError("key must not be empty")
    if key in (".name", ".fullname") or key.startswith("/"):
        by_name = _name_extractor(key)
        return lambda r: by_name(r.name)
    return lambda r: r.config.get(key)


def _fullname_without(exclude: list[str]) -> Callable[[str], str]:
    """``.fullname`` minus the sub-name keys other projections took (``.name`` becomes ``*``)."""
    deletes = [k + "=" for k in exclude if k.startswith("/")]
    no_name = ".name" in exclude
    no_procs = "/gomaxprocs" in exclude
    if not deletes and not no_name and not no_procs:
        return lambda name: name

    def extract(name: str) -> str:
        if not (no_name or any(d in name for d in deletes) or (no_procs and "-" in name)):
            return name
        base, parts = name_parts(name)
        out = ["*" if no_name else base]
        for part in parts:
            if any(part.startswith(d) for d in deletes) or (no_procs and part.startswith("-")):
                continue
            out.append(part)
        return "".join(out)

    return extract


# --------------------------------------------------------------------------------------- orders
_NUM = re.compile(r"([0-9.]+)([kKMGTPEZY]i?)?[bB]?")


def _parse_num(text: str) -> float | None:
    """Go's fuzzy number reading for ``@num``: a float, or ``2k``, ``1Mi``, ``64KiB``."""
    try:
        return parse_go_float(text)
    except ValueError:
        pass
    match = _NUM.search(text)
    if match is None:
        return None
    try:
        value = float(match.group(1))
    except ValueError:
        return None
    prefix = match.group(2) or ""
    exp = 0 if not prefix else 1 + "KMGTPEZY".index(prefix[0].upper())
    return value * (1024.0**exp if prefix.endswith("i") else 1000.0**exp)


def _num_key(text: str) -> tuple:
    value = _parse_num(text)
    if value is None:
        return (2,)
    if math.isnan(value):
        return (1,)
    return (0, value)


@dataclass(eq=False)
class Field:
    """One field of a projection (a group field, ``.config``, holds sub-fields)."""

    name: str
    idx: int = -1  #: position of its value in a key; -1 for groups
    order: str = "first"
    fixed: dict[str, int] = field(default_factory=dict)
    observed: dict[str, int] | None = None  #: first-appearance order, for top-level "first" fields
    sub: list[Field] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return self.idx < 0

    def sort_key(self, value: str) -> tuple:
        """Go compares with the order, then (values differing but equal in order) as text."""
        if self.order == "fixed":
            return (self.fixed.get(value, 0), value)
        if self.order == "alpha":
            return (value,)
        if self.order == "num":
            return (_num_key(value), value)
        return (self.observed.get(value, 0) if self.observed is not None else 0, value)


Key = tuple[str, ...]  #: field values by field index, trailing empty values trimmed


def _trim(values: list[str]) -> Key:
    end = len(values)
    while end and not values[end - 1]:
        end -= 1
    return tuple(values[:end])


class Projection:
    """Extracts some fields of a result into a :class:`Key`, and orders keys.

    Every field reads either the configuration or the name, so the configuration's part of a
    key is computed once per configuration snapshot."""

    def __init__(self) -> None:
        self.fields: list[Field] = []  #: top level, in expression order (``.unit`` last if any)
        self.count = 0
        self.unit_field: Field | None = None
        self._config_steps: list[Callable[[Config], list[tuple[int, str]]]] = []
        self._name_steps: list[tuple[Field, Callable[[str], str]]] = []
        self._config_parts: dict[int, list[tuple[int, str]]] = {}
        self._keys: set[Key] = set()
        self._by_config: dict[tuple[int, str], Key] = {}  #: keys of projections that ignore the name
        self._by_name: dict[str, Key] = {}  #: keys of projections that only read the name

    def add_field(self, name: str, parent: Field | None = None) -> Field:
        f = Field(name, self.count)
        self.count += 1
        (parent.sub if parent is not None else self.fields).append(f)
        return f

    @property
    def empty(self) -> bool:
        return not self.fields

    @property
    def name_only(self) -> bool:
        """Does every field read the name (so a key depends on the name alone)?"""
        return not self._config_steps and self.unit_field is None

    @property
    def config_only(self) -> bool:
        """Does every field read the configuration (or the unit)?"""
        return not self._name_steps

    def project_name(self, name: str) -> Key:
        """The key of any result with this name (for :attr:`name_only` projections)."""
        key = self._by_name.get(name)
        if key is None:
            row = [""] * self.count
            for f, extract in self._name_steps:
                row[f.idx] = extract(name)
            key = self._by_name[name] = self._intern(row)
        return key

    def project_names(self, names: list[str]) -> list[Key]:
        """:meth:`project_name` of many names (new ones made in the order they first come)."""
        by_name = self._by_name
        new = [n for n in dict.fromkeys(names) if n not in by_name]
        steps = self._name_steps
        if new and self.count == 1 and len(self.fields) == 1 and len(steps) == 1 and steps[0][0].idx == 0:
            keys: list[Key] = [(v,) if v else () for v in map(steps[0][1], new)]
            unseen = [k for k in dict.fromkeys(keys) if k not in self._keys]
            self._keys.update(unseen)
            for f in self.fields:
                if f.observed is not None:
                    observed = f.observed
                    for key in unseen:
                        observed.setdefault(key[0] if key else "", len(observed))
            by_name.update(zip(new, keys))
        else:
            for name in new:
                self.project_name(name)
        return list(map(by_name.__getitem__, names))

    def flattened(self) -> list[Field]:
        out: list[Field] = []
        for f in self.fields:
            out.extend(f.sub if f.is_group else [f])
        return out

    def _row(self, result: Result) -> list[str]:
        config = result.config
        part = self._config_parts.get(config.id)
        if part is None:
            part = self._config_parts[config.id] = [a for step in self._config_steps for a in step(config)]
        row = [""] * self.count
        for idx, value in part:
            row[idx] = value
        name = result.name
        for f, extract in self._name_steps:
            row[f.idx] = extract(name)
        return row

    def _intern(self, row: list[str]) -> Key:
        key = _trim(row)
        if key not in self._keys:
            self._keys.add(key)
            for f in self.fields:
                if f.observed is not None:
                    value = key[f.idx] if f.idx < len(key) else ""
                    f.observed.setdefault(value, len(f.observed))
        return key

    def project(self, result: Result) -> Key:
        if self._name_steps:
            return self._intern(self._row(result))
        cache_key = (result.config.id, "")
        key = self._by_config.get(cache_key)
        if key is None:
            key = self._by_config[cache_key] = self._intern(self._row(result))
        return key

    def project_values(self, result: Result) -> list[Key]:
        """One key per value of the result (they differ only in ``.unit``, if projected)."""
        if self.unit_field is None:
            return [self.project(result)] * len(result.values)
        out = []
        row: list[str] | None = None
        cid = result.config.id
        for v in result.values:
            key = self._by_config.get((cid, v.unit)) if not self._name_steps else None
            if key is None:
                if row is None:
                    row = self._row(result)
                row[self.unit_field.idx] = v.unit
                key = self._intern(row)
                if not self._name_steps:
                    self._by_config[(cid, v.unit)] = key
            out.append(key)
        return out

    def value(self, key: Key, f: Field) -> str:
        return key[f.idx] if f.idx < len(key) else ""

    def sort(self, keys: list[Key]) -> list[Key]:
        flat = self.flattened()
        if len(flat) == 1 and flat[0].order == "first" and flat[0].observed is not None:
            observed, idx = flat[0].observed, flat[0].idx  # the common case: one field, first-seen order
            return sorted(keys, key=lambda k: (observed.get(k[idx] if idx < len(k) else "", 0), k))
        return sorted(keys, key=lambda k: tuple(f.sort_key(self.value(k, f)) for f in flat))

    def label(self, key: Key) -> str:
        """Go's ``Key.StringValues``: the non-empty values, space-separated, in field order."""
        return " ".join(v for v in (self.value(key, f) for f in self.flattened()) if v)

    def labeller(self) -> Callable[[Key], str]:
        """:meth:`label` for many keys (the fields are looked up once)."""
        flat = self.flattened()
        if len(flat) == 1:
            idx = flat[0].idx
            return lambda key: key[idx] if idx < len(key) else ""
        idxs = [f.idx for f in flat]
        return lambda key: " ".join(key[i] for i in idxs if i < len(key) and key[i])

    def labels(self, keys: list[Key]) -> list[str]:
        """:meth:`label` of many keys (one field: without a call per key)."""
        flat = self.flattened()
        if len(flat) == 1:
            idx = flat[0].idx
            return [key[idx] if idx < len(key) else "" for key in keys]
        return list(map(self.labeller(), keys))


class ProjectionParser:
    """Parses related projections (-table, -row, -col, -ignore) so they exclude each other's
    specific keys from ``.config`` and ``.fullname``."""

    def __init__(self) -> None:
        self.config_keys: set[str] = set()
        self.fullname_keys: list[str] = []
        self.have_config = False
        self.have_fullname = False
        self._full: Callable[[str], str] | None = None
        self.fixed_filters: list[Callable[[Result], bool]] = []

    def parse(self, expression: str) -> Projection:
        proj = Projection()
        for spec in _parse_fields(expression):
            self._add(proj, expression, spec)
        return proj

    def parse_with_unit(self, expression: str) -> Projection:
        proj = self.parse(expression)
        unit = proj.add_field(".unit")
        unit.observed = {}
        proj.unit_field = unit
        return proj

    def residue(self) -> Projection:
        """Everything no parsed projection took (flags cells that mix such results)."""
        proj = Projection()
        if not self.have_config:
            self._add(proj, "", FieldSpec(".config"))
        if not self.have_fullname:
            self._add(proj, "", FieldSpec(".fullname"))
        return proj

    def _full_name(self, name: str) -> str:
        if self._full is None:  # built at first use: by then every projection is parsed
            self._full = _fullname_without(self.fullname_keys)
        return self._full(name)

    def _add(self, proj: Projection, expression: str, spec: FieldSpec) -> None:
        if spec.order not in ("first", "fixed", "alpha", "num"):
            raise QuerySyntaxError(expression, spec.order_offset, f'unknown order "{spec.order}"')

        def init(f: Field) -> None:
            f.order = spec.order
            if spec.order == "fixed":
                f.fixed = {v: i for i, v in enumerate(spec.fixed)}
            elif spec.order == "first":
                f.observed = {} if f in proj.fields else None

        if spec.key == ".config":
            if spec.order == "fixed":
                raise QuerySyntaxError(expression, spec.order_offset, "fixed order not allowed for .config")
            self.have_config = True
            group = Field(".config")
            proj.fields.append(group)
            seen: dict[str, Field] = {}

            def project_config(config: Config) -> list[tuple[int, str]]:
                out = []
                for key, value, is_file in config.entries:
                    if not is_file:
                        continue
                    f = seen.get(key)
                    if f is None:
                        if key in self.config_keys:
                            continue
                        f = seen[key] = proj.add_field(key, group)
                        init(f)
                    out.append((f.idx, value))
                return out

            proj._config_steps.append(project_config)
            return
        if spec.key == ".unit":
            raise QuerySyntaxError(expression, spec.key_offset, ".unit is only allowed in filters")
        if spec.key == ".fullname":
            self.have_fullname = True
            f = proj.add_field(".fullname")
            init(f)
            self._fixed_filter(spec, lambda r: r.name)
            proj._name_steps.append((f, self._full_name))
            return
        if spec.key == ".name" or spec.key.startswith("/"):
            self.fullname_keys.append(spec.key)
        else:
            self.config_keys.add(spec.key)
        try:
            extract = extractor(spec.key)
        except ValueError as exc:
            raise QuerySyntaxError(expression, spec.key_offset, str(exc)) from None
        f = proj.add_field(spec.key)
        init(f)
        self._fixed_filter(spec, extract)
        if spec.key == ".name" or spec.key.startswith("/"):
            proj._name_steps.append((f, _name_extractor(spec.key)))
        else:
            key, target_field = spec.key, f

            def project_key(config: Config) -> list[tuple[int, str]]:
                return [(target_field.idx, config.get(key))]

            proj._config_steps.append(project_key)

    def _fixed_filter(self, spec: FieldSpec, extract: Extractor) -> None:
        if spec.order == "fixed":
            allowed = set(spec.fixed)
            self.fixed_filters.append(lambda r: extract(r) in allowed)


def non_singular_fields(proj: Projection, keys: list[Key]) -> list[str]:
    """Names of the fields in which at least two of ``keys`` differ."""
    if len(keys) <= 1:
        return []
    out = []
    for f in proj.flattened():
        first = proj.value(keys[0], f)
        if any(proj.value(k, f) != first for k in keys[1:]):
            out.append(f.name)
    return out


# -------------------------------------------------------------------------------------- filters
Mask = list[bool]
FilterFn = Callable[[Result], tuple[Mask | None, bool]]


def compile_filter(expression: str | Filter) -> FilterFn:
    """A function telling which results (or which of their values, for ``.unit``) match."""
    tree = parse_filter(expression) if isinstance(expression, str) else expression
    query = expression if isinstance(expression, str) else ""
    return _compile(tree, query, {})


def _compile(node: Filter, query: str, cache: dict[str, Extractor]) -> FilterFn:
    if isinstance(node, FilterMatch):
        return _compile_match(node, query, cache)
    subs = [_compile(e, query, cache) for e in node.exprs]
    if node.op == "NOT":
        (sub,) = subs

        def negate(r: Result) -> tuple[Mask | None, bool]:
            mask, ok = sub(r)
            return (None, not ok) if mask is None else ([not m for m in mask], False)

        return negate
    if node.op == "AND":

        def conj(r: Result) -> tuple[Mask | None, bool]:
            mask: Mask | None = None
            for s in subs:
                m2, ok = s(r)
                if m2 is None:
                    if not ok:
                        return None, False
                else:
                    mask = m2 if mask is None else [a and b for a, b in zip(mask, m2)]
            return mask, True

        return conj

    def disj(r: Result) -> tuple[Mask | None, bool]:
        mask: Mask | None = None
        for s in subs:
            m2, ok = s(r)
            if m2 is None:
                if ok:
                    return None, True
            else:
                mask = m2 if mask is None else [a or b for a, b in zip(mask, m2)]
        return mask, False

    return disj


def _compile_match(node: FilterMatch, query: str, cache: dict[str, Extractor]) -> FilterFn:
    if node.key == ".unit":
        return lambda r: (
            [node.match(v.unit) or (bool(v.orig_unit) and node.match(v.orig_unit)) for v in r.values],
            False,
        )
    if node.key == ".config":
        raise QuerySyntaxError(query, node.offset, ".config is only allowed in projections")
    extract = cache.get(node.key)
    if extract is None:
        try:
            extract = cache[node.key] = extractor(node.key)
        except ValueError as exc:
            raise QuerySyntaxError(query, node.offset, str(exc)) from None
    return lambda r: (None, node.match(extract(r)))


def apply_filter(fn: FilterFn, result: Result) -> list[bool] | None:
    """Which values of ``result`` to keep (None: none of them)."""
    mask, ok = fn(result)
    if mask is None:
        return [True] * len(result.values) if ok else None
    return mask if any(mask) else None
