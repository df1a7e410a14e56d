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
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from perfkit.bench import gofmt
from perfkit.bench.naming import name_from_nodeid
from perfkit.bench.results import Config, Record, Result, ResultSet, SyntaxIssue, Value
from perfkit.errors import PerfkitError

if TYPE_CHECKING:  # the reader loads when something is read: the pytest plugin only writes
    from perfkit.bench.goreader import UnitTable

__all__ = [
    "Benchmark",
    "Run",
    "dumps",
    "input_labels",
    "iter_records",
    "load_results",
    "read_perfkit",
    "read_pytest_benchmark",
    "to_go_text",
]

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
        config: dict[str, str] = {k: str(context[k]) for k in ("goos", "goarch", "cpu") if k in context}
        config["pkg"] = pkg
        seconds = sum(line.iters * line.ns_per_op for line in lines) / 1e9
        out.append(gofmt.format_block(config, lines, seconds))
    return "".join(out)


# ---------------------------------------------------------------------------------------- readers
def _object(doc: dict[str, Any], key: str) -> dict[str, Any]:
    """``doc[key]`` if it is a JSON object, else an empty one (a missing or odd context is no context)."""
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


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


class _Configs:
    """One shared configuration per package: results of a package refer to the same snapshot,
    keys in the order ``go test`` prints them (goos, goarch, pkg, cpu)."""

    def __init__(self, label: str, machine: dict[str, str]) -> None:
        self.label, self.machine = label, machine
        self.by_pkg: dict[str, Config] = {}

    def get(self, pkg: str) -> Config:
        found = self.by_pkg.get(pkg)
        if found is None:
            values = {**self.machine, "pkg": pkg}
            entries = [(".file", self.label, False)] + [
                (k, values[k], True) for k in gofmt.CONFIG_ORDER if values.get(k)
            ]
            found = self.by_pkg[pkg] = Config(entries)
        return found


def _ns_value(ns: float) -> Value:
    """ns/op tidied as Go's reader tidies it (a zero stays in ns/op)."""
    scaled = ns * 1e-9
    return Value(ns, "ns/op") if scaled == ns else Value(scaled, "sec/op", "ns/op")


def read_perfkit(doc: dict[str, Any], label: str, path: str = "") -> Iterator[Record]:
    """Records from perfkit JSON: one result per stored run."""
    context = _object(doc, "context")
    configs = _Configs(label, {k: str(context[k]) for k in ("goos", "goarch", "cpu") if k in context})
    for i, bench in enumerate(_field(doc, "benchmarks", list, "document")):
        where = f"benchmarks[{i}]"
        name = _field(bench, "name", str, where)
        pkg = _field(bench, "pkg", str, where)
        procs = int(_positive(bench.get("procs", 1), f"{where}.procs")) or 1
        full = name if procs == 1 else f"{name}-{procs}"
        full = full[len("Benchmark") :] if full.startswith("Benchmark") else full
        config = configs.get(pkg)
        for j, run in enumerate(_field(bench, "runs", list, where)):
            rwhere = f"{where}.runs[{j}]"
            n = _field(run, "n", int, rwhere)
            if n <= 0:
                raise ValueError(f"{rwhere}.n must be positive")
            values = [_ns_value(_positive(_field(run, "elapsed_ns", (int, float), rwhere), rwhere) / n)]
            if run.get("bytes_per_op") is not None and run.get("allocs_per_op") is not None:
                values.append(Value(_positive(run["bytes_per_op"], f"{rwhere}.bytes_per_op"), "B/op"))
                values.append(Value(_positive(run["allocs_per_op"], f"{rwhere}.allocs_per_op"), "allocs/op"))
            yield Result(full, n, values, config, path)


_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64", "amd64": "amd64"}


def read_pytest_benchmark(doc: dict[str, Any], label: str, path: str = "") -> Iterator[Record]:
    """Records from pytest-benchmark JSON: every stored round (``stats.data``, seconds per call)
    is one sample in sec/op; files saved without data give one sample, the median.  Names get
    the machine's CPU count as their ``-N`` suffix, like perfkit's and Go's."""
    machine = _object(doc, "machine_info")
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
    configs = _Configs(label, config)
    for i, bench in enumerate(_field(doc, "benchmarks", list, "document")):
        where = f"benchmarks[{i}]"
        fullname = _field(bench, "fullname", str, where)
        params = bench.get("params") if isinstance(bench.get("params"), dict) else None
        pkg, name = name_from_nodeid(fullname, params)
        name = name[len("Benchmark") :] + suffix  # the CPU count, as perfkit and Go name results
        stats = _field(bench, "stats", dict, where)
        iterations = stats.get("iterations", 1)
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations <= 0:
            iterations = 1
        data = stats.get("data")
        if isinstance(data, list) and data:
            samples = [_positive(x, f"{where}.stats.data") for x in data]
        else:
            samples = [_positive(stats.get("median"), f"{where}.stats.median")]
            yield SyntaxIssue(path or label, 0, f"{name}: saved without raw data; using its median as one sample")
        row_config = configs.get(pkg)
        for sample in samples:
            yield Result(name, iterations, [Value(sample, "sec/op")], row_config, path)


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


