"""Inputs of the benchstat parity corpus (tests/bench/corpus/), generated deterministically.

Each function returns file contents; :data:`FILES` maps corpus file names to them. The 100,000-run
input is not committed (4 MB): :func:`huge` makes it at test time, byte for byte the same as when
Go's expected output was recorded. ``random.Random`` with a seed yields the same numbers on every
Python version, and every number is formatted explicitly.
"""

from __future__ import annotations

import random

HEADER = "goos: linux\ngoarch: amd64\npkg: example.com/corpus\ncpu: Corpus CPU @ 2.00GHz\n"


def _go_ns(x: float) -> str:
    """ns/op printed as Go's testing package prints it (integers from 1000 up)."""
    if x >= 999.95:
        return f"{x:.0f}"
    if x >= 99.995:
        return f"{x:.1f}"
    if x >= 9.9995:
        return f"{x:.2f}"
    return f"{x:.3f}"


def _lines(
    rng: random.Random, name: str, runs: int, ns: float, noise: float, *, mem: tuple[int, int] | None = None
) -> list[str]:
    out = []
    for _ in range(runs):
        value = ns * rng.lognormvariate(0, noise)
        line = f"{name}\t{rng.randint(1000, 9_999_999):8d}\t{_go_ns(value):>10} ns/op"
        if mem is not None:
            line += f"\t{mem[0]:8d} B/op\t{mem[1]:8d} allocs/op"
        out.append(line)
    return out


def basic(seed: int, slowdown: float) -> str:
    rng = random.Random(seed)
    lines = []
    for run in range(10):
        for name, ns, mem in [("BenchmarkEncode/format=json-8", 1718.0, (512, 6)),
                              ("BenchmarkEncode/format=gob-8", 3066.0, (1024, 12)),
                              ("BenchmarkDecode/size=10-8", 88.0, (64, 1)),
                              ("BenchmarkDecode/size=1000-8", 7450.0, (4096, 3))]:  # fmt: skip
            factor = slowdown if "json" in name else 1.0
            lines += _lines(rng, name, 1, ns * factor, 0.01 + 0.002 * run, mem=mem)
    return HEADER + "\n".join(lines) + "\nPASS\nok  \texample.com/corpus\t12.345s\n"


def ties(seed: int, shift: int) -> str:
    """Integer ns/op a few ns apart, as Go prints them above 1000: many ties, several sizes."""
    rng = random.Random(seed)
    lines = []
    for n in (4, 10, 20, 25, 26, 50, 51):
        for _ in range(n):
            lines.append(f"BenchmarkTies/n={n}-8\t100000\t{1700 + shift + rng.randint(0, 6)} ns/op")
    for _ in range(12):  # two or three distinct values only
        ns = rng.choice([1000, 1001]) + (shift > 2)
        lines.append(f"BenchmarkFew-8\t100000\t{ns} ns/op\t{rng.choice([16, 24])} B/op")
    return HEADER + "\n".join(lines) + "\n"


def sizes(seed: int, runs: int, scale: float) -> str:
    rng = random.Random(seed)
    lines = _lines(rng, "BenchmarkHot-8", runs, 1000.0 * scale, 0.05)
    lines += _lines(rng, "BenchmarkCold-8", runs, 2.5e6 * scale, 0.2)
    return HEADER + "\n".join(lines) + "\n"


def huge(seed: int, scale: float, runs: int = 100_000) -> str:
    """One benchmark with 100,000 runs (not committed: made at test time)."""
    rng = random.Random(seed)
    return HEADER + "\n".join(_lines(rng, "BenchmarkHuge-2", runs, 420.0 * scale, 0.1)) + "\n"


def small(seed: int) -> str:
    """n = 1, 3, 5, 6, 7, 8: too few for intervals or for significance, and confidence 0.99's 8."""
    rng = random.Random(seed)
    lines = []
    for n in (1, 3, 5, 6, 7, 8):
        lines += _lines(rng, f"BenchmarkN{n}", n, 100.0 + 10 * n, 0.05)
    return HEADER + "\n".join(lines) + "\n"


