"""Run a script or module as ``__main__`` with the script itself rewritten (``_boot/run.py``)."""

from __future__ import annotations

import builtins
import importlib.machinery
import os
import runpy
import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, cast

from .rewrite import compile_rewritten
from .state import hidden

if TYPE_CHECKING:
    from typing import Protocol

    from . import bootstrap

    class RunpyInternals(Protocol):
        """``runpy`` with the private function ``python -m`` itself runs a module by."""

        def _run_module_as_main(self, mod_name: str, alter_argv: bool = True) -> None: ...


# submodules by importlib: `from . import x` would import all of perfkit here (see _boot)
bootstrap = import_module(".bootstrap", __package__)


def _fresh_main(path: str | None) -> types.ModuleType:
    mod = types.ModuleType("__main__")
    # __builtins__ and __cached__: module attributes typeshed's ModuleType does not declare
    mod.__dict__["__builtins__"] = builtins
    if path is not None:
        mod.__file__ = path
        mod.__dict__["__cached__"] = None
        mod.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
        mod.__spec__ = None
    sys.modules["__main__"] = mod
    return mod


def run_script(script: str, args: list[str]) -> None:
    path = os.path.abspath(script)
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(path)
    with open(path, "rb") as fh:
        source = fh.read()
    select = bootstrap.SELECT
    if select is not None and not any(__import__("fnmatch").fnmatch(path, g) for g in select.exclude):
        code = compile_rewritten(source, path)
        import_module(".importhook", __package__).note("__main__")
    else:
        code = compile(source, path, "exec", dont_inherit=True)
    mod = _fresh_main(path)
    exec(code, mod.__dict__)


def run_module(name: str, args: list[str]) -> None:
    sys.argv = [name, *args]
    sys.path[0] = os.getcwd()
    _fresh_main(None)
    cast("RunpyInternals", runpy)._run_module_as_main(name, alter_argv=True)


def run(argv: list[str]) -> None:
    """Entry point of ``_boot/run.py``: behave like ``python ARGV``."""
    bootstrap.install()
    try:
        if argv and argv[0] == "-m" and len(argv) > 1:
            run_module(argv[1], argv[2:])
        elif argv:
            run_script(argv[0], argv[1:])
        else:
            print("usage: run.py SCRIPT [ARGS] | -m MODULE [ARGS]", file=sys.stderr)
            sys.exit(2)
    except SystemExit:
        raise
    except BaseException as exc:
        tb = exc.__traceback__
        while tb is not None and (hidden(tb.tb_frame.f_code.co_filename) or "runpy" in tb.tb_frame.f_code.co_filename):
            tb = tb.tb_next
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        sys.exit(130 if isinstance(exc, KeyboardInterrupt) else 1)
