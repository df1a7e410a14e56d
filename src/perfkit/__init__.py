"""perfkit: Go's performance toolchain for Python services.

Library entry points (the CLI is a thin layer over these):

* :func:`load` reads any supported profile file into a :class:`Profile`;
* :func:`save` writes a profile in any format or view, chosen by extension;
* :func:`record` runs a command under a profiler (py-spy by default);
* :func:`profile` records a command or a Python callable in one call, optionally saving it.
"""

from __future__ import annotations

from perfkit.api import profile
from perfkit.collectors import RecordOptions, record
from perfkit.errors import PerfkitError
from perfkit.files import load, render, save
from perfkit.model import Frame, Profile, ValueType

__version__ = "0.1.0"

__all__ = [
    "Frame",
    "PerfkitError",
    "Profile",
    "RecordOptions",
    "ValueType",
    "__version__",
    "load",
    "profile",
    "record",
    "render",
    "save",
]
