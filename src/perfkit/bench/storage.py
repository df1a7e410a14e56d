"""Stored benchmark results: perfkit's JSON (every raw run, machine and commit), Go text out,
and the readers for pytest-benchmark's ``--benchmark-json`` files and ``.benchmarks/`` storage.

perfkit JSON (``"format": "perfkit-bench"``, version 1)::

    {"format": "perfkit-bench", "version": 1,
     "context": {machine_info(), commit_info(), "benchtime": "1s", "count": 10, "benchmem": true},
     "benchmarks": [{"name": "BenchmarkEncode/size=10", "pkg": "tests/bench/test_codec",
                     "nodeid": "...", "procs": 2,
                     "runs": [{"n": 31250, "elapsed_ns": 1002345678,
                               "bytes_per_op": 1184, "allocs_per_op": 12, "mem_calls": 100}]}]}

Each run is one ``-count`` repetition: ``n`` calls timed together in ``elapsed_ns``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from perfkit.bench import gofmt
from perfkit.bench.naming import name_from_nodeid
from perfkit.bench.results import Result, ResultSet
from perfkit.errors import PerfkitError

__all__ = ["Benchmark", "Run", "dumps", "load_results", "read_perfkit", "read_pytest_benchmark", "to_go_text"]

FORMAT = "perfkit-bench"
VERSION = 1


@dataclass
class Run:
    """One timed repetition (and, with -benchmem, its separate memory pass)."""

    n: int
    elapsed_ns: int
    bytes_per_op: int | None = None
    allocs_per_op: int | None = None
    mem_calls: int | None = None

    @property
    def ns_per_op(self) -> float:
        return self.elapsed_ns / self.n


@dataclass
class Benchmark:
    """Every run of one benchmark, in the order they were measured."""

    name: str  #: Go name without the ``-procs`` suffix
    pkg: str
    nodeid: str = ""
    procs: int = 1
    runs: list[Run] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return self.name if self.procs == 1 else f"{self.name}-{self.procs}"


def dumps(benchmarks: Iterable[Benchmark], context: dict[str, Any]) -> str:
    """perfkit JSON text (stable key order, one run per line is not needed: indent 1)."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "context": context,
        "benchmarks": [asdict(b) for b in benchmarks],
    }
    return json.dumps(doc, indent=1) + "\n"


def to_go_text(benchmarks: Iterable[Benchmark], context: dict[str, Any]) -> str:
    """Go's ``go test -bench`` output: one header block per package, runs grouped per benchmark."""
    blocks: dict[str, list[gofmt.GoLine]] = {}
    for bench in benchmarks:
        lines = blocks.setdefault(bench.pkg, [])
        for run in bench.runs:
            lines.append(gofmt.GoLine(bench.full_name, run.n, run.ns_per_op, run.bytes_per_op, run.allocs_per_op))
    out = []
    for pkg, lines in blocks.items():
        config = {k: str(context[k]) for k in ("goos", "goarch", "cpu") if k in context}
        config["pkg"] = pkg
        seconds = sum(line.iters * line.ns_per_op for line in lines) / 1e9
        out.append(gofmt.format_block(config, lines, seconds))
    return "".join(out)


# ---------------------------------------------------------------------------------------- readers
def _field(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict):
        raise ValueError(f"{where} is not an object")
    value = obj.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):  # JSON true/false are never counts or names
        raise ValueError(f"{where}.{key} is missing or not a {getattr(kind, '__name__', kind)}")
    return value


def _positive(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where} is not a non-negative number")
    return float(value)


def read_perfkit(doc: dict[str, Any], label: str) -> ResultSet:
    """Results from perfkit JSON: one Go result line per stored run."""
    context = doc.get("context") if isinstance(doc.get("context"), dict) else {}
    out = ResultSet(label)
    for i, bench in enumerate(_field(doc, "benchmarks", list, "document")):
        where = f"benchmarks[{i}]"
        name = _field(bench, "name", str, where)
        pkg = _field(bench, "pkg", str, where)
        procs = int(_positive(bench.get("procs", 1), f"{where}.procs")) or 1
        full = name if procs == 1 else f"{name}-{procs}"
        config = {k: str(context[k]) for k in ("goos", "goarch", "cpu") if k in context}
        config["pkg"] = pkg
        for j, run in enumerate(_field(bench, "runs", list, where)):
            rwhere = f"{where}.runs[{j}]"
            n = _field(run, "n", int, rwhere)
            if n <= 0:
                raise ValueError(f"{rwhere}.n must be positive")
            values = {"ns/op": _positive(_field(run, "elapsed_ns", (int, float), rwhere), rwhere) / n}
            if run.get("bytes_per_op") is not None and run.get("allocs_per_op") is not None:
                values["B/op"] = _positive(run["bytes_per_op"], f"{rwhere}.bytes_per_op")
                values["allocs/op"] = _positive(run["allocs_per_op"], f"{rwhere}.allocs_per_op")
            out.results.append(Result(full, n, values, config))
    if not out.results:
        raise ValueError("no benchmark runs in this perfkit JSON")
    return out


_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64", "amd64": "amd64"}


