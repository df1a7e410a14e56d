"""speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json).

Writing: one ``sampled`` profile per sample type and per ``profile``/``thread`` label value, frames
shared, samples in recorded order with runs of equal samples merged, so the time-order view stays
true.  The file's ``name`` is the recorded command as a shell line.  perfkit adds an ``x-perfkit``
object (speedscope ignores unknown keys) holding the sample type, the labels and the metadata, so
perfkit reads its own files back exactly.

Reading: every ``sampled`` and ``evented`` profile in the file.  Profiles without ``x-perfkit``
get a type from their unit (times become ``wall/nanoseconds``, ``bytes`` ``space/bytes``,
``none`` ``samples/count``).  When a file holds several, they stay apart: each sample carries a
``profile`` label with its profile's name (made unique: py-spy names every thread's profile
``py-spy``), views add them up like pprof adds threads, and ``--tagfocus 'profile=^NAME$'``
picks one, as speedscope's profile selector does.  ``metadata["profiles"]`` lists the names in file
order and ``metadata["active_profile"]`` names the one speedscope opens first.
Values are int64 in the model, so fractional times are scaled to integer nanoseconds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from perfkit.model import Frame, Profile, ValueType, command_text

NAME = "speedscope"

SCHEMA = "https://www.speedscope.app/file-format-schema.json"
EXTRA = "x-perfkit"
_INT64 = (-(2**63), 2**63 - 1)
#: speedscope time units -> nanoseconds per unit
_TIME_UNITS = {"nanoseconds": 1, "microseconds": 1_000, "milliseconds": 1_000_000, "seconds": 1_000_000_000}
_UNITS = {*_TIME_UNITS, "bytes", "none"}


def sniff(head: bytes) -> bool:
    """JSON naming speedscope's schema."""
    return head.lstrip()[:1] == b"{" and b"speedscope.app/file-format-schema" in head


# ---------------------------------------------------------------------------------------- write
def _unit(vt: ValueType) -> str:
    if vt.unit in _TIME_UNITS or vt.unit == "bytes":
        return vt.unit
    return "none"


#: the labels that split a profile into speedscope profiles, in title order
_SPLIT = ("profile", "thread")
_Group = tuple[str | None, str | None]


def _groups(profile: Profile) -> list[tuple[_Group, list[int]]]:
    """Sample indices per (``profile``, ``thread``) label values (None: no such label), first-seen order."""
    key_of: list[_Group] = []
    for ls in profile.labelsets:
        labels = dict(ls)
        found = [labels.get(k) for k in _SPLIT]
        key_of.append(tuple(v if isinstance(v, str) else None for v in found))  # type: ignore[arg-type]
    groups: dict[_Group, list[int]] = {}
    for i, lid in enumerate(profile.sample_labels):
        groups.setdefault(key_of[lid], []).append(i)
    return list(groups.items()) or [((None, None), [])]


def _runs(profile: Profile, rows: list[int], column: Any) -> tuple[list[int], list[int]]:
    """Stack ids and weights of consecutive samples, equal neighbours merged."""
    stacks: list[int] = []
    weights: list[int] = []
    sample_stack = profile.sample_stack
    for i in rows:
        sid = sample_stack[i]
        if stacks and stacks[-1] == sid:
            weights[-1] += column[i]
        else:
            stacks.append(sid)
            weights.append(column[i])
    return stacks, weights


