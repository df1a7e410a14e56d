"""Load ``perfkit.race`` into a process under test without importing the rest of perfkit."""

import importlib
import importlib.util
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
RACE_DIR = os.path.dirname(HERE)


def load(name: str = "bootstrap") -> types.ModuleType:
    """Import ``perfkit.race.<name>``, registering the package from its directory if needed."""
    if "perfkit.race" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "perfkit.race", os.path.join(RACE_DIR, "__init__.py"), submodule_search_locations=[RACE_DIR]
        )
        if spec is None or spec.loader is None:  # a .py path always gets a source loader
            raise ImportError(f"cannot load perfkit.race from {RACE_DIR}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["perfkit.race"] = module
        spec.loader.exec_module(module)
    return importlib.import_module("perfkit.race." + name)


def chain_sitecustomize() -> None:
    """Run the ``sitecustomize`` this directory's copy shadows, if there is one."""
    import importlib.machinery

    paths = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", paths)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
