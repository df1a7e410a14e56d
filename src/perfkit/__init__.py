"""perfkit: Go's performance toolchain for Python services.

Library entry points (the CLI is a thin layer over these):

* :func:`load` reads any supported profile file into a :class:`Profile`;
* :func:`save` writes a profile in any format or view, chosen by extension;
* :func:`record` runs a command under a profiler (py-spy by default);
* :func:`profile` records a command or a Python callable in one call, optionally saving it.

``import perfkit`` loads none of them: each public name is imported on first use (PEP 562), so
the CLI's ``--version``, the pytest plugins (loaded in every pytest run) and the race detector's
bootstrap pay only for what they touch.
"""

import importlib as _importlib

_TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (5 ms of every start)

__version__ = "0.1.0"

#: public name -> the module that defines it
_PUBLIC = {
    "Frame": "perfkit.model",
    "PerfkitError": "perfkit.errors",
    "Profile": "perfkit.model",
    "RecordOptions": "perfkit.collectors",
    "ValueType": "perfkit.model",
    "load": "perfkit.files",
    "profile": "perfkit.api",
    "record": "perfkit.collectors",
    "render": "perfkit.files",
    "save": "perfkit.files",
}

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

if _TYPE_CHECKING:
    from perfkit.api import profile
    from perfkit.collectors import RecordOptions, record
    from perfkit.errors import PerfkitError
    from perfkit.files import load, render, save
    from perfkit.model import Frame, Profile, ValueType


def __getattr__(name: str) -> object:
    """A public name, imported when first asked for; a submodule (``perfkit.files``), imported too,
    as it was when this package imported its API eagerly."""
    module = _PUBLIC.get(name)
    if module is not None:
        value = getattr(_importlib.import_module(module), name)
        globals()[name] = value
        return value
    if name.startswith("_"):
        raise AttributeError(f"module 'perfkit' has no attribute {name!r}")
    try:
        return _importlib.import_module(f"perfkit.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"perfkit.{name}":
            raise
        raise AttributeError(f"module 'perfkit' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    """The public names (loaded or not), submodules already imported, and the module's dunders."""
    return sorted(n for n in {*globals(), *__all__} if not n.startswith("_") or n.startswith("__"))
