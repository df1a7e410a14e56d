"""Graph nodes: which frames a node stands for at each granularity (pprof's NodeInfo), and the
interning of nodes shared by a profile and its base.  Granularity's one implementation."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import NamedTuple

from perfkit.graph.options import Granularity
from perfkit.model import Frame

__all__ = ["Interner", "NodeInfo", "clean_path", "coarser", "display_frames", "node_info"]


class NodeInfo(NamedTuple):
    """What identifies a node: the frame fields its granularity keeps (pprof's NodeInfo).
    ``objfile`` names the binary of a frame that has no function name (an unsymbolised address)."""

    name: str
    file: str = ""
    line: int = 0
    address: int = 0
    objfile: str = ""

    def printable_name(self) -> str:
        """pprof's one-line name: ``[address] function [file:line | file]``, ``[binary]`` for an
        unsymbolised address, ``<unknown>`` if nothing is known."""
        parts = []
        if self.address:
            parts.append(f"{self.address:016x}")
        if self.name:
            parts.append(self.name)
        if self.line:
            parts.append(f"{self.file}:{self.line}")
        elif self.file:
            parts.append(self.file)
        elif self.name:
            pass
        elif self.objfile:
            parts.append(f"[{posixpath.basename(self.objfile)}]")
        else:
            parts.append("<unknown>")
        return " ".join(parts)

    def sort_text(self) -> str:
        """pprof's last-resort tie-break (``fmt.Sprint`` of its NodeInfo), for a stable order."""
        return f"{{{self.name}  {self.address} {self.file} 0 {self.line} {self.objfile}}}"


def coarser(info: NodeInfo, granularity: Granularity) -> NodeInfo:
    """``info`` at a coarser ``granularity`` (the rules of :func:`node_info`, on a node)."""
    if not info.name and info.objfile:
        return info._replace(address=info.address if granularity is Granularity.ADDRESSES else 0)
    if granularity is Granularity.FUNCTIONS:
        return NodeInfo(info.name)
    if granularity is Granularity.FILEFUNCTIONS:
        return NodeInfo(info.name, info.file)
    if granularity is Granularity.FILES:
        return NodeInfo("", info.file)
    if granularity is Granularity.LINES:
        return NodeInfo(info.name, info.file, info.line)
    return info


def clean_path(path: str) -> str:
    """A file name as pprof shows it: ``/proc/self/cwd/`` prefixes trimmed, then cleaned."""
    if not path:
        return path
    for prefix in ("/proc/self/cwd/./", "/proc/self/cwd/"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
            break
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def node_info(frame: Frame, granularity: Granularity) -> NodeInfo:
    """The node ``frame`` belongs to at ``granularity``: granularity's one implementation.

    pprof's rules: ``functions`` keeps the name, ``filefunctions`` the name and file, ``files`` the
    file, ``lines`` name, file and line, ``addresses`` the machine address too.  An unsymbolised
    address (the reader names it ``0x...``) has no function: it is its binary, or its address."""
    if frame.mapping is not None and frame.line == 0 and frame.function == f"0x{frame.address:x}":
        address = frame.address if granularity is Granularity.ADDRESSES else 0
        return NodeInfo("", "", 0, address, frame.mapping.filename)
    if granularity is Granularity.FUNCTIONS:
        return NodeInfo(frame.function)
    if granularity is Granularity.FILEFUNCTIONS:
        return NodeInfo(frame.function, clean_path(frame.file))
    if granularity is Granularity.FILES:
        if not frame.file:  # pprof: a function without a file is known by its binary then
            return NodeInfo("", "", 0, 0, frame.mapping.filename if frame.mapping is not None else "")
        return NodeInfo("", clean_path(frame.file))
    if granularity is Granularity.LINES:
        return NodeInfo(frame.function, clean_path(frame.file), frame.line)
    return NodeInfo(frame.function, clean_path(frame.file), frame.line, frame.address)


def display_frames(infos: Sequence[NodeInfo], files: Sequence[str]) -> list[Frame]:
    """Frames naming nodes: the function (the file for file nodes), and the source file when
    known, for views that draw frames (colours and tooltips come from the file)."""
    return [
        Frame(info.name or info.file or info.printable_name(), info.file or file, info.line)
        for info, file in zip(infos, files)
    ]


class Interner:
    """Node ids shared by a profile and its base, so their stacks line up."""

    def __init__(self, granularity: Granularity) -> None:
        self.granularity = granularity
        self.infos: list[NodeInfo] = []
        self.files: list[str] = []
        self.index: dict[NodeInfo, int] = {}

    def node_ids(self, frames: Sequence[Frame]) -> list[int]:
        """The node id of every frame (nodes made as needed)."""
        return [self.intern(node_info(frame, self.granularity), clean_path(frame.file)) for frame in frames]

    def intern(self, info: NodeInfo, file: str) -> int:
        """The id of node ``info``; ``file`` is the source file of one of its frames."""
        nid = self.index.get(info)
        if nid is None:
            nid = self.index[info] = len(self.infos)
            self.infos.append(info)
            self.files.append(file)
        elif self.files[nid] != file:
            self.files[nid] = ""
        return nid
