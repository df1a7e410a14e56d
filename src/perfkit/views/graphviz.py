"""Lay out DOT text with Graphviz's ``dot`` into SVG, PNG or PDF, as ``go tool pprof -svg`` does.

``dot`` is a program, not a Python package: Debian's ``graphviz``.  When it is missing the user
gets one line naming the package, and DOT output (``-o cpu.dot``) still works without it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from perfkit.errors import PerfkitError

__all__ = ["FORMATS", "format_for", "render"]

#: output formats by name -> extensions that imply them ("dot" needs no Graphviz)
FORMATS = {"svg": (".svg",), "png": (".png",), "pdf": (".pdf",), "dot": (".dot", ".gv")}
#: seconds dot may take before perfkit gives up (a graph of every node can take long)
TIMEOUT = 600


def format_for(output: Path, to: str | None = None) -> str:
    """The output format: ``to`` when given, else the extension of ``output``."""
    if to is not None:
        name = to.lower().lstrip(".")
        if name not in FORMATS:
            raise PerfkitError(f"--to {to}: unknown graph format; use one of: {', '.join(FORMATS)}")
        return name
    suffix = output.suffix.lower()
    for name, extensions in FORMATS.items():
        if suffix in extensions:
            return name
    known = ", ".join(ext for exts in FORMATS.values() for ext in exts)
    raise PerfkitError(f"{output}: unknown graph extension; use one of {known}, or pass --to")


def render(dot_text: str, fmt: str) -> bytes:
    """``dot_text`` laid out by Graphviz in ``fmt`` (``dot`` returns the text itself)."""
    if fmt == "dot":
        return dot_text.encode("utf-8")
    program = shutil.which("dot")
    if program is None:
        raise PerfkitError(
            f"Graphviz's `dot` is not installed, so no {fmt.upper()} can be drawn: install the graphviz package "
            "(apt-get install graphviz), or write DOT with -o graph.dot"
        )
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise PerfkitError(
            f"dot -T{fmt} took over {TIMEOUT}s; draw fewer nodes (--nodecount) or write DOT with -o graph.dot"
        ) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PerfkitError(f"dot -T{fmt} failed ({reason[0] if reason else f'exit status {done.returncode}'})")
    return done.stdout
