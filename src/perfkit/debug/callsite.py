"""Is a thread, as the sampler finds it, sitting in a call that released the GIL?

Why it matters: the sampler reads stacks only while it holds the GIL, and it gets the GIL at
once whenever the thread that had it lets go for a system call (a socket ``send``, an
``epoll_wait``, a lock wait).  So its ticks land on those calls far more often than the time
spent in them warrants, and the CPU the thread used since the previous tick (mostly its Python
code, *before* the call) would be charged to the call: ``write`` at 15-19% of the CPU where py-spy
finds 2-6%.  Whether the leaf frame is in such a call is read from its bytecode: the instruction
it stands at is a call, and the callee's name (the attribute or global loaded for that call,
found by source position: the load that spans the call's callee expression) is one of the
system calls and waits below; or the frame is in the standard library's waiting code.  Answers
are cached per (code object, instruction).
"""

from __future__ import annotations

import dis
import importlib
from types import CodeType, FrameType

#: C functions and methods of the standard library that release the GIL for a system call or a
#: wait.  A call at the leaf is always into C: a Python callee would have a frame of its own
#: (``Thread.join``, ``Event.wait`` are Python: their waits are found in threading.py).
RELEASING = frozenset(
    {
        # sockets and files
        "send", "sendall", "sendto", "sendmsg", "sendfile", "recv", "recv_into", "recvfrom",
        "recvfrom_into", "recvmsg", "accept", "connect", "connect_ex", "shutdown", "close",
        "read", "readinto", "readline", "write", "writelines", "flush", "fsync", "getaddrinfo",
        # waiting for events, locks, time, children
        "poll", "select", "control", "acquire", "wait", "sleep", "waitpid", "wait4", "sigwait",
        "do_handshake", "unwrap",
    }
)  # fmt: skip
#: modules whose code, at a call, is a thread waiting (``queue.get``, a pool worker's idle wait)
_WAITING_MODULES = ("threading", "queue", "selectors", "concurrent.futures.thread", "socket", "ssl")
_CALLS = frozenset(name for name in dis.opmap if name.startswith(("CALL", "PRECALL")) and "INTRINSIC" not in name)
_LOADS = frozenset(
    {"LOAD_ATTR", "LOAD_METHOD", "LOAD_GLOBAL", "LOAD_NAME", "LOAD_FAST", "LOAD_DEREF", "LOAD_SUPER_ATTR"}
)
_MAX_CACHED = 20_000


def _waiting_files() -> frozenset[str]:
    files = set()
    for name in _WAITING_MODULES:
        try:
            files.add(getattr(importlib.import_module(name), "__file__", "") or "")
        except ImportError:  # ssl may be missing
            continue
    return frozenset(files - {""})


_WAITING_FILES = _waiting_files()
_SITES: dict[tuple[CodeType, int], bool] = {}
_INSTRUCTIONS: dict[CodeType, dict[int, dis.Instruction]] = {}


def releases_gil(frame: FrameType) -> bool:
    """Whether ``frame`` (a leaf) stands at a call that releases the GIL (see the module doc)."""
    code = frame.f_code
    key = (code, frame.f_lasti)
    hit = _SITES.get(key)
    if hit is None:
        if len(_SITES) > _MAX_CACHED:  # code objects come and go (exec, reloads): stay bounded
            _SITES.clear()
            _INSTRUCTIONS.clear()
        hit = _SITES[key] = _classify(code, frame.f_lasti)
    return hit


def _classify(code: CodeType, lasti: int) -> bool:
    by_offset = _INSTRUCTIONS.get(code)
    if by_offset is None:
        try:
            by_offset = _INSTRUCTIONS[code] = {i.offset: i for i in dis.get_instructions(code)}
        except Exception:  # unusual code objects: not a known wait
            return False
    here = by_offset.get(lasti)
    if here is None:
        return False
    if here.opname == "BEFORE_WITH":  # ``with lock:``: a C __enter__ at the leaf is a lock wait
        return True
    if here.opname not in _CALLS:
        return False
    if code.co_filename in _WAITING_FILES:
        return True
    return callee_name(by_offset, here) in RELEASING


def callee_name(by_offset: dict[int, dis.Instruction], call: dis.Instruction) -> str | None:
    """The name loaded as the callee of ``call``: of the loads before it that start where the
    call expression starts, the one that ends last (``self._sock.send`` in ``self._sock.send(data)``,
    not ``join`` in ``sock.sendall(b"".join(parts))``)."""
    where = getattr(call, "positions", None)
    if where is None or where.lineno is None or where.col_offset is None:
        return None
    best: tuple[int, int] | None = None
    name = None
    for offset, instruction in by_offset.items():
        if offset >= call.offset or instruction.opname not in _LOADS:
            continue
        pos = instruction.positions
        if pos is None or pos.lineno != where.lineno or pos.col_offset != where.col_offset:
            continue
        end = (pos.end_lineno or 0, pos.end_col_offset or 0)
        if end < (where.end_lineno or 0, where.end_col_offset or 0) and (best is None or end >= best):
            best, name = end, instruction.argval
    return name if isinstance(name, str) else None
