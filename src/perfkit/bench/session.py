"""One ``perfkit bench`` pytest run: Go's timing behind pytest-benchmark's ``benchmark`` fixture.

:mod:`perfkit.bench.plugin` (loaded in every pytest run) registers a :class:`BenchSession` only
when a ``--perfkit-*`` option is given, so this module and what it imports (pytest-benchmark's
fixture, perfkit's calibration and storage) cost nothing to a pytest run that does not benchmark.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from perfkit.bench import calibrate, gofmt, machine, naming, storage


class BenchSession:
    """Everything one benchmarking pytest run holds: options, results, output."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        count = config.getoption("perfkit_count") or 1
        if count < 1:
            raise pytest.UsageError(f"--perfkit-count {count}: must be at least 1")
        self.count = count
        try:
            self.benchtime = calibrate.parse_benchtime(config.getoption("perfkit_benchtime") or "1s")
        except Exception as exc:  # PerfkitError: shown by pytest as a usage error
            raise pytest.UsageError(str(exc)) from None
        self.benchmem = bool(config.getoption("perfkit_benchmem"))
        cpu_dir = config.getoption("perfkit_cpuprofile")
        self.cpuprofile = Path(cpu_dir) if cpu_dir else None
        out = config.getoption("perfkit_out")
        self.out = Path(out) if out else None
        self.procs = machine.procs()
        self.results: dict[str, storage.Benchmark] = {}
        self.pending: dict[str, list[str]] = {}
        self.used: set[str] = set()
        self.width = 0
        self.shown_config: dict[str, str] = {}
        self.round = 0

    # ------------------------------------------------------------------ fixture
    @pytest.fixture
    def benchmark(self, request: pytest.FixtureRequest) -> GoBenchmark:
        """pytest-benchmark's fixture API, timed Go's way (overrides it in perfkit bench runs)."""
        return GoBenchmark(self, request.node)

    # ------------------------------------------------------------------ collection and running
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        names = [self.full_name(item) for item in items if "benchmark" in getattr(item, "fixturenames", ())]
        self.width = max((len(n) for n in names), default=0)

    def identify(self, item: pytest.Item) -> tuple[str, str]:
        """(pkg, Go name) of a test item."""
        callspec = getattr(item, "callspec", None)
        params = dict(callspec.params) if callspec is not None else None
        return naming.name_from_nodeid(item.nodeid, params)

    def full_name(self, item: pytest.Item) -> str:
        name = self.identify(item)[1]
        return name if self.procs == 1 else f"{name}-{self.procs}"

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        """Run every item once, then the benchmarks again ``count - 1`` times, round-robin."""
        if self.count == 1 or session.config.option.collectonly:
            return None
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(f"{session.testsfailed} error(s) during collection")
        sequence: list[pytest.Item] = list(session.items)
        first_round = len(sequence)
        index = 0
        while True:
            if index == first_round:  # now we know which items are benchmarks
                bench = [i for i in session.items if i.nodeid in self.used]
                sequence += bench * (self.count - 1)
            if index >= len(sequence):
                break
            item = sequence[index]
            nextitem = sequence[index + 1] if index + 1 < len(sequence) else None
            if nextitem is item:  # pytest cannot keep an item set up for itself: tear it down fully
                nextitem = None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if session.shouldfail:
                raise session.Failed(session.shouldfail)
            if session.shouldstop:
                raise session.Interrupted(session.shouldstop)
            index += 1
        return True

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """Passing benchmarks print their Go result line instead of a dot."""
        if report.when == "call" and report.passed and report.nodeid in self.pending:
            return "passed", "", ""
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        lines = self.pending.pop(report.nodeid, None)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if not lines or reporter is None:
            return
        for line in lines:
            reporter.write_line(line)

    # ------------------------------------------------------------------ results
    def record(self, item: pytest.Item, run: storage.Run) -> None:
        pkg, name = self.identify(item)
        bench = self.results.get(item.nodeid)
        if bench is None:
            bench = self.results[item.nodeid] = storage.Benchmark(name, pkg, item.nodeid, self.procs)
        bench.runs.append(run)
        config = machine.go_config(pkg)
        lines = [f"{k}: {v}" for k, v in config.items() if self.shown_config.get(k) != v]
        self.shown_config = config
        line = gofmt.GoLine(bench.full_name, run.n, run.ns_per_op, run.bytes_per_op, run.allocs_per_op)
        lines.append(gofmt.format_line(line, self.width))
        self.pending.setdefault(item.nodeid, []).extend(lines)

    def context(self) -> dict[str, Any]:
        return {
            **machine.machine_info(),
            **machine.commit_info(Path(str(self.config.rootpath))),
            "benchtime": str(self.benchtime),
            "count": self.count,
            "benchmem": self.benchmem,
            "argv": sys.argv,
        }

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.out is None or not self.results:
            return
        from perfkit.atomic import atomic_write

        benchmarks = list(self.results.values())
        text = (
            storage.dumps(benchmarks, self.context())
            if self.out.suffix.lower() == ".json"
            else storage.to_go_text(benchmarks, self.context())
        )
        atomic_write(self.out, text)


