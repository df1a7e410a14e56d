"""pytest plugin (entry point ``pytest11``): Go's benchmark harness behind pytest-benchmark's
``benchmark`` fixture.

It does nothing unless one of its options is given, so it can load in every pytest run.  With
``--perfkit-bench`` (the ``perfkit bench`` command passes it) it registers a ``benchmark`` fixture
that overrides pytest-benchmark's for that run: the same call API (``benchmark(fn, *args)``,
``benchmark.pedantic(...)``, ``extra_info``), measured Go's way:

* N is calibrated per run until the run fills ``--perfkit-benchtime`` (or is exactly ``Nx``);
* ``--perfkit-count N`` repeats every benchmark, interleaved (all benchmarks once, then again),
  so slow drift of the machine spreads over all of them instead of biasing one;
* ``--perfkit-benchmem`` adds a separate memray pass per run (B/op, allocs/op);
* ``--perfkit-cpuprofile DIR`` writes one flame graph per benchmark from a separate pass;
* result lines print in Go's format as runs finish; ``--perfkit-out`` stores them (JSON or text).

Loading this module imports only pytest: the harness (:mod:`perfkit.bench.session`) is imported
when an option turns it on, so every other pytest run pays nothing for it.
"""

from __future__ import annotations

import pytest

OPTIONS = (
    "perfkit_bench",
    "perfkit_count",
    "perfkit_benchtime",
    "perfkit_benchmem",
    "perfkit_cpuprofile",
    "perfkit_out",
)
_SESSION = "perfkit-bench-session"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("perfkit bench", "Go-style benchmarks (perfkit bench)")
    group.addoption("--perfkit-bench", action="store_true", default=False, help="time benchmarks Go's way")
    group.addoption("--perfkit-count", type=int, default=None, metavar="N", help="runs per benchmark (Go's -count)")
    group.addoption("--perfkit-benchtime", default=None, metavar="T", help="time per run (1s, 500ms) or calls (100x)")
    group.addoption("--perfkit-benchmem", action="store_true", default=False, help="report B/op and allocs/op")
    group.addoption("--perfkit-cpuprofile", default=None, metavar="DIR", help="a flame graph per benchmark in DIR")
    group.addoption("--perfkit-out", default=None, metavar="FILE", help="write results (.json: perfkit, else Go text)")


def _enabled(config: pytest.Config) -> bool:
    return any(config.getoption(name, None) not in (None, False) for name in OPTIONS)


def pytest_configure(config: pytest.Config) -> None:
    if _enabled(config) and not config.pluginmanager.has_plugin(_SESSION):
        from perfkit.bench.session import BenchSession

        config.pluginmanager.register(BenchSession(config), _SESSION)