def _json_records(text: str, label: str, path: str) -> list[Record]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"unreadable JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict):
        raise ValueError("JSON is not an object of benchmark results")
    if doc.get("format") == FORMAT:
        return list(read_perfkit(doc, label, path))
    if "benchmarks" in doc:
        return list(read_pytest_benchmark(doc, label, path))
    raise ValueError("JSON is neither perfkit bench results nor pytest-benchmark output")


def parse_document(text: str | bytes, label: str, units: UnitTable | None = None) -> ResultSet:
    """Results from the text of any supported file (JSON kinds by their keys, else Go text)."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    out = ResultSet(label)
    if data.lstrip()[:1] == b"{":
        out.records = _json_records(data.decode("utf-8", "replace"), label, label)
    else:
        from perfkit.bench.goreader import read_go_text

        out.records = list(read_go_text(_lines(data), label, label, {} if units is None else units))
    return out


def _lines(data: bytes) -> list[bytes]:
    """Lines ending at \\n only (bytes.splitlines also splits at a lone \\r)."""
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    return lines + ([parts[-1]] if parts[-1] else [])


def _open(path: str) -> tuple[Path | None, IO[bytes]]:
    if path == "-":
        return None, sys.stdin.buffer
    p = Path(path)
    if p.is_dir():
        p = _latest_saved_run(p)
    try:
        return p, p.open("rb")
    except FileNotFoundError:
        raise PerfkitError(f"{path}: no such file; check the path") from None
    except PermissionError:
        raise PerfkitError(f"{path}: permission denied; check the file's permissions") from None
    except IsADirectoryError:
        raise PerfkitError(f"{path}: is a folder, not a results file") from None
    except OSError as exc:
        raise PerfkitError(f"{path}: cannot read ({exc.strerror})") from None


def iter_records(path: str, label: str, units: UnitTable) -> Iterator[Record]:
    """Stream the records of one input: Go text line by line (memory stays flat however long
    the file), JSON read whole. ``-`` is standard input; a folder is pytest-benchmark storage."""
    real, handle = _open(path)
    shown = str(real) if real is not None and str(real) != path else path
    try:
        if _is_json(handle):
            yield from _json_file(handle, label, shown)
        else:
            from perfkit.bench.goreader import read_go_text

            yield from read_go_text(handle, shown, label, units)
    except OSError as exc:
        raise PerfkitError(f"{shown}: cannot read ({exc.strerror})") from None
    finally:
        if real is not None:
            handle.close()


def feed(builder: Any, path: str, label: str) -> None:
    """Add one input to a :class:`perfkit.bench.benchstat.Builder`, Go text on its fast path."""
    real, handle = _open(path)
    shown = str(real) if real is not None and str(real) != path else path
    try:
        if _is_json(handle):
            builder.add_all(_json_file(handle, label, shown))
        else:
            builder.add_go_text(handle, shown, label)
    except OSError as exc:
        raise PerfkitError(f"{shown}: cannot read ({exc.strerror})") from None
    finally:
        if real is not None:
            handle.close()


def _is_json(handle: IO[bytes]) -> bool:
    head = handle.peek(256) if hasattr(handle, "peek") else b""
    return head.lstrip()[:1] == b"{"


def _json_file(handle: IO[bytes], label: str, shown: str) -> list[Record]:
    try:
        return _json_records(handle.read().decode("utf-8", "replace"), label, shown)
    except ValueError as exc:
        raise PerfkitError(f"{shown}: {exc}") from None


def input_labels(args: list[str]) -> list[tuple[str, str]]:
    """(path, label) per argument, as Go's benchstat: ``label=path`` sets the label; a path given
    twice becomes ``path#0``, ``path#1``."""
    parsed = []
    for arg in args:
        if "=" in arg:
            label, _, path = arg.partition("=")
            parsed.append((path, label, True))
        else:
            parsed.append((arg, arg, False))
    counts: dict[str, int] = {}
    for path, _, labelled in parsed:
        if not labelled:
            counts[path] = counts.get(path, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for path, label, labelled in parsed:
        if not labelled and counts[path] > 1:
            label = f"{path}#{seen.get(path, 0)}"
            seen[path] = seen.get(path, 0) + 1
        out.append((path, label))
    return out


def load_results(path: str | Path, label: str | None = None) -> ResultSet:
    """Read Go benchmark text, perfkit JSON, pytest-benchmark JSON or a ``.benchmarks`` folder;
    every problem becomes a one-line :class:`PerfkitError` naming the file."""
    text = str(path)
    out = ResultSet(label or text)
    out.records = list(iter_records(text, out.label, {}))
    out.warnings = [str(r) for r in out.records if isinstance(r, SyntaxIssue)]
    return out


_RUN_FIELDS = ("n", "elapsed_ns", "bytes_per_op", "allocs_per_op", "mem_calls")


def loads_benchmarks(text: str) -> tuple[list[Benchmark], dict[str, Any]]:
    """perfkit JSON back into :class:`Benchmark` records (for re-writing in another format)."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("not perfkit bench JSON")
    for _ in read_perfkit(doc, "check"):  # validates every field, raising ValueError on bad ones
        pass
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
    return benchmarks, _object(doc, "context")