class GoBenchmark(BenchmarkFixture):
    """What a test receives as ``benchmark`` in a perfkit bench run: a pytest-benchmark fixture
    (so pytest-benchmark's own hooks accept it) whose measuring is Go's."""

    def __init__(self, session: BenchSession, item: pytest.Item) -> None:  # no super().__init__(): we time
        self.skipped = False
        self.has_error = False
        self._session = session
        self._item = item
        self._used = False
        self.extra_info: dict[str, Any] = {}
        self.group: str | None = None
        self.name = item.name
        self.fullname = item.nodeid
        callspec = getattr(item, "callspec", None)
        self.params = dict(callspec.params) if callspec is not None else None
        self.param = callspec.id if callspec is not None else None
        self.disabled = False

    def __call__(self, function_to_benchmark: Any, *args: Any, **kwargs: Any) -> Any:
        """Benchmark ``function_to_benchmark(*args, **kwargs)``; returns its result."""
        result = function_to_benchmark(*args, **kwargs)  # warm-up call; its value is returned
        loop = calibrate.make_loop(function_to_benchmark, args, kwargs)
        self._measure(loop, function_to_benchmark, args, kwargs)
        return result

    def pedantic(
        self,
        target: Any,
        args: tuple = (),
        kwargs: dict[str, Any] | None = None,
        setup: Any = None,
        teardown: Any = None,
        rounds: int = 1,
        warmup_rounds: int = 0,
        iterations: int = 1,
    ) -> Any:
        """pytest-benchmark's explicit mode. Go calibration replaces ``rounds``/``iterations``;
        ``setup`` runs before every call, untimed (Go's StopTimer/StartTimer)."""
        kwargs = kwargs or {}
        if setup is None:
            return self(target, *args, **kwargs)
        prepared = setup()
        a, k = prepared if isinstance(prepared, tuple) and len(prepared) == 2 else (args, kwargs)
        result = target(*a, **(k or {}))
        if teardown is not None:
            teardown(*a, **(k or {}))

        def one() -> None:
            p = setup()
            a2, k2 = p if isinstance(p, tuple) and len(p) == 2 else (args, kwargs)
            target(*a2, **(k2 or {}))

        self._measure(calibrate.make_setup_loop(target, setup), one, (), {})
        return result

    def weave(self, *_: Any, **__: Any) -> None:
        raise pytest.UsageError("benchmark.weave is not supported by perfkit bench; call benchmark(fn) instead")

    def _measure(self, loop: calibrate.Loop, fn: Any, args: tuple, kwargs: dict[str, Any]) -> None:
        if self._used:
            raise pytest.UsageError(f"{self._item.nodeid}: the benchmark fixture can only be used once per test")
        self._used = True
        session = self._session
        done = calibrate.calibrate(loop, session.benchtime)
        run = storage.Run(done.n, done.elapsed_ns)
        if session.benchmem:
            from perfkit.bench import memory

            allocs = memory.measure(fn, args, kwargs, memory.calls_for(done.elapsed_ns / done.n))
            run.bytes_per_op, run.allocs_per_op, run.mem_calls = allocs.bytes_per_op, allocs.allocs_per_op, allocs.calls
        if session.cpuprofile is not None and self._item.nodeid not in session.used:
            from perfkit.bench import cpuprofile

            seconds = min(max(done.elapsed_ns / 1e9, 0.2), 2.0)
            name = session.identify(self._item)[1]
            profile = cpuprofile.profile_calls(lambda: fn(*args, **kwargs), seconds)
            cpuprofile.save_flamegraph(profile, session.cpuprofile, name)
        session.used.add(self._item.nodeid)
        session.record(self._item, run)