def equal(value: int, vary_one: bool) -> str:
    lines = [f"BenchmarkSame\t1000\t{value} ns/op\t{value} B/op" for _ in range(10)]
    lines += [f"BenchmarkZero\t1000\t{v} ns/op\t0 allocs/op" for v in ([5] * 9 + [6 if vary_one else 5])]
    return HEADER + "\n".join(lines) + "\n"


def single(after: bool) -> str:
    """One run per benchmark in a unit of its own (as Go's bent benchmarks report DWARF quality):
    every interval is infinite; equal pairs are "all samples are equal" and nothing else."""
    rng = random.Random(31 if after else 30)
    out = ["goos: linux", "goarch: amd64"]
    for i in range(12):
        base = 0.5 + rng.randrange(10) / 100
        value = base if i % 3 == 0 or not after else base + rng.choice([-0.01, 0.01])
        out.append(f"Benchmarkpkg{i}_dwarf_input_goodness 1 {value:.2f} inputs-quality")
        out.append(f"Benchmarkpkg{i}_dwarf_stmt_goodness 1 {0.99 + rng.randrange(9) / 1000:.4f} stmts-quality")
    return "\n".join(out) + "\n"


def cpu(cpu_name: str, seed: int) -> str:
    rng = random.Random(seed)
    head = HEADER.replace("Corpus CPU @ 2.00GHz", cpu_name)
    return head + "\n".join(_lines(rng, "BenchmarkWork-4", 10, 5000.0, 0.02)) + "\n"


def notes() -> str:
    rng = random.Random(7)
    out = [HEADER, "note: before\n"]
    out.append("\n".join(_lines(rng, "BenchmarkParse-8", 8, 320.0, 0.02)) + "\n")
    out.append("\nnote: after\n")
    out.append("\n".join(_lines(rng, "BenchmarkParse-8", 8, 290.0, 0.02)) + "\n")
    out.append("branch: feature-x\nnote:\n")  # a new key, and "note:" with no value removes note
    out.append("\n".join(_lines(rng, "BenchmarkParse-8", 8, 300.0, 0.02)) + "\n")
    return "".join(out)


def units(after: bool) -> str:
    """Unit metadata, binary units, MB/s tidying, and a unit whose values vary under assume=exact."""
    out = ["Unit text-bytes assume=exact", "Unit frames/sec better=higher", "Unit heap-bytes/op assume=nothing"]
    rng = random.Random(11 if after else 10)
    for i in range(6):
        out.append(f"BenchmarkBuild/target={i}\t1\t{1_234_567 + i * 99 + (50 if after and i == 2 else 0)} text-bytes")
    for _ in range(10):
        frames = 60.0 * rng.lognormvariate(0, 0.03) * (1.1 if after else 1.0)
        heap = 3 * 1024 * 1024 * rng.lognormvariate(0, 0.01)
        speed = 850.0 * rng.lognormvariate(0, 0.02) * (0.9 if after else 1.0)
        out.append(f"BenchmarkRender\t100\t{frames:.2f} frames/sec\t{heap:.0f} heap-bytes/op\t{speed:.2f} MB/s")
    out.append("BenchmarkVary\t1\t100 text-bytes")
    out.append(f"BenchmarkVary\t1\t{101 if after else 100} text-bytes")
    return "\n".join(out) + "\n"


def sets(first: bool) -> str:
    rng = random.Random(21 if first else 22)
    names = ["BenchmarkA", "BenchmarkB", "BenchmarkC"] if first else ["BenchmarkA", "BenchmarkC", "BenchmarkD"]
    lines = []
    for name in names:
        lines += _lines(rng, name, 6, 1000.0 + 100 * len(name), 0.01)
    return HEADER + "\n".join(lines) + "\n"


def footnotes() -> str:
    """An assume=exact unit whose rows vary each differently: twelve distinct footnotes (¹⁰ ...)."""
    out = ["Unit size-bytes assume=exact"]
    for i in range(12):
        name = f"BenchmarkPkg{i:02d}"
        out += [f"{name}\t1\t{4096 + i}\tsize-bytes", f"{name}\t1\t{4096 + 2 * i + 1}\tsize-bytes"]
    return "\n".join(out) + "\n"