def to_json(profile: Profile) -> dict[str, Any]:
    """The speedscope document as plain JSON-able data."""
    used: dict[int, int] = {}
    #: speedscope frames have no addresses: frames at one source line share an entry
    by_source: dict[tuple[str, str, int], int] = {}
    shared: list[dict[str, Any]] = []
    frames = profile.frames

    def frame_index(fid: int) -> int:
        idx = used.get(fid)
        if idx is None:
            frame = frames[fid]
            key = (frame.function, frame.file, frame.line)
            idx = by_source.get(key)
            if idx is None:
                idx = by_source[key] = len(shared)
                entry: dict[str, Any] = {"name": frame.function}
                if frame.file:
                    entry["file"] = frame.file
                if frame.line:
                    entry["line"] = frame.line
                shared.append(entry)
            used[fid] = idx
        return idx

    stack_json: dict[int, list[int]] = {}
    groups = _groups(profile)
    meta = profile.metadata
    name = command_text(meta.get("command")) or str(meta.get("name") or "perfkit profile")
    profiles: list[dict[str, Any]] = []
    active = 0
    several_types = len(profile.sample_types) > 1
    for t, vt in enumerate(profile.sample_types):
        if t == profile.default_type:
            active = len(profiles)
        for (part, thread), rows in groups:
            sids, weights = _runs(profile, rows, profile.values[t])
            samples = []
            for sid in sids:
                js = stack_json.get(sid)
                if js is None:
                    js = stack_json[sid] = [frame_index(f) for f in profile.stacks[sid]]
                samples.append(js)
            title = " ".join(v for v in (part, thread) if v is not None) or name
            extra: dict[str, Any] = {"sample_type": str(vt)}
            for key, value in zip(_SPLIT, (part, thread)):
                if value is not None:
                    extra[key] = value
            profiles.append(
                {
                    "type": "sampled",
                    "name": f"{title} ({vt})" if several_types else title,
                    "unit": _unit(vt),
                    "startValue": 0,
                    "endValue": sum(weights),
                    "samples": samples,
                    "weights": weights,
                    EXTRA: extra,
                }
            )
    doc_extra: dict[str, Any] = {
        "default_type": profile.default_type,
        "period": profile.period,
        "metadata": {k: v for k, v in meta.items() if _jsonable(v)},
    }
    if profile.period_type is not None:
        doc_extra["period_type"] = str(profile.period_type)
    return {
        "$schema": SCHEMA,
        "shared": {"frames": shared},
        "profiles": profiles,
        "name": name,
        "activeProfileIndex": active,
        "exporter": "perfkit",
        EXTRA: doc_extra,
    }


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def write(profile: Profile, *, indent: int | None = None) -> str:
    """speedscope JSON text (compact unless ``indent`` is given)."""
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(to_json(profile), indent=indent, separators=separators, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------- read
def read(path: Path) -> Profile:
    """Read every profile of a speedscope file into one Profile."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    return from_json(doc)


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a JSON array")
    return value


def _number(value: Any, what: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {str(value)[:40]!r}")
    return value


def _int64(value: float, what: str) -> int:
    out = round(value)
    if not _INT64[0] <= out <= _INT64[1]:
        raise ValueError(f"{what} {out} does not fit in 64 bits")
    return out


def _frames(doc: dict[str, Any]) -> list[Frame]:
    shared = _obj(doc.get("shared", {"frames": []}), "shared")
    out = []
    for i, raw in enumerate(_list(shared.get("frames", []), "shared.frames")):
        raw = _obj(raw, f"frame {i}")
        name = raw.get("name")
        if not isinstance(name, str):
            raise ValueError(f"frame {i} has no name string")
        file = raw.get("file") or ""
        if not isinstance(file, str):
            raise ValueError(f"frame {i}: file must be a string")
        line = raw.get("line") or 0
        if isinstance(line, bool) or not isinstance(line, int) or line < 0:
            raise ValueError(f"frame {i}: line must be a non-negative integer")
        out.append(Frame(name, file, line))
    return out


class _Part:
    """One speedscope profile turned into (stack, weight) rows with its type and labels."""

    def __init__(self, vt: ValueType, labels: dict[str, str], rows: list[tuple[tuple[int, ...], int]]):
        self.vt, self.labels, self.rows = vt, labels, rows
        self.name = ""


def from_json(doc: Any) -> Profile:
    """Build a Profile from a parsed speedscope document, validating as it goes."""
    doc = _obj(doc, "the document")
    if doc.get("$schema") != SCHEMA:
        raise ValueError(f"$schema is not {SCHEMA}")
    frames = _frames(doc)
    raw_profiles = _list(doc.get("profiles"), "profiles")
    if not raw_profiles:
        raise ValueError("the file holds no profiles")
    extra = doc.get(EXTRA) if isinstance(doc.get(EXTRA), dict) else None
    parts = [_part(_obj(p, f"profile {i}"), i, len(frames)) for i, p in enumerate(raw_profiles)]
    names = _unique_names(parts) if extra is None and len(parts) > 1 else []
    for part, part_name in zip(parts, names):
        part.labels = {"profile": part_name}

    types: list[ValueType] = []
    for part in parts:
        if part.vt not in types:
            types.append(part.vt)
    metadata: dict[str, Any] = {}
    default, period, period_type = 0, 0, None
    if extra is not None:
        meta = extra.get("metadata")
        metadata.update(meta if isinstance(meta, dict) else {})
        default = extra.get("default_type", 0)
        if isinstance(default, bool) or not isinstance(default, int) or not 0 <= default < len(types):
            default = 0
        p = extra.get("period", 0)
        period = p if isinstance(p, int) and not isinstance(p, bool) and _INT64[0] <= p <= _INT64[1] else 0
        if isinstance(extra.get("period_type"), str):
            period_type = ValueType.parse(extra["period_type"])
    else:
        active = doc.get("activeProfileIndex", 0)
        if isinstance(active, int) and not isinstance(active, bool) and 0 <= active < len(parts):
            default = types.index(parts[active].vt)
            if names:
                metadata["active_profile"] = names[active]
        if names:
            metadata["profiles"] = names
        if isinstance(doc.get("name"), str):
            metadata["name"] = doc["name"]
    metadata["format"] = NAME

    profile = Profile(types, default_type=default, period=period, period_type=period_type, metadata=metadata)
    for f in frames:
        profile.frame_id(f)  # frame ids equal speedscope frame indices
    _fill(profile, parts, types)
    return profile


def _unique_names(parts: list[_Part]) -> list[str]:
    """Each part's name, with `` #2``, `` #3`` ... on repeats, so no two profiles share a label."""
    seen: dict[str, int] = {}
    out = []
    for part in parts:
        seen[part.name] = seen.get(part.name, 0) + 1
        out.append(part.name if seen[part.name] == 1 else f"{part.name} #{seen[part.name]}")
    return out


def _fill(profile: Profile, parts: list[_Part], types: list[ValueType]) -> None:
    """Add rows; parts with the same labels and identical stacks (perfkit's one-profile-per-type
    layout) share rows, other parts get their own rows with zeros in the other columns."""
    width = len(types)
    done: set[int] = set()
    for i, part in enumerate(parts):
        if i in done:
            continue
        columns = {types.index(part.vt): [w for _, w in part.rows]}
        stacks = [s for s, _ in part.rows]
        for j in range(i + 1, len(parts)):
            other = parts[j]
            col = types.index(other.vt)
            if j in done or other.labels != part.labels or col in columns:
                continue
            if [s for s, _ in other.rows] == stacks:
                columns[col] = [w for _, w in other.rows]
                done.add(j)
        lid = profile.labelset_id(part.labels)
        for r, stack in enumerate(stacks):
            values = [columns[c][r] if c in columns else 0 for c in range(width)]
            profile.add_ids(profile.stack_id(stack), values, lid)


def _part(raw: dict[str, Any], index: int, nframes: int) -> _Part:
    what = f"profile {index}"
    unit = raw.get("unit", "none")
    if not isinstance(unit, str) or unit not in _UNITS:
        raise ValueError(f"{what}: unknown unit {str(unit)[:40]!r}")
    extra = raw.get(EXTRA) if isinstance(raw.get(EXTRA), dict) else None
    labels: dict[str, str] = {}
    if extra is not None and isinstance(extra.get("sample_type"), str):
        vt, scale = ValueType.parse(extra["sample_type"]), 1
        labels = {k: extra[k] for k in _SPLIT if isinstance(extra.get(k), str)}
    elif unit in _TIME_UNITS:
        vt, scale = ValueType("wall", "nanoseconds"), _TIME_UNITS[unit]
    elif unit == "bytes":
        vt, scale = ValueType("space", "bytes"), 1
    else:
        vt, scale = ValueType("samples", "count"), 1
    name = raw.get("name")
    kind = raw.get("type")
    if kind == "sampled":
        rows = _sampled(raw, what, nframes, scale)
    elif kind == "evented":
        rows = _evented(raw, what, nframes, scale)
    else:
        raise ValueError(f"{what}: type must be 'sampled' or 'evented', not {str(kind)[:40]!r}")
    part = _Part(vt, labels, rows)
    part.name = name if isinstance(name, str) and name else f"profile {index + 1}"
    return part


def _frame_ref(value: Any, nframes: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < nframes:
        raise ValueError(f"{what}: frame index {str(value)[:40]} is outside the {nframes} shared frames")
    return value


def _sampled(raw: dict[str, Any], what: str, nframes: int, scale: int) -> list[tuple[tuple[int, ...], int]]:
    samples = _list(raw.get("samples"), f"{what}: samples")
    weights = _list(raw.get("weights", [1] * len(samples)), f"{what}: weights")
    if len(weights) != len(samples):
        raise ValueError(f"{what}: {len(weights)} weights for {len(samples)} samples; they must match")
    rows = []
    cache: dict[tuple[Any, ...], tuple[int, ...]] = {}
    for n, (stack, weight) in enumerate(zip(samples, weights)):
        key = tuple(_list(stack, f"{what}: sample {n}"))
        try:
            ids = cache.get(key)
        except TypeError:  # a list or object among the frame indices: let _frame_ref name it
            ids = None
        if ids is None:
            ids = tuple(_frame_ref(f, nframes, f"{what}: sample {n}") for f in key)
            cache[key] = ids
        w = _number(weight, f"{what}: weight {n}")
        rows.append((ids, _int64(w * scale, f"{what}: weight {n}")))
    return rows


def _evented(raw: dict[str, Any], what: str, nframes: int, scale: int) -> list[tuple[tuple[int, ...], int]]:
    """Time between consecutive events goes to the stack open during it."""
    events = _list(raw.get("events"), f"{what}: events")
    stack: list[int] = []
    rows = []
    last: int | None = None
    for n, ev in enumerate(events):
        ev = _obj(ev, f"{what}: event {n}")
        at = _int64(_number(ev.get("at"), f"{what}: event {n} 'at'") * scale, f"{what}: event {n} 'at'")
        frame = _frame_ref(ev.get("frame"), nframes, f"{what}: event {n}")
        if last is not None:
            if at < last:
                raise ValueError(f"{what}: event {n} goes back in time ({at} after {last})")
            if stack and at > last:
                rows.append((tuple(stack), at - last))
        last = at
        kind = ev.get("type")
        if kind == "O":
            stack.append(frame)
        elif kind == "C":
            if not stack or stack[-1] != frame:
                raise ValueError(f"{what}: event {n} closes frame {frame}, which is not the innermost open frame")
            stack.pop()
        else:
            raise ValueError(f"{what}: event {n} has type {str(kind)[:20]!r}, expected 'O' or 'C'")
    if stack:
        raise ValueError(f"{what}: {len(stack)} frames are still open after the last event")
    return rows
