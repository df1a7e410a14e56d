"""The command line of the graph views: ``perfkit graph``, ``perfkit top --tree``, ``perfkit peek``
and the one ``--granularity`` option, run as a user runs them (a real subprocess)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cli_helpers import FOLDED_BASE, assert_one_line_error, perfkit, write_folded


@pytest.fixture
def folded(tmp_path: Path) -> Path:
    return write_folded(tmp_path)


def test_graph_svg(folded: Path, tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("SKIPPED LOUDLY: Graphviz's dot is not installed (apt-get install graphviz; .ci/run does)")
    out = tmp_path / "cpu.svg"
    result = perfkit("graph", folded, "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"perfkit: wrote {out} (4 of 4 nodes)\n"
    svg = ET.parse(out).getroot()
    titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert {"N1", "N2", "N3", "N4"} <= set(titles), titles
    text = out.read_text()
    assert "hot" in text and "70 (70.00%)" in text


def test_graph_dot_to_stdout_needs_no_graphviz(folded: Path, tmp_path: Path) -> None:
    """With no ``dot`` on PATH: DOT still works, SVG is one line naming the package."""
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**os.environ, "PATH": str(bare)}
    run = [sys.executable, "-m", "perfkit", "graph", str(folded)]
    done = subprocess.run([*run, "-o", "-", "--to", "dot"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('digraph "python" {') and 'label="hot\\n70 (70.00%)"' in done.stdout
    done = subprocess.run([*run, "-o", str(tmp_path / "g.svg")], capture_output=True, text=True, env=env, timeout=60)
    assert_one_line_error(done, "Graphviz's `dot` is not installed", "graphviz package", ".dot")
    assert not (tmp_path / "g.svg").exists()


def test_graph_options_reach_the_graph(folded: Path, tmp_path: Path) -> None:
    base = write_folded(tmp_path, "old.folded", FOLDED_BASE)
    result = perfkit(
        "graph", folded, "--base", base, "--granularity", "lines", "--nodecount", "3", "-o", "-", "--to", "dot"
    )
    assert result.returncode == 0, result.stderr
    assert "Showing top 3 nodes out of 4" in result.stdout, "<module> is gone: 100 before, 100 now"
    assert 'label="hot\\ncpu_split.py:14\\n30 (30.00%)"' in result.stdout, "70 now, 40 before: +30 of the base's 100"
    assert 'label="cold\\ncpu_split.py:21\\n-30 (30.00%)"' in result.stdout


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--granularity", "module"], ["--granularity module", "functions"]),
        (["--normalize"], ["--normalize", "--base"]),
        (["-o", "g.jpg"], ["g.jpg", "unknown graph extension"]),
    ],
)
def test_graph_mistakes_are_one_line(folded: Path, args: list[str], names: list[str]) -> None:
    assert_one_line_error(perfkit("graph", folded, *args), *names)


def test_top_tree_and_peek(folded: Path) -> None:
    tree = perfkit("top", folded, "--tree")
    assert tree.returncode == 0, tree.stderr
    lines = tree.stdout.splitlines()
    assert lines[:2] == ["File: python", "Type: samples"]
    assert "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t " in lines
    assert "        70 70.00% 70.00%         70 70.00%                | hot" in lines
    peek = perfkit("peek", folded, "^main$")
    assert peek.returncode == 0, peek.stderr
    assert peek.stdout.splitlines()[-5:] == [
        "                                               100   100% |   <module>",
        "         0     0%     0%        100   100%                | main",
        "                                                70 70.00% |   hot",
        "                                                30 30.00% |   cold",
        "----------------------------------------------------------+-------------",
    ]
    assert_one_line_error(perfkit("peek", folded, "nothing_like_it"), "nothing_like_it", "no function matches")


def test_one_granularity_option_and_the_old_by(folded: Path) -> None:
    lines = perfkit("top", folded, "--granularity", "lines")
    old = perfkit("top", folded, "--by", "line")
    assert lines.returncode == old.returncode == 0
    assert lines.stdout == old.stdout and "hot " in lines.stdout and "cpu_split.py:14" in lines.stdout
    helptext = perfkit("top", "--help").stdout
    assert "--granularity" in helptext and "--by" not in helptext
    flame = perfkit("flame", folded, "--granularity", "files", "-o", "-")
    assert flame.returncode == 0 and "cpu_split.py" in flame.stdout
