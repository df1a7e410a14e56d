"""pytest plugin ``--race``: every test runs under the detector; a test that races fails.

Loaded into every pytest session through the ``pytest11`` entry point, so importing it does
nothing but define hooks; the detector starts only with ``--race`` (or under
``perfkit race -- pytest``, which sets ``PERFKIT_RACE_PYTEST=1``). Test modules are rewritten
after pytest's own assertion rewriting, and pytest's ``.pyc`` cache is bypassed so a later run
without ``--race`` never loads instrumented code.
"""

from __future__ import annotations

import os

import pytest

_active = False


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("perfkit race")
    group.addoption(
        "--race",
        action="store_true",
        default=False,
        help="run each test under perfkit's data-race detector; a test during which a race happened fails",
    )


def _enabled(config: pytest.Config) -> bool:
    ns = getattr(config, "known_args_namespace", None)
    return bool(getattr(ns, "race", False)) or os.environ.get("PERFKIT_RACE_PYTEST") == "1"


def _module_name(path) -> str:
    """A test module's dotted name as pytest would import it (its package, or its file)."""
    from pathlib import Path

    path = Path(path)
    parts = [path.stem]
    parent = path.parent
    while (parent / "__init__.py").exists():
        parts.append(parent.name)
        parent = parent.parent
    return ".".join(reversed(parts))


def _patch_assertion_rewriting(select) -> None:
    from _pytest.assertion import rewrite as ar

    from .importhook import note
    from .rewrite import rewrite_tree

    if getattr(ar.rewrite_asserts, "_pk_race", False):
        return
    orig = ar.rewrite_asserts

    def rewrite_asserts(mod, source, module_path=None, config=None):
        orig(mod, source, module_path, config)
        if module_path is not None and select(str(module_path)):
            rewrite_tree(mod, str(module_path))
            note(_module_name(module_path))

    rewrite_asserts.__dict__["_pk_race"] = True
    ar.rewrite_asserts = rewrite_asserts
    ar._read_pyc = lambda *args, **kwargs: None
    ar._write_pyc = lambda *args, **kwargs: False


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    global _active
    if not _enabled(early_config) or _active:
        return
    from importlib import import_module

    bootstrap = import_module(".bootstrap", __package__)

    under_runner = os.environ.get(bootstrap.ENV_ENABLE) == "1"
    select = bootstrap.install(exit_override=under_runner)
    rootpath = getattr(early_config, "rootpath", None)
    if rootpath is not None and not under_runner:
        select.add_include(os.path.join(str(rootpath), "*"))
        bootstrap.export(select)
    _patch_assertion_rewriting(select)
    _active = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    if not _active:
        return (yield)
    from .report import REPORTS, collect_children

    before = len(REPORTS)
    result = yield
    collect_children()
    new = REPORTS[before:]
    if new:
        pytest.fail(f"perfkit race: {len(new)} report(s) during this test\n" + "".join(new), pytrace=False)
    return result


def pytest_terminal_summary(terminalreporter) -> None:
    """One line naming what was instrumented, so a user can see their package is covered."""
    if not _active:
        return
    from .importhook import summary

    terminalreporter.write_line(summary())
