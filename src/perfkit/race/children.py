"""Child Python processes started through ``subprocess`` run their script under the detector too.

``sitecustomize`` (on ``PYTHONPATH``) already starts the detector in any child Python; this
only reroutes ``python script.py`` / ``python -m mod`` through ``_boot/run.py`` so that the
child's main script is rewritten as well, and closes a multiprocessing child's reports with its
summary (such a child leaves by ``os._exit``, past every exit handler).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from typing import Protocol

    class ProcessInternals(Protocol):
        """``multiprocessing.process.BaseProcess`` with the private entry point of a child."""

        _bootstrap: Callable[..., int]


BOOT_RUN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_boot", "run.py")
_PYTHON = re.compile(r"python[0-9.]*(\.exe)?")
_OPTS_WITH_ARG = frozenset({"-X", "-W", "-Q"})


def reroute(args: Any) -> Any:
    """``[python, opts..., script|-m mod, ...]`` with ``run.py`` inserted before the target."""
    if not isinstance(args, (list, tuple)) or len(args) < 2:
        return args
    exe = os.fspath(args[0])
    if exe != sys.executable and not _PYTHON.fullmatch(os.path.basename(exe)):
        return args
    i = 1
    while i < len(args):
        a = os.fspath(args[i])
        if a in _OPTS_WITH_ARG:
            i += 2
            continue
        if a == "-m" or not a.startswith("-"):
            break
        if a.startswith("-c") or a == "-":
            return args
        i += 1
    if i >= len(args) or os.fspath(args[i]) == BOOT_RUN:
        return args
    new = list(args)
    new.insert(i, BOOT_RUN)
    return type(args)(new) if isinstance(args, tuple) else new


def patch() -> None:
    import subprocess

    orig = subprocess.Popen.__init__
    if getattr(orig, "_pk_race", False):
        return

    def __init__(self, args, *a, **kw):
        env = kw.get("env")
        if env is not None:
            env = dict(env)
            for k, v in os.environ.items():
                if k.startswith("PERFKIT_RACE") and k not in env:
                    env[k] = v
            if os.environ.get("PYTHONPATH") and "PYTHONPATH" not in env:
                env["PYTHONPATH"] = os.environ["PYTHONPATH"]
            kw["env"] = env
        orig(self, reroute(args), *a, **kw)

    __init__.__dict__["_pk_race"] = True
    subprocess.Popen.__init__ = __init__


def patch_multiprocessing() -> None:
    """A multiprocessing child's summary when its ``Process._bootstrap`` returns (fork and
    forkserver children then ``os._exit``; a spawned one would run exit handlers, once)."""
    from multiprocessing import process

    base_process = cast("type[ProcessInternals]", process.BaseProcess)
    orig = base_process._bootstrap
    if getattr(orig, "_pk_race", False):
        return
    # submodules by importlib: `from . import x` would import all of perfkit here (see _boot)
    report = import_module(".report", __package__)

    def _bootstrap(self, *args, **kwargs):
        try:
            return orig(self, *args, **kwargs)
        finally:
            report.child_end()

    _bootstrap.__dict__["_pk_race"] = True
    base_process._bootstrap = _bootstrap
