"""Our Python translations of Go's race detector test cases, each classified exactly.

All cases run in one process under the detector (``gocases/harness.py``), once with the compiled
core and once with the pure-Python fallback, which must agree.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.race.children import BOOT_RUN
from perfkit.race.runner import environment

CASES = Path(__file__).parent / "gocases"


def run_cases(pure: bool) -> dict[str, bool]:
    argv = [sys.executable, BOOT_RUN, "harness.py"]
    env = environment(argv, [str(CASES / "*")], [], None, False, False)
    env.pop("PERFKIT_RACE", None)
    if pure:
        env["PERFKIT_RACE_PURE"] = "1"
    done = subprocess.run(argv, cwd=CASES, env=env, capture_output=True, text=True, timeout=300)
    results = {}
    for line in done.stdout.splitlines():
        row = json.loads(line)
        results[row["case"]] = row["reported"]
    assert results, done.stderr[-3000:]
    return results


def names() -> list[str]:
    import ast

    tree = ast.parse((CASES / "cases.py").read_text())
    return [
        n.name
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith(("race_", "norace_"))
    ]


@pytest.fixture(scope="module", params=["core", "pure"])
def outcomes(request) -> dict[str, bool]:
    from perfkit.race.clock import CORE

    if request.param == "core" and CORE is None:
        pytest.skip("the compiled core was not built here")
    return run_cases(pure=request.param == "pure")


def test_corpus_size() -> None:
    all_names = names()
    assert sum(n.startswith("race_") for n in all_names) >= 30
    assert sum(n.startswith("norace_") for n in all_names) >= 30


@pytest.mark.parametrize("case", names())
def test_case(case: str, outcomes: dict[str, bool]) -> None:
    assert case in outcomes, f"{case} did not finish"
    assert outcomes[case] == case.startswith("race_"), (
        f"{case}: expected {'a report' if case.startswith('race_') else 'no report'}"
    )
