"""Seeded random Go-format inputs: Go's benchstat vs perfkit's (C scanner on, then off).

A developer's tool, not a test (it needs Go's binary): it found the subnormal-geomean
difference kept as a case in make_cases.py. Prints each seed that disagrees; remake one
with ``--dump SEED DIR``. Go is run with 1 GiB of address space and 10 s, because some
inputs with NaN/Inf samples make Go's benchstat exhaust memory (those seeds print
``go failed``: they are Go's failures, not differences). Usage::

    python3 tests/bench/heldout/differential.py GO_BINARY PERFKIT FIRST_SEED LAST_SEED
    python3 tests/bench/heldout/differential.py GO_BINARY PERFKIT --dump SEED DIR
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

NUMBERS = ["0", "-0", "1", "12", "3.5", ".5", "5.", "1e3", "1E-3", "+7", "0x10", "1_0", "1e400", "1e-400"]
NUMBERS += ["007", "99999999999999999999", "abc", "2.5e-9", "123456789.123", "NaN", "Inf", "-Inf", "4.9e-324"]
UNITS = ["ns/op", "B/op", "allocs/op", "MB/s", "sec/op", "x/op", "KB/op", "widgets"]
SEPARATORS = [b" ", b"\t", b"  ", b" \t", b"\xc2\xa0", b"\x0b", b"\r"]
OTHER_LINES = [b"goos: linux", b"goos: darwin", b"goos:", b"cpu:", b"note: x y", b"pkg: p/q"]
OTHER_LINES += [b"Unit B/op better=higher", b"PASS", b"ok  \tpkg\t1.0s", b"--- BENCH: X", b"", b"weird line"]
FLAGS = [[], ["-col", "/k"], ["-row", ".name"], ["-filter", "/k:1"], ["-format", "csv"], ["-ignore", "goos"]]


def result_line(rng: random.Random, names: list[str]) -> bytes:
    if rng.random() < 0.06:
        return rng.choice(OTHER_LINES)
    iterations = rng.choice(["1", "0", "+3", "1e2", "x"]) if rng.random() < 0.1 else "100"
    units = rng.sample(UNITS, rng.randint(1, 3)) if rng.random() < 0.15 else ["ns/op", "B/op"]
    fields = [b"Benchmark" + rng.choice(names).encode(), iterations.encode()]
    for unit in units:
        odd = rng.random() < 0.08
        value = rng.choice(NUMBERS) if odd else str(round(rng.uniform(1, 200), rng.randint(0, 3)))
        fields += [value.encode(), unit.encode()]
    if rng.random() < 0.03:
        fields.pop()
    line = (rng.choice(SEPARATORS) if rng.random() < 0.1 else b" ").join(fields)
    return line + (rng.choice([b"\r", b" ", b"\t", b" extra"]) if rng.random() < 0.05 else b"")


def make(seed: int) -> tuple[dict[str, bytes], list[str]]:
    """One input set and its flags, the same for the same seed."""
    rng = random.Random(seed)
    names = [f"N{i}/k={i % 3}-{rng.choice([1, 2, 4])}" for i in range(rng.randint(1, 12))]
    files = {}
    for number in range(rng.randint(1, 3)):
        lines = [b"goos: linux", b"pkg: ex"] + [result_line(rng, names) for _ in range(rng.randint(5, 120))]
        end = b"\r\n" if rng.random() < 0.2 else b"\n"
        files[f"f{number}.txt"] = end.join(lines) + (end if rng.random() < 0.8 else b"")
    return files, rng.choice(FLAGS) + sorted(files)


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def agrees(go: subprocess.CompletedProcess[bytes], ours: subprocess.CompletedProcess[bytes]) -> bool:
    """The test module's rule: same stdout and Go's warnings in order; no table where Go has none."""
    if not go.stdout:
        return ours.returncode != 0 and not ours.stdout
    lines = [line.removeprefix("perfkit: warning: ") for line in ours.stderr.decode(errors="replace").splitlines()]
    echoed = [line for line in lines if not line.startswith("perfkit:")]
    return (
        go.stdout == ours.stdout and ours.returncode == 0 and echoed == go.stderr.decode(errors="replace").splitlines()
    )


def check(go_binary: str, perfkit: str, seed: int) -> str | None:
    files, args = make(seed)
    with tempfile.TemporaryDirectory() as scratch:
        for name, data in files.items():
            Path(scratch, name).write_bytes(data)
        try:
            go = subprocess.run([go_binary, *args], cwd=scratch, capture_output=True, timeout=10, preexec_fn=_limit)
        except subprocess.TimeoutExpired:
            return "go failed (timeout)"
        if go.returncode != 0 and not go.stdout:
            return f"go failed (exit {go.returncode})"
        for env in ({}, {"PERFKIT_BENCHSTAT_PURE": "1"}):
            ours = subprocess.run(
                [perfkit, "benchstat", *args], cwd=scratch, capture_output=True, env={**os.environ, **env}
            )
            if not agrees(go, ours):
                return f"DISAGREE {env or 'scanner'} {args}"
    return None


def main(argv: list[str]) -> None:
    go_binary, perfkit = str(Path(argv[0]).absolute()), str(Path(argv[1]).absolute())
    if argv[2] == "--dump":
        files, args = make(int(argv[3]))
        folder = Path(argv[4])
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        print(" ".join(args))
        return
    for seed in range(int(argv[2]), int(argv[3])):
        verdict = check(go_binary, perfkit, seed)
        if verdict:
            print(seed, verdict, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