def read_pytest_benchmark(doc: dict[str, Any], label: str) -> ResultSet:
    """Results from pytest-benchmark JSON: every stored round (``stats.data``, seconds per call)
    is one sample in sec/op; files saved without data give one sample, the median.  Names get
    the machine's CPU count as their ``-N`` suffix, like perfkit's and Go's."""
    machine = doc.get("machine_info") if isinstance(doc.get("machine_info"), dict) else {}
    config: dict[str, str] = {}
    if isinstance(machine.get("system"), str):
        config["goos"] = machine["system"].lower()
    if isinstance(machine.get("machine"), str):
        config["goarch"] = _GOARCH.get(machine["machine"].lower(), machine["machine"].lower())
    cpu = machine.get("cpu")
    if isinstance(cpu, dict) and isinstance(cpu.get("brand_raw"), str):
        config["cpu"] = cpu["brand_raw"]
    procs = cpu.get("count") if isinstance(cpu, dict) else None
    suffix = f"-{procs}" if isinstance(procs, int) and not isinstance(procs, bool) and procs > 1 else ""
    out = ResultSet(label)
    for i, bench in enumerate(_field(doc, "benchmarks", list, "document")):
        where = f"benchmarks[{i}]"
        fullname = _field(bench, "fullname", str, where)
        params = bench.get("params") if isinstance(bench.get("params"), dict) else None
        pkg, name = name_from_nodeid(fullname, params)
        name += suffix  # the CPU count, as perfkit and Go name results, so the three line up
        stats = _field(bench, "stats", dict, where)
        iterations = stats.get("iterations", 1)
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations <= 0:
            iterations = 1
        data = stats.get("data")
        if isinstance(data, list) and data:
            samples = [_positive(x, f"{where}.stats.data") for x in data]
        else:
            samples = [_positive(stats.get("median"), f"{where}.stats.median")]
            out.warnings.append(f"{label}: {name}: saved without raw data; using its median as one sample")
        row_config = {**config, "pkg": pkg}
        out.results += [Result(name, iterations, {"sec/op": s}, row_config) for s in samples]
    if not out.results:
        raise ValueError("no benchmarks in this pytest-benchmark JSON")
    return out


def _latest_saved_run(folder: Path) -> Path:
    """pytest-benchmark's storage: ``.benchmarks/<machine>/NNNN_<commit>_<date>.json``; the
    highest run number (then the newest file) is the latest run."""
    files = [p for p in folder.rglob("*.json") if p.is_file()]
    if not files:
        raise PerfkitError(f"{folder}: no saved benchmark runs (*.json) in this folder; run pytest --benchmark-save")

    def key(p: Path) -> tuple[int, float]:
        head = p.name.split("_", 1)[0]
        return (int(head) if head.isdigit() else -1, p.stat().st_mtime)

    return max(files, key=key)


def parse_document(text: str, label: str) -> ResultSet:
    """Results from the text of any supported file (JSON kinds by their keys, else Go text)."""
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"unreadable JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(doc, dict):
            raise ValueError("JSON is not an object of benchmark results")
        if doc.get("format") == FORMAT:
            return read_perfkit(doc, label)
        if "benchmarks" in doc:
            return read_pytest_benchmark(doc, label)
        raise ValueError("JSON is neither perfkit bench results nor pytest-benchmark output")
    return gofmt.parse(text, label)


def load_results(path: str | Path, label: str | None = None) -> ResultSet:
    """Read Go benchmark text, perfkit JSON, pytest-benchmark JSON or a ``.benchmarks`` folder;
    every problem becomes a one-line :class:`PerfkitError` naming the file."""
    p = Path(path)
    if p.is_dir():
        p = _latest_saved_run(p)
        label = label or p.name
    if not p.exists():
        raise PerfkitError(f"{p}: no such file; check the path")
    try:
        data = p.read_bytes()
    except PermissionError:
        raise PerfkitError(f"{p}: permission denied; check the file's permissions") from None
    except OSError as exc:
        raise PerfkitError(f"{p}: cannot read ({exc.strerror})") from None
    if not data.strip():
        raise PerfkitError(f"{p}: the file is empty; write benchmark results into it (perfkit bench -o {p.name})")
    try:
        return parse_document(data.decode("utf-8"), label or str(path))
    except UnicodeDecodeError:
        raise PerfkitError(f"{p}: not text; expected Go benchmark output or JSON results") from None
    except ValueError as exc:
        raise PerfkitError(f"{p}: {exc}") from None


_RUN_FIELDS = ("n", "elapsed_ns", "bytes_per_op", "allocs_per_op", "mem_calls")


def loads_benchmarks(text: str) -> tuple[list[Benchmark], dict[str, Any]]:
    """perfkit JSON back into :class:`Benchmark` records (for re-writing in another format)."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("not perfkit bench JSON")
    read_perfkit(doc, "check")  # validates every field, raising ValueError on bad ones
    benchmarks = [
        Benchmark(
            b["name"],
            b["pkg"],
            str(b.get("nodeid", "")),
            int(b.get("procs", 1)) or 1,
            [Run(**{k: r.get(k) for k in _RUN_FIELDS}) for r in b["runs"]],
        )
        for b in doc["benchmarks"]
    ]
    context = doc.get("context") if isinstance(doc.get("context"), dict) else {}
    return benchmarks, context
