"""Hypothesis strategies for random valid profiles, and a canonical form to compare them by.

Shared by the format and round-trip tests: a format keeps a profile "exactly" when the canonical
forms (frames resolved, samples summed per stack and label set) are equal.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from perfkit.model import Frame, Mapping, NumLabel, Profile, ValueType

TYPES = [
    ValueType("samples", "count"),
    ValueType("cpu", "nanoseconds"),
    ValueType("wall", "nanoseconds"),
    ValueType("alloc_space", "bytes"),
    ValueType("alloc_objects", "count"),
]

# names that survive folded text too: no ';', no ' (', no trailing ')'
_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.<>0123456789", min_size=1, max_size=12)
_files = st.one_of(
    st.just(""),
    st.builds(lambda d, f: f"{d}/{f}.py", st.sampled_from(["app", "lib/x", "/usr/lib/python3"]), _names),
)
frames_st = st.builds(Frame, _names, _files, st.integers(0, 5000)).filter(lambda f: f.file or not f.line)


@st.composite
def profiles(
    draw: Any,
    *,
    min_value: int = 0,
    max_value: int = 10**12,
    label_keys: tuple[str, ...] = ("thread", "task"),
    empty_stacks: bool = True,
    max_types: int = 3,
    max_samples: int = 40,
) -> Profile:
    """A random valid profile: 1..max_types distinct sample types, shared frames, labels."""
    types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=max_types, unique=True))
    frames = draw(st.lists(frames_st, min_size=1, max_size=10, unique=True))
    meta = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "command": _names,
                "backend": st.sampled_from(["py-spy", "pyinstrument"]),
                "python": st.just("3.11.9"),
                "duration_ns": st.integers(1, 10**12),
                "start_ns": st.integers(1, 2**62),
            },
        )
    )
    period_type = draw(st.one_of(st.none(), st.sampled_from(types)))
    profile = Profile(
        types,
        default_type=draw(st.integers(0, len(types) - 1)),
        period=draw(st.integers(0, 10**9)) if period_type else 0,
        period_type=period_type,
        metadata=meta,
    )
    label_values = st.sampled_from(["MainThread", "worker-1", "t 2", "ü"])
    labels_st = st.one_of(
        st.none(),
        st.fixed_dictionaries({}, optional={k: label_values for k in label_keys}),
    )
    for _ in range(draw(st.integers(0, max_samples))):
        depth = draw(st.integers(0 if empty_stacks else 1, 8))
        stack = [frames[draw(st.integers(0, len(frames) - 1))] for _ in range(depth)]
        values = [draw(st.integers(min_value, max_value)) for _ in types]
        profile.add(stack, values, draw(labels_st))
    return profile


def canonical(profile: Profile, *, labels: bool = True) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Values summed per (resolved stack, label set), keyed by sample type names."""
    out: dict[tuple[Any, ...], list[int]] = {}
    names = [str(t) for t in profile.sample_types]
    for sample in profile.samples():
        key = (sample.stack, tuple(sorted(sample.labels.items())) if labels else ())
        acc = out.setdefault(key, [0] * len(names))
        for i, value in enumerate(sample.values):
            acc[i] += value
    return {k: tuple(v) for k, v in out.items()}


def totals(profile: Profile, sample_type: str | int | None = None) -> dict[tuple[Frame, ...], int]:
    """Resolved stack -> total for one sample type, zero stacks dropped (what folded keeps)."""
    frames = profile.frames
    return {tuple(frames[f] for f in s): v for s, v in profile.stack_totals(sample_type).items()}


def damaged(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    """``data`` with bytes overwritten (``(position, byte)``, positions wrapped to its length) and then
    truncated at ``cut`` (wrapped likewise; None keeps the length): the corrupted-input tests' fuzzing."""
    out = bytearray(data)
    for pos, byte in edits:
        out[pos % len(out)] = byte
    if cut is not None:
        out = out[: cut % (len(out) + 1)]
    return bytes(out)


# ---------------------------------------------------------------------------------------- native (pprof) profiles
_mappings = st.builds(
    Mapping,
    st.sampled_from(["/srv/app", "/lib/libc.so.6", "[vdso]"]),
    st.sampled_from(["", "b1d5"]),
    st.sampled_from([0, 0x400000]),
    st.sampled_from([0, 0x4B9000]),
    st.sampled_from([0, 0x1000]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


_ADDRESSES = st.integers(0, 2**48)
#: a system name the same as the name reads back as None (not recorded), so "none" covers it
_SYSTEM_NAMES = st.sampled_from(["none", "mangled"])
_LINES = st.integers(0, 900)
_START_LINES = st.integers(0, 99)
_NATIVE_LABELS = st.dictionaries(
    st.sampled_from(["bytes", "thread", "request", "wait"]),
    st.one_of(
        st.sampled_from(["main", "worker"]),
        st.builds(NumLabel, st.integers(1, 2**40), st.sampled_from(["", "bytes", "ms"])),
    ),
    max_size=3,
)


def _location(draw: Any, mapping: Mapping | None) -> tuple[Frame, ...]:
    """The frames of one pprof Location, root first: a function and the ones inlined into it,
    all at one address, or an unsymbolised address (one frame named after it)."""
    address = draw(_ADDRESSES)
    if mapping is not None and draw(st.integers(0, 5)) == 0:
        return (Frame(f"0x{address:x}", mapping.filename, 0, address=address, mapping=mapping),)
    frames = []
    for i in range(draw(st.integers(1, 3))):
        name = draw(_names)
        system = {"none": None, "mangled": f"_Z{name}"}[draw(_SYSTEM_NAMES)]
        line, start = draw(_LINES), draw(_START_LINES)
        frames.append(Frame(name, draw(_files), line, start, system, address, mapping, i > 0))
    return tuple(frames)


@st.composite
def native_profiles(draw: Any, max_samples: int = 25) -> Profile:
    """A random profile as Go or C++ producers write them: mappings, addresses, inlined lines,
    start lines, system names, numeric labels with and without units."""
    mappings = draw(st.lists(_mappings, min_size=1, max_size=3, unique=True))
    choices = [None, *mappings]
    locations = [
        _location(draw, choices[draw(st.integers(0, len(choices) - 1))]) for _ in range(draw(st.integers(1, 8)))
    ]
    types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True))
    profile = Profile(types, default_type=draw(st.integers(0, len(types) - 1)))
    values = st.lists(st.integers(0, 10**9), min_size=len(types), max_size=len(types))
    picks = st.lists(st.integers(0, len(locations) - 1), max_size=6)
    for _ in range(draw(st.integers(0, max_samples))):
        stack = [f for i in draw(picks) for f in locations[i]]
        profile.add(stack, draw(values), draw(_NATIVE_LABELS))
    return profile
