"""Import hook: rewrite the user's modules at import, and patch stdlib modules once they load.

A module is rewritten when its file matches an ``--include`` glob and no ``--exclude`` glob;
the standard library, installed packages and perfkit itself never are. Rewritten code is
compiled from source every time (no ``.pyc`` written) so a normal run never picks it up.
"""

from __future__ import annotations

import fnmatch
import importlib.machinery
import os
import sys
from collections.abc import Callable

from .rewrite import compile_rewritten
from .state import is_library

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


class RewritingLoader(importlib.machinery.SourceFileLoader):
    """A source loader whose code is the rewritten module."""

    def get_code(self, fullname: str):
        path = self.get_filename(fullname)
        return compile_rewritten(self.get_data(path), path)


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


class RaceFinder:
    """Meta path finder placed first on ``sys.meta_path``."""

    def __init__(self, select: Selection, post_import: dict[str, Callable[[], None]]) -> None:
        self.select = select
        self.post_import = post_import

    def find_spec(self, fullname: str, path=None, target=None):
        after = self.post_import.pop(fullname, None)
        if after is not None:
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and spec.loader is not None:
                spec.loader = _PostImportLoader(spec.loader, after)
            return spec
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        if not spec.origin or not spec.origin.endswith(".py") or not self.select(spec.origin):
            return None
        spec.loader = RewritingLoader(fullname, spec.origin)
        return spec

    def invalidate_caches(self) -> None:
        pass


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
