"""Hatch build hook: compile perfkit's two C extensions, each with a pure-Python fallback.

* ``perfkit.race._core``: the race detector's per-access fast path;
* ``perfkit.bench._scan``: benchstat's reader of repeated Go result lines.

It runs on every ``pip install`` / ``pip install -e .`` and builds each ``.c`` file with the C
compiler and headers of the Python being installed for, straight from sysconfig (no build
dependency beyond hatchling). Without a compiler or ``Python.h`` the install still succeeds and
perfkit runs the pure-Python code instead (same results, slower); the reason is printed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCES = {  # package folder -> C source, under src/
    "perfkit/race": "_core.c",
    "perfkit/bench": "_scan.c",
}


def build_extension(root: Path, package: str, source: str) -> Path:
    """Compile one extension next to its source; returns the built file."""
    src = root / "src" / package / source
    out = src.with_name(src.stem + (sysconfig.get_config_var("EXT_SUFFIX") or ".so"))
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
        for package, source in SOURCES.items():
            try:
                built = build_extension(root, package, source)
            except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
                detail = getattr(exc, "stderr", "") or str(exc)
                print(f"perfkit: {package}/{source} not built, using pure Python: {detail.strip()[:400]}")
                continue
            if version != "editable":
                # a regular wheel carries the extension, so it is tagged for this Python and platform
                build_data["force_include"][str(built)] = f"{package}/{built.name}"
                build_data["pure_python"] = False
                build_data["infer_tag"] = True
