"""Recognise the legacy profile formats that only old Go versions (and gperftools) write, so that
reading one says how to convert it instead of failing on bytes perfkit does not parse.

``go tool pprof`` still reads them (the shapes below are the ones its ``parseLegacy`` accepts):
text heap, growth and fragmentation profiles (``/debug/pprof/heap?debug=1``), goroutine and
threadcreate counts (``?debug=1``), contention and mutex profiles, thread dumps, Java heapz and
contentionz, and the binary CPU profile of Go before 1.9 and of gperftools.  A goroutine dump
(``?debug=2``) is recognised too: no profiler reads it.
"""

from __future__ import annotations

import re
import shlex
import struct
from pathlib import Path

__all__ = ["conversion_hint", "legacy_kind"]

_HEAP = re.compile(rb"heap profile: *\d+: *\d+ *\[ *\d+: *\d+ *\] *@ *(heap[_a-z0-9]*|growthz?|fragmentationz?)")
_COUNT = re.compile(rb"\A(\S+) profile: total \d+\Z")
_THREAD = re.compile(rb"--- threadz \d+ ---|--- Thread [0-9A-Fa-f]+ \(name: .*/\d+\) stack: ---")
_CONTENTION = (b"--- contentionz ", b"--- mutex:", b"--- contention:")
_JAVA = {b"--- heapz 1 ---": "Java heap profile", b"--- contentionz 1 ---": "Java contention profile"}
_GOROUTINE_DUMP = re.compile(rb"\Agoroutine \d+ \[[^\]]*\]:\Z")


def _lines(head: bytes) -> list[bytes]:
    """Lines of ``head`` without blank lines and ``#`` comments (as pprof skips them)."""
    return [line.strip() for line in head.splitlines() if line.strip() and not line.strip().startswith(b"#")]


def _binary_cpu(head: bytes) -> bool:
    """gperftools' CPU header: words 0, 3, 0 (or 1 for Java), period > 0, 0, in any word size and order."""
    for fmt, size in (("<5I", 20), (">5I", 20), ("<5Q", 40), (">5Q", 40)):
        if len(head) >= size:
            n1, n2, n3, n4, n5 = struct.unpack(fmt, head[:size])
            if n1 == 0 and n2 == 3 and n3 in (0, 1) and n4 > 0 and n5 == 0:
                return True
    return False


def legacy_kind(head: bytes) -> str | None:
    """What legacy format ``head`` starts, in words, or None."""
    if _binary_cpu(head):
        return "a legacy binary CPU profile (Go before 1.9, gperftools)"
    first_line = head.split(b"\n", 1)[0].strip()
    if _HEAP.search(first_line):
        return "a legacy text heap profile (Go's debug=1 or gperftools format)"
    if first_line.startswith(_CONTENTION):
        return "a legacy text contention profile (Go's debug=1 or gperftools format)"
    if first_line in _JAVA:
        return f"a legacy {_JAVA[first_line]}"
    lines = _lines(head)
    first = lines[0] if lines else b""
    m = _COUNT.match(first)
    if m:
        return f"a legacy text {m.group(1).decode('utf-8', 'replace')} profile (Go's debug=1 format)"
    if _THREAD.search(first):
        return "a legacy thread profile"
    if _GOROUTINE_DUMP.match(first):
        return "a goroutine dump (debug=2)"
    return None


def conversion_hint(path: Path | str, kind: str) -> str:
    """The one line a user sees: what the file is and the command that converts it."""
    if kind.startswith("a goroutine dump"):
        return (
            f"{path}: {kind}, which no profiler reads; fetch the goroutine profile itself "
            "(/debug/pprof/goroutine without debug=2, or perfkit profile --url)"
        )
    source, out = shlex.quote(str(path)), shlex.quote(Path(str(path)).stem + ".pb.gz")
    return (
        f"{path}: {kind}, which perfkit does not read; convert it (add the program's binary before "
        f"the file for function names): go tool pprof -proto {source} > {out}"
    )
