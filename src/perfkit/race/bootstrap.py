"""Start the detector in this process, once, from the ``PERFKIT_RACE_*`` environment."""

from __future__ import annotations

import os
import sys
from importlib import import_module

from .clock import CORE
from .importhook import Selection, patch_runpy
from .importhook import install as install_hook

# submodules by importlib: `from . import x` would import all of perfkit here (see _boot)
aio = import_module(".aio", __package__)
children = import_module(".children", __package__)
deadlock = import_module(".deadlock", __package__)
report = import_module(".report", __package__)
sync = import_module(".sync", __package__)

ENV_ENABLE = "PERFKIT_RACE_ENABLE"
ENV_INCLUDE = "PERFKIT_RACE_INCLUDE"
ENV_EXCLUDE = "PERFKIT_RACE_EXCLUDE"
ENV_STRESS = "PERFKIT_RACE_STRESS"
ENV_SUPPRESSIONS = "PERFKIT_RACE_SUPPRESSIONS"
ENV_PYTEST = "PERFKIT_RACE_PYTEST"
#: the CPUs the first raced process was given, so its raced children choose among them too
ENV_CPUSET = "PERFKIT_RACE_CPUSET"

SELECT: Selection | None = None


def _globs(name: str) -> list[str]:
    return [g for g in os.environ.get(name, "").split(os.pathsep) if g]


def export(select: Selection) -> None:
    """Every Python child (subprocess, multiprocessing spawn) starts the detector too."""
    env = os.environ
    env[ENV_ENABLE] = "1"
    env[ENV_INCLUDE] = os.pathsep.join(select.include)
    env[ENV_EXCLUDE] = os.pathsep.join(select.exclude)
    boot = os.path.dirname(children.BOOT_RUN)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if boot not in paths:
        env["PYTHONPATH"] = os.pathsep.join([boot, *paths])


def schedule(stress: bool) -> None:
    """The GIL's switch interval and the perturbation at synchronisation points (see
    ``_core.c``): together they keep one thread from running alone for long, so racing
    accesses happen from several threads. Without the compiled core there is no perturbation
    and the interval shortens to 1 ms instead."""
    opts = report.OPTS
    confine(opts.cpus)
    if stress:
        sys.setswitchinterval(1e-6)
        return
    interval = opts.switch_interval
    if CORE is not None:
        CORE.set_perturb(opts.perturb)
    elif opts.perturb and not opts.switch_interval_set:
        interval = min(interval, 0.001)
    sys.setswitchinterval(interval)


def confine(cpus: int) -> None:
    """Run this process's threads on ``cpus`` of the CPUs it was given (``report.CPUS`` says
    why). The core is chosen by pid, so raced children (pytest-xdist workers, multiprocessing)
    spread over the CPUs their first raced ancestor had. Threads started later inherit it."""
    if not cpus or not hasattr(os, "sched_setaffinity"):
        return
    try:
        given = os.environ.get(ENV_CPUSET)
        allowed = sorted(int(c) for c in given.split(",")) if given else sorted(os.sched_getaffinity(0))
        os.environ[ENV_CPUSET] = ",".join(map(str, allowed))
        if len(allowed) > cpus:
            start = os.getpid() % len(allowed)
            os.sched_setaffinity(0, {allowed[(start + i) % len(allowed)] for i in range(cpus)})
    except (OSError, ValueError):
        pass  # refused (a container's CPU set): the detector works the same, only slower


def install(exit_override: bool = True) -> Selection:
    """Patch the synchronisation primitives, install the import hook and the exit report."""
    global SELECT
    if SELECT is not None:
        return SELECT
    report.configure_from_env()
    report.configure_process()
    report.OPTS.exit_override = exit_override
    report.install_exit_hook()
    include = _globs(ENV_INCLUDE) or [os.path.join(os.getcwd(), "*")]
    SELECT = Selection(include, _globs(ENV_EXCLUDE))
    export(SELECT)
    sync.patch_threading()
    hooks = {
        "queue": sync.patch_queue,
        "concurrent.futures": sync.patch_futures,
        "concurrent.futures.thread": sync.patch_executor,
        "asyncio": aio.patch,
        "subprocess": children.patch,
        "multiprocessing.process": children.patch_multiprocessing,
        "runpy": lambda: patch_runpy(SELECT),
    }
    install_hook(SELECT, hooks)
    schedule(os.environ.get(ENV_STRESS) == "1")
    deadlock.start_watchdog()
    return SELECT