def formats(seed: int) -> str:
    rng = random.Random(seed)
    lines = []
    for run in range(8):
        for fmt, base in (("json", 1.0), ("gob", 1.8)):
            for size in ("1k", "64k", "1Mi", "512"):
                ns = {"512": 0.5, "1k": 1.0, "64k": 64.0, "1Mi": 1024.0}[size] * 1000 * base
                for procs in (1, 8):
                    suffix = "" if procs == 1 else f"-{procs}"
                    name = f"BenchmarkMarshal/format={fmt}/size={size}{suffix}"
                    lines += _lines(rng, name, 1, ns / (1.6 if procs == 8 else 1.0), 0.02 + 0.001 * run)
    return HEADER + "\n".join(lines) + "\n"


WEIRD = (
    "goos: linux\r\n"
    "pkg: example.com/weird\r\n"
    "BenchmarkZero 1 0 ns/op\n"
    "BenchmarkZero 1 0 ns/op\n"
    "BenchmarkNaN 1 NaN ns/op\n"
    "BenchmarkInf 1 +Inf ns/op\n"
    "BenchmarkHex 1 0x1p-2 ns/op\n"
    "BenchmarkUnderscore 1 1_000 ns/op\n"
    "BenchmarkSigned +3 7 ns/op\n"
    "BenchmarkSigned -3 8 ns/op\n"
    "BenchmarkBadCount 1.5 7 ns/op\n"
    "BenchmarkRange 1 1e400 ns/op\n"
    "BenchmarkNoUnit 1 5\n"
    "BenchmarkNoValues 1\n"
    "BenchmarkTwice 1 5 ns/op 6 ns/op\n"
    "BenchmarkMB 1 20.5 MB/s 3 MB/op\n"
    "BenchmarkDen 1 4 op/ns\n"
    "BenchmarkAnnounce\n"
    "Benchmark\n"
    "Benchmarking things 1 2 ns/op\n"
    "key:no-space-is-ignored\n"
    "UPPER: ignored\n"
    "goos:\n"
    "cpu: Weird\u00a0CPU\n"
    "BenchmarkNBSP\u00a01\u00a09 ns/op\n"
    "Unit ns/op\n"
    "Unit ns/op assume\n"
    "--- BENCH: BenchmarkLogs\n"
    "    weird_test.go:12: a log line\n"
    "PASS\n"
)

FILES = {
    "old.txt": lambda: basic(1, 1.0),
    "new.txt": lambda: basic(2, 1.1),
    "ties-old.txt": lambda: ties(3, 0),
    "ties-new.txt": lambda: ties(4, 3),
    "runs1024-old.txt": lambda: sizes(5, 1024, 1.0),
    "runs1024-new.txt": lambda: sizes(6, 1024, 1.005),
    "small-old.txt": lambda: small(7),
    "small-new.txt": lambda: small(8),
    "equal-old.txt": lambda: equal(100, False),
    "equal-new.txt": lambda: equal(100, True),
    "cpu-a.txt": lambda: cpu("Intel(R) Xeon(R) CPU @ 2.20GHz", 9),
    "cpu-b.txt": lambda: cpu("AMD EPYC 7B13", 10),
    "notes.txt": notes,
    "units-before.txt": lambda: units(False),
    "units-after.txt": lambda: units(True),
    "sets-old.txt": lambda: sets(True),
    "sets-new.txt": lambda: sets(False),
    "footnotes.txt": footnotes,
    "formats.txt": lambda: formats(12),
    "single-old.txt": lambda: single(False),
    "single-new.txt": lambda: single(True),
    "weird.txt": lambda: WEIRD,
}

#: made at test time, never committed
GENERATED = {
    "huge-old.txt": lambda: huge(13, 1.0),
    "huge-new.txt": lambda: huge(14, 1.001),
}
