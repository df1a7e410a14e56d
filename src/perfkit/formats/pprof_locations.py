"""pprof's Mappings, Functions and Locations to model frames and back.

A pprof ``Location`` is an address in a mapping with a list of ``Line``s, innermost first: the
lines before the last were inlined into the one after them.  The model keeps one frame per line,
root first, each carrying the location's address and mapping, and ``inlined`` on every frame that
was inlined into the frame before it; so writing regroups exactly the lines that were one location.
A location without lines (an unsymbolised address) becomes a frame named ``0x<address>`` in the
mapping's file, and is written back without lines.

Frames that have no mapping (everything Python collectors record) share one synthetic mapping that
tells pprof the functions are already symbolised; reading that mapping back gives frames with no
mapping, so perfkit's own files round-trip exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from perfkit.model import Frame, Mapping

__all__ = ["LocationWriter", "read_locations", "synthetic_mapping"]

#: (name, system_name, filename, start_line): one pprof Function
_FunctionKey = tuple[str, str | None, str, int]


def synthetic_mapping(metadata: dict[str, Any]) -> Mapping:
    """The one mapping perfkit writes for frames without their own: symbolised, no addresses."""
    return Mapping(
        filename=str(metadata.get("executable", "python")),
        has_functions=True,
        has_filenames=True,
        has_line_numbers=True,
    )


def _pprof_renames(name: str) -> bool:
    """Whether ``go tool pprof`` would rewrite a function named ``name`` whose system name is the
    same: its demangler takes names holding ``<>``, ``[]`` or ``::`` for C++ and cuts the ``<...>``
    out, so Python's ``<module>`` or ``<listcomp>`` would show as an empty name (``[python]``).
    Such functions are written with an empty system name, which pprof leaves alone."""
    if ".<" in name or "])." in name:
        return False
    return any(c in name for c in "<>[]") or "::" in name


def _unsymbolised(frame: Frame) -> bool:
    """A frame the reader made from a location without lines (see the module doc)."""
    return (
        frame.line == 0
        and not frame.inlined
        and frame.function[:2] == "0x"
        and frame.function == f"0x{frame.address:x}"
        and frame.file == (frame.mapping.filename if frame.mapping is not None else "")
    )


# ---------------------------------------------------------------------------------------- read
def read_mappings(msg: Any, string: Callable[[int, str], str], metadata: dict[str, Any]) -> dict[int, Mapping | None]:
    """Mapping id -> Mapping (None for perfkit's synthetic mapping)."""
    ours = synthetic_mapping(metadata)
    out: dict[int, Mapping | None] = {}
    for m in msg.mapping:
        mapping = Mapping(
            filename=string(m.filename, "mapping filename"),
            build_id=string(m.build_id, "mapping build_id"),
            memory_start=m.memory_start,
            memory_limit=m.memory_limit,
            file_offset=m.file_offset,
            has_functions=m.has_functions,
            has_filenames=m.has_filenames,
            has_line_numbers=m.has_line_numbers,
            has_inline_frames=m.has_inline_frames,
        )
        out[m.id] = None if mapping == ours else mapping
    return out


def read_locations(
    msg: Any, string: Callable[[int, str], str], metadata: dict[str, Any], *, names: bool = False
) -> tuple[dict[int, tuple[Frame, ...]], dict[int, list[str]]]:
    """Each location's frames, root first, and (with ``names``) its lines' raw function names,
    innermost first: what pprof's drop_frames rule matches."""
    mappings = read_mappings(msg, string, metadata)
    functions: dict[int, tuple[str, str | None, str, int, str]] = {}
    for fn in msg.function:
        raw = string(fn.name, "function name")
        system = string(fn.system_name, "function system_name")
        name = raw or system
        functions[fn.id] = (
            name,
            None if system in (name, "") else system,
            string(fn.filename, "function filename"),
            fn.start_line,
            raw,
        )
    frames: dict[int, tuple[Frame, ...]] = {}
    raw_names: dict[int, list[str]] = {}
    get_function, new_frame = functions.get, Frame._make  # a tuple built in C: the hot line below
    for loc in msg.location:
        loc_id, mapping_id, address, lines = loc.id, loc.mapping_id, loc.address, loc.line
        mapping = mappings.get(mapping_id)
        if mapping is None and mapping_id and mapping_id not in mappings:
            raise ValueError(f"location {loc_id} refers to missing mapping {mapping_id}")
        out: list[Frame] = []
        for line in reversed(lines):  # the last Line is the caller: root first
            func = get_function(line.function_id)
            if func is None:
                raise ValueError(f"location {loc_id} refers to missing function {line.function_id}")
            name, system_name, file, start, _ = func
            out.append(new_frame((name, file, line.line, start, system_name, address, mapping, bool(out))))
        if not out:  # no lines: an unsymbolised address
            file = mapping.filename if mapping is not None else ""
            out.append(Frame(f"0x{address:x}", file, 0, address=address, mapping=mapping))
        frames[loc_id] = tuple(out)
        if names:
            raw_names[loc_id] = [get_function(line.function_id)[4] for line in lines]  # type: ignore[index]
    return frames, raw_names


# ---------------------------------------------------------------------------------------- write
class LocationWriter:
    """Assigns pprof ids to the frames samples use and adds their Mapping, Function and Location
    messages to ``msg``; :meth:`stack` gives a root-first frame-id stack's leaf-first location ids."""

    def __init__(self, msg: Any, strings: Callable[[str], int], frames: Sequence[Frame], metadata: dict[str, Any]):
        self.msg, self.strings, self.frames = msg, strings, frames
        self.synthetic = synthetic_mapping(metadata)
        self.grouped = any(f.inlined for f in frames)
        self._mapping_ids: dict[Mapping, int] = {}
        self._function_ids: dict[_FunctionKey, int] = {}
        self._location_ids: dict[tuple[int, ...], int] = {}

    def add_mappings(self, used: Iterable[int]) -> None:
        """One Mapping per distinct mapping of the ``used`` frames, by start address (the order of
        the process's memory map), perfkit's synthetic one first as before."""
        frames = self.frames
        found = dict.fromkeys(frames[f].mapping for f in used)
        ordered: list[Mapping] = []
        if None in found or not found:
            ordered.append(self.synthetic)
        ordered.extend(sorted((m for m in found if m is not None), key=lambda m: m.memory_start))
        for mapping in ordered:
            if mapping in self._mapping_ids:
                continue
            mid = self._mapping_ids[mapping] = len(self._mapping_ids) + 1
            s = self.strings
            self.msg.mapping.add(
                id=mid,
                memory_start=mapping.memory_start,
                memory_limit=mapping.memory_limit,
                file_offset=mapping.file_offset,
                filename=s(mapping.filename),
                build_id=s(mapping.build_id),
                has_functions=mapping.has_functions,
                has_filenames=mapping.has_filenames,
                has_line_numbers=mapping.has_line_numbers,
                has_inline_frames=mapping.has_inline_frames,
            )

    def _function(self, frame: Frame) -> int:
        key = (frame.function, frame.system_name, frame.file, frame.start_line)
        fid = self._function_ids.get(key)
        if fid is None:
            fid = self._function_ids[key] = len(self._function_ids) + 1
            s = self.strings
            name = s(frame.function)
            if frame.system_name is not None:
                system = s(frame.system_name)
            else:  # the same name, unless pprof would "demangle" it (see _pprof_renames)
                system = 0 if _pprof_renames(frame.function) else name
            self.msg.function.add(
                id=fid, name=name, system_name=system, filename=s(frame.file), start_line=frame.start_line
            )
        return fid

    def location(self, group: tuple[int, ...]) -> int:
        """The Location of frame ids ``group`` (root first: a frame and the frames inlined into it)."""
        lid = self._location_ids.get(group)
        if lid is None:
            lid = self._location_ids[group] = len(self._location_ids) + 1
            head = self.frames[group[0]]
            mapping = self._mapping_ids[self.synthetic if head.mapping is None else head.mapping]
            loc = self.msg.location.add(id=lid, mapping_id=mapping)
            if head.address:
                loc.address = head.address
            if len(group) > 1 or not _unsymbolised(head):
                for fid in reversed(group):  # innermost first
                    frame = self.frames[fid]
                    loc.line.add(function_id=self._function(frame), line=frame.line)
        return lid

    def stack(self, stack: tuple[int, ...]) -> list[int]:
        """Leaf-first location ids of a root-first frame-id stack."""
        if not self.grouped:
            return [self.location((fid,)) for fid in reversed(stack)]
        groups: list[list[int]] = []
        frames = self.frames
        for fid in stack:
            frame = frames[fid]
            if groups and frame.inlined:
                head = frames[groups[-1][0]]
                if head.address == frame.address and head.mapping == frame.mapping:
                    groups[-1].append(fid)
                    continue
            groups.append([fid])
        return [self.location(tuple(g)) for g in reversed(groups)]
