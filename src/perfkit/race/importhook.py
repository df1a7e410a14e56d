"""Import hook: rewrite the user's modules at import, and patch stdlib modules once they load.

A module is rewritten when its file matches an ``--include`` glob and no ``--exclude`` glob;
the standard library, installed packages and perfkit itself never are. Rewritten code is
compiled from source every time (no ``.pyc`` written) so a normal run never picks it up.
"""

from __future__ import annotations

import fnmatch
import importlib.machinery
import importlib.util
import io
import os
import sys
from _thread import _local as threading_local
from collections.abc import Callable
from types import CodeType
from typing import TYPE_CHECKING, cast

from .rewrite import compile_rewritten
from .state import is_library

if TYPE_CHECKING:
    from typing import Protocol

    class RunpyInternals(Protocol):
        """``runpy`` with the private function ``run_path`` compiles a file by: (run_name, fname)
        -> (code, fname) up to Python 3.11, (fname) -> code from 3.12."""

        _get_code_from_file: Callable[..., tuple[CodeType, str] | CodeType]


_RACE_DIR = os.path.dirname(os.path.abspath(__file__))
_PERFKIT_DIR = os.path.dirname(_RACE_DIR)


class Selection:
    """Which source files get rewritten."""

    def __init__(self, include: list[str], exclude: list[str], base: str | None = None) -> None:
        base = base or os.getcwd()
        self.include = [self._abs(g, base) for g in include]
        self.exclude = [self._abs(g, base) for g in exclude]

    @staticmethod
    def _abs(glob: str, base: str) -> str:
        return glob if os.path.isabs(glob) else os.path.join(base, glob)

    def add_include(self, glob: str) -> None:
        self.include.append(glob)

    def __call__(self, path: str) -> bool:
        path = os.path.abspath(path)
        if path.startswith(_PERFKIT_DIR + os.sep) or is_library(path):
            return False
        if any(fnmatch.fnmatch(path, g) for g in self.exclude):
            return False
        return any(fnmatch.fnmatch(path, g) for g in self.include)


#: names of the modules rewritten so far, in import order (pytest's summary line counts them)
INSTRUMENTED: list[str] = []


def note(fullname: str) -> None:
    INSTRUMENTED.append(fullname)


def summary() -> str:
    """``instrumented 12 modules from mypkg (10), tests (2)``: what ``--race`` covers."""
    by_top: dict[str, int] = {}
    for name in dict.fromkeys(INSTRUMENTED):
        top = name.split(".")[0]
        by_top[top] = by_top.get(top, 0) + 1
    parts = ", ".join(f"{top} ({n})" for top, n in sorted(by_top.items(), key=lambda kv: (-kv[1], kv[0])))
    total = sum(by_top.values())
    return f"perfkit race: instrumented {total} module{'s' if total != 1 else ''}" + (f" from {parts}" if parts else "")


class RewritingLoader(importlib.machinery.SourceFileLoader):
    """A source loader whose code is the rewritten module."""

    def get_code(self, fullname: str):
        path = self.get_filename(fullname)
        code = compile_rewritten(self.get_data(path), path)
        note(fullname)
        return code


class RewritingWrapper:
    """Any other loader that can give the source (a zipapp's ``zipimporter``, an editable
    finder's custom loader): the module runs rewritten, everything else is the loader's."""

    def __init__(self, loader, origin: str) -> None:
        self._loader = loader
        self._origin = origin

    def create_module(self, spec):
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def get_code(self, fullname: str):
        code = compile_rewritten(self._loader.get_source(fullname), self._origin)
        note(fullname)
        return code

    def exec_module(self, module) -> None:
        exec(self.get_code(module.__name__), module.__dict__)

    def __getattr__(self, name: str):
        return getattr(self._loader, name)


class _PostImportLoader:
    """Wraps a loader to run ``after(module)`` once the module has executed."""

    def __init__(self, loader, after: Callable[[], None]) -> None:
        self._loader = loader
        self._after = after

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        self._after()

    def __getattr__(self, name: str):
        return getattr(self._loader, name)


def _rewrites_itself(loader: object) -> bool:
    """pytest's assertion rewriter: the race rewrite runs inside it (see pytest_plugin)."""
    return type(loader).__name__ == "AssertionRewritingHook"


class RaceFinder:
    """Meta path finder placed first on ``sys.meta_path``."""

    def __init__(self, select: Selection, post_import: dict[str, Callable[[], None]]) -> None:
        self.select = select
        self.post_import = post_import
        self._busy = threading_local()

    def find_spec(self, fullname: str, path=None, target=None):
        after = self.post_import.pop(fullname, None)
        if after is not None:
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and spec.loader is not None:
                # the import system calls exec_module; typeshed's loader protocol asks for the
                # legacy load_module, which Python uses only when exec_module is missing
                spec.loader = _PostImportLoader(spec.loader, after)  # type: ignore[assignment]
            return spec
        if getattr(self._busy, "on", False):
            return None
        self._busy.on = True
        try:
            spec = self._find_elsewhere(fullname, path, target)
        finally:
            self._busy.on = False
        if spec is None or spec.loader is None or not spec.origin or not spec.origin.endswith(".py"):
            return None
        if not self.select(spec.origin):
            return None
        loader = spec.loader
        if type(loader) is importlib.machinery.SourceFileLoader:
            spec.loader = RewritingLoader(fullname, spec.origin)
        elif hasattr(loader, "get_source") and not _rewrites_itself(loader):
            spec.loader = RewritingWrapper(loader, spec.origin)
        else:
            return None
        return spec

    def _find_elsewhere(self, fullname: str, path, target):
        """The spec the rest of ``sys.meta_path`` gives (path entries, editable finders, zips)."""
        for finder in list(sys.meta_path):
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            try:
                spec = find(fullname, path, target)
            except Exception:
                return None
            if spec is not None:
                return spec
        return None

    def invalidate_caches(self) -> None:
        pass


def patch_runpy(select: Selection) -> None:
    """``runpy.run_path`` compiles its file itself, past every import hook. multiprocessing's
    spawn and forkserver children run the parent's main script that way (as ``__mp_main__``),
    and so do tools that run a script by path: a selected source file is rewritten there too."""
    import runpy

    internals = cast("RunpyInternals", runpy)
    orig = internals._get_code_from_file
    if getattr(orig, "_pk_race", False):
        return

    def _get_code_from_file(*args):
        # (run_name, fname) -> (code, fname) up to 3.11, (fname) -> code from 3.12
        result = orig(*args)
        try:
            code = result[0] if isinstance(result, tuple) else result
            path = os.path.abspath(os.fsdecode(args[-1]))
            if not select(path):
                return result
            with io.open_code(path) as fh:
                source = fh.read()
            if source[:4] == importlib.util.MAGIC_NUMBER:
                return result  # a compiled file: nothing to rewrite
            code = compile_rewritten(source, code.co_filename)
            note(os.path.splitext(os.path.basename(path))[0])
        except Exception:  # the file runs as the program wrote it, unobserved
            return result
        return (code, *result[1:]) if isinstance(result, tuple) else code

    _get_code_from_file.__dict__["_pk_race"] = True
    internals._get_code_from_file = _get_code_from_file


FINDER: RaceFinder | None = None


def install(select: Selection, post_import: dict[str, Callable[[], None]]) -> RaceFinder:
    """Put the finder first; run hooks at once for modules that are already imported."""
    global FINDER
    for name in list(post_import):
        if name in sys.modules:
            post_import.pop(name)()
    FINDER = RaceFinder(select, post_import)
    sys.meta_path.insert(0, FINDER)
    return FINDER
