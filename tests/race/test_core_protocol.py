"""``clock.Core`` (the compiled core as mypy sees it) names only what the built ``_core`` has.

mypy trusts the Protocol, so a name the C module lost or renamed would type-check and fail only
at run time; this compares the Protocol's members with the module's.
"""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

from perfkit.race import clock


def _protocol_members() -> set[str]:
    tree = ast.parse(inspect.getsource(clock))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "Core":
            names = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
            names |= {n.target.id for n in node.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
            return names
    raise AssertionError("clock.Core not found")


def test_core_protocol_matches_the_built_module() -> None:
    try:
        core = importlib.import_module("perfkit.race._core")
    except ImportError:
        pytest.skip("the compiled core is not built here")
    members = _protocol_members()
    assert {"merge", "set_perturb", "VERSION", "Loc"} <= members
    assert sorted(members - set(dir(core))) == []
    assert core.VERSION == clock.CORE_VERSION
