"""perfkit benchstat against Go's benchstat on held-out inputs (tests/bench/heldout).

The cases were written from Go's benchmark-format design and benchfmt reader, without
reading perfkit's other tests; ``heldout/make_cases.py`` makes the inputs and recorded Go's
answers with Go's own binary, so Go is not needed here. Each case runs with the C scanner
and with ``PERFKIT_BENCHSTAT_PURE=1``.

Compared: stdout byte for byte; Go's stderr lines (its warnings) in order among perfkit's
(as they are or after ``perfkit: warning:``), whose other lines start ``perfkit:``. Where Go
printed no table (an error or no results), perfkit must print no table either and exit
non-zero with its reason on one ``perfkit:`` line (by design).
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest

from perfkit import cli

HELDOUT = Path(__file__).resolve().parent / "heldout"
CASES = HELDOUT / "cases"

#: How perfkit passes on Go's warnings (``in.txt:3: parsing measurement: ...``); its own notes too.
WARNING = "perfkit: warning: "

#: Known disagreements with Go: case name -> what differs (none left).
XFAIL: dict[str, str] = {}

#: Where Go stops with an error and perfkit, by design, reads on: case name -> why.
BEYOND_GO: dict[str, str] = {
    "fast_long_line": "a result line over 64 KiB: Go stops at it (bufio.Scanner: token too long); perfkit "
    "reads lines of any length",
}


def _load_builder():
    spec = importlib.util.spec_from_file_location("heldout_make_cases", HELDOUT / "make_cases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case's input files, made again from the deterministic builder."""
    root = tmp_path_factory.mktemp("heldout")
    for name, (files, _args) in _load_builder()().items():
        folder = root / name
        folder.mkdir()
        for fname, data in files.items():
            (folder / fname).write_bytes(data)
    return root


def _run_perfkit(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, bytes, bytes]:
    """Run ``perfkit benchstat ARGS`` in this process (a subprocess per case would cost ~0.3 s)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape", write_through=True)
    monkeypatch.setattr(sys, "argv", ["perfkit", "benchstat", *args])
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out.flush()
    err.flush()
    return code, out.buffer.getvalue(), err.buffer.getvalue()


def _params() -> list:
    names = sorted(p.name for p in CASES.iterdir() if (p / "go.rc").exists() and p.name not in BEYOND_GO)
    params = []
    for name in names:
        for mode in ("scanner", "pure"):
            marks = [pytest.mark.xfail(strict=True, reason=XFAIL[name])] if name in XFAIL else []
            params.append(pytest.param(name, mode, id=f"{name}-{mode}", marks=marks))
    return params


@pytest.mark.parametrize(("case", "mode"), _params())
def test_heldout_matches_go(case: str, mode: str, inputs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = CASES / case
    args = json.loads((recorded / "args.json").read_text())
    go_out = (recorded / "go.stdout").read_bytes()
    go_err = (recorded / "go.stderr").read_bytes().decode("utf-8", "surrogateescape").splitlines()
    monkeypatch.chdir(inputs / case)
    if mode == "pure":
        monkeypatch.setenv("PERFKIT_BENCHSTAT_PURE", "1")
    else:
        monkeypatch.delenv("PERFKIT_BENCHSTAT_PURE", raising=False)
    code, out, err = _run_perfkit(args, monkeypatch)
    err_lines = err.decode("utf-8", "surrogateescape").splitlines()
    extra = _unmatched(go_err, err_lines)
    if go_out:
        assert out == go_out
        assert code == 0, err_lines
        assert extra is not None, f"Go's warnings {go_err} not all in perfkit's {err_lines}"
        assert all(line.startswith("perfkit:") for line in extra), extra
    else:
        assert out == b""
        assert code != 0
        own = [line for line in err_lines if line.startswith("perfkit:") and line.removeprefix(WARNING) not in go_err]
        assert len(own) == 1, err_lines
        assert all(line.removeprefix(WARNING) in go_err for line in err_lines if line not in own), err_lines


def _unmatched(go_err: list[str], err_lines: list[str]) -> list[str] | None:
    """perfkit's stderr lines left once Go's are matched in order (as they are, or after
    ``perfkit: warning:``), or None if some Go line is missing."""
    extra: list[str] = []
    want = iter(go_err)
    pending = next(want, None)
    for line in err_lines:
        if pending is not None and line.removeprefix(WARNING) == pending:
            pending = next(want, None)
        else:
            extra.append(line)
    return extra if pending is None else None


@pytest.mark.parametrize("case", sorted(BEYOND_GO))
def test_where_go_stops_perfkit_reads_on(case: str, inputs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Go printed an error and no table; perfkit prints the table, the same with and without the
    C scanner."""
    recorded = CASES / case
    args = json.loads((recorded / "args.json").read_text())
    assert (recorded / "go.stdout").read_bytes() == b""
    assert b"token too long" in (recorded / "go.stderr").read_bytes()
    monkeypatch.chdir(inputs / case)
    outputs = []
    for pure in ("0", "1"):
        monkeypatch.setenv("PERFKIT_BENCHSTAT_PURE", pure)
        code, out, _ = _run_perfkit(args, monkeypatch)
        assert code == 0 and b"x/op" in out
        outputs.append(out)
    assert outputs[0] == outputs[1]
