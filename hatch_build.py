"""Hatch build hook: compile ``perfkit.race._core`` (the race detector's per-access fast path).

It runs on every ``pip install`` / ``pip install -e .`` and builds ``src/perfkit/race/_core.c``
with the C compiler and headers of the Python being installed for, straight from sysconfig (no
build dependency beyond hatchling). Without a compiler or ``Python.h`` the install still
succeeds and ``perfkit race`` runs its pure-Python fallback (same results, slower); the reason
is printed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src") / "perfkit" / "race" / "_core.c"


def build_core(root: Path) -> Path:
    """Compile the extension next to its source; returns the built file."""
    src = root / SOURCE
    out = src.with_name("_core" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so"))
    include = sysconfig.get_paths()["include"]
    if not os.path.exists(os.path.join(include, "Python.h")):
        raise RuntimeError(f"no Python.h in {include} (install the python3-dev package for this Python)")
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    flags = ["-shared", "-fPIC", "-O2", "-Wall", f"-I{include}"]
    if sys.platform == "darwin":
        flags += ["-undefined", "dynamic_lookup"]
    tmp = out.with_name(out.name + ".tmp")
    subprocess.run([*cc, *flags, str(src), "-o", str(tmp)], check=True, capture_output=True, text=True)
    os.replace(tmp, out)
    return out


class CoreBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        try:
            built = build_core(root)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            print(f"perfkit: race detector's C core not built, using pure Python: {detail.strip()[:400]}")
            return
        if version != "editable":
            # a regular wheel carries the extension, so it is tagged for this Python and platform
            build_data["force_include"][str(built)] = f"perfkit/race/{built.name}"
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
