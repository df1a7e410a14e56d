"""The graph views against ``go tool pprof`` itself, on the same pprof files.

Material: the CPU, heap (numeric ``bytes`` labels) and goroutine profiles Go's own runtime writes
(the ``go_profiles`` fixture), a small profile with the awkward cases (recursion, a frame pprof
drops as residual, labels), and profiles perfkit recorded from real Python programs with py-spy
(tests/programs/cpu_split.py and the example service).  For each, perfkit's ``top``, ``-tree``,
``-peek`` and DOT text must equal pprof's for the same options, line for line, but for one line:
the DOT legend's last, where pprof links to its documentation and perfkit says how to read the
graph.  Node sets and flat/cum values are also compared as numbers (``-raw``-independent).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from goprofiles import GoProfiles
from perfkit import files
from perfkit.errors import PerfkitError
from perfkit.graph import GraphOptions, ReportKind, build_graph
from perfkit.model import CPU_NS, Frame, Profile
from perfkit.views import dot
from perfkit.views.top import format_top
from perfkit.views.tree import format_peek, format_tree

pytestmark = pytest.mark.gotool
ROOT = Path(__file__).resolve().parents[2]

#: (go tool pprof flags, the same as GraphOptions)
CASES = [
    ([], {}),
    (["-cum"], {"sort": "cum"}),
    (["-lines"], {"granularity": "lines"}),
    (["-files"], {"granularity": "files"}),
    (["-filefunctions"], {"granularity": "filefunctions"}),
    (["-addresses"], {"granularity": "addresses"}),
    (["-nodecount=5"], {"nodecount": 5}),
    (["-nodefraction=0.05", "-edgefraction=0.05"], {"nodefraction": 0.05, "edgefraction": 0.05}),
    (["-focus=main"], {"focus": "main"}),
    (["-ignore=runtime"], {"ignore": "runtime"}),
    (["-hide=runtime"], {"hide": "runtime"}),
    (["-show=main"], {"show": "main"}),
    (["-sample_index=0"], {"sample_index": 0}),
]
CASE_IDS = ["default", "cum", "lines", "files", "filefunctions", "addresses", "n5", "fractions"]
CASE_IDS += ["focus", "ignore", "hide", "show", "index0"]
#: pprof's legend line perfkit words differently (pprof links its docs with a git.io address)
_LINK = re.compile(r"\\lSee https://git\.io/JfYMW for how to read the graph\\l|\\lBox size: flat;[^\\]*\\l")


def run_pprof(go: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [go, "tool", "pprof", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PPROF_TMPDIR": os.environ.get("TMPDIR", "/tmp")},
    )


def pprof(go: str, *args: str) -> str:
    done = run_pprof(go, *args)
    assert done.returncode == 0, done.stderr
    return _run_facts(done.stdout)


def _run_facts(text: str) -> str:
    """pprof's output without the ``key=value`` comments perfkit stores its run facts in: perfkit
    leaves them out of its headers on purpose (the HTML report shows them)."""
    return re.sub(r"^[A-Za-z_][\w.-]*=.*\n", "", text, flags=re.M) if "\nbackend=" in text else text


def same_dot(ours: str, theirs: str) -> None:
    theirs = re.sub(r"\\l[A-Za-z_][\w.-]*=(?:[^\\\"]|\\[^l])*(?=\\l)", "", theirs)  # run facts, as above
    assert _LINK.sub("<legend link>", ours) == _LINK.sub("<legend link>", theirs)


def dot_nodes(text: str) -> dict[str, str]:
    """Node name -> its label's values part, from DOT text (pprof's or ours)."""
    nodes = {}
    for m in re.finditer(r'^N\d+ \[label="((?:[^"\\]|\\.)*)" .*tooltip="((?:[^"\\]|\\.)*) \(', text, re.M):
        label, name = m.groups()
        nodes[name] = label.split("\\n")[-1] if " of " not in label else "\\n".join(label.split("\\n")[-2:])
    return nodes


def check_all_views(go: str, path: Path, args: list[str], options: dict, peek: str = "main") -> None:
    profile = files.load(path)
    opts = GraphOptions(**options)
    assert format_top(profile, options=opts) == pprof(go, "-top", *args, str(path))
    assert format_tree(profile, opts) == pprof(go, "-tree", *args, str(path))
    try:
        peeked = format_peek(profile, peek, opts)
    except PerfkitError as exc:  # nothing matches: pprof says so too
        assert "no function matches" in str(exc)
        assert "no matches found for regexp" in run_pprof(go, "-peek", peek, *args, str(path)).stderr
    else:
        assert peeked == pprof(go, "-peek", peek, *args, str(path))
    ours = dot.write(profile, options=opts)
    theirs = pprof(go, "-dot", *args, str(path))
    assert dot_nodes(ours) == dot_nodes(theirs), "node set and each node's flat and cum"
    same_dot(ours, theirs)


# ---------------------------------------------------------------------------------- Go's own profiles
@pytest.mark.parametrize(("args", "options"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("kind", ["cpu", "heap", "goroutine"])
def test_go_runtime_profiles(go_profiles: GoProfiles, go_tool: str, kind: str, args: list, options: dict) -> None:
    check_all_views(go_tool, getattr(go_profiles, kind), args, options)


@pytest.mark.parametrize(
    ("args", "options"),
    [
        (["-tagfocus=handler=hot"], {"tagfocus": "handler=hot"}),
        (["-tagignore=handler=hot", "-lines"], {"tagignore": "handler=hot", "granularity": "lines"}),
    ],
)
def test_label_filters(go_profiles: GoProfiles, go_tool: str, args: list, options: dict) -> None:
    check_all_views(go_tool, go_profiles.cpu, args, options, peek="spin")


def test_heap_by_every_sample_type_and_size_labels(go_profiles: GoProfiles, go_tool: str) -> None:
    """Numeric ``bytes`` labels become pprof's size boxes (grouped into ranges past four)."""
    profile = files.load(go_profiles.heap)
    for index, vt in enumerate(profile.sample_types):
        opts = GraphOptions(sample_index=vt.type)
        theirs = pprof(go_tool, "-dot", f"-sample_index={index}", str(go_profiles.heap))
        same_dot(dot.write(profile, options=opts), theirs)
    assert 'NN1_0 [label = "' in theirs and "shape=box3d" in theirs


def test_diff_base(go_profiles: GoProfiles, go_tool: str, tmp_path: Path) -> None:
    """-diff_base: Go's goroutine profile against a copy without the goroutines in main.waiter."""
    new = go_profiles.goroutine
    profile = files.load(new)
    base = profile.filter(ignore="waiter")
    base_path = files.save(base, tmp_path / "base.pb.gz")
    for args, options in (([], {}), (["-nodecount=4"], {"nodecount": 4})):
        opts = GraphOptions(**options)
        b = files.load(base_path)
        diff = ["-diff_base", str(base_path), *args, str(new)]
        assert format_top(profile, options=opts, base=b) == pprof(go_tool, "-top", *diff)
        same_dot(dot.write(profile, options=opts, base=b), pprof(go_tool, "-dot", *diff))


# ---------------------------------------------------------------------------------- awkward cases
def awkward() -> Profile:
    """Recursion, a thin middle frame that pruning drops, Python's <...> names, thread labels."""
    p = Profile([CPU_NS], metadata={"start_ns": 1_700_000_000 * 10**9})
    main, rec, thin = Frame("main", "/app/m.py", 1), Frame("rec", "/app/r.py", 5), Frame("thin", "/app/t.py", 9)
    module, listcomp = Frame("<module>", "/app/m.py", 40), Frame("<listcomp>", "/app/m.py", 41)
    ms = 1_000_000
    p.add([module, main, rec, rec, rec, Frame("leaf", "/app/l.py", 2)], 300 * ms, {"thread": "MainThread"})
    p.add([module, main, thin, Frame("leaf", "/app/l.py", 3)], 2 * ms, {"thread": "w1"})
    p.add([module, main, listcomp], 150 * ms, {"thread": "w1"})
    p.add([module, Frame("a", "/app/a.py", 1), Frame("b", "/app/b.py", 1), Frame("a", "/app/a.py", 2)], 90 * ms)
    p.add([module, main], 8 * ms)
    return p


@pytest.mark.parametrize(("args", "options"), CASES[:-1], ids=CASE_IDS[:-1])
def test_awkward_profile(go_tool: str, tmp_path: Path, args: list, options: dict) -> None:
    path = files.save(awkward(), tmp_path / "awkward.pb.gz")
    check_all_views(go_tool, path, args, options, peek="rec|leaf")


# ---------------------------------------------------------------------------------- real Python programs
@pytest.fixture(scope="module")
def python_profiles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """py-spy on the 70/30 program and on the example service, saved by perfkit as pprof."""
    folder = tmp_path_factory.mktemp("pyspy")
    runs = [
        ("split.pb.gz", [str(ROOT / "tests" / "programs" / "cpu_split.py"), "1.5"]),
        ("service.pb.gz", [str(ROOT / "examples" / "order_service.py"), "--demo", "2"]),
    ]
    out = []
    for name, argv in runs:
        path = folder / name
        done = subprocess.run(
            [sys.executable, "-m", "perfkit", "profile", "-q", "-o", str(path), "--", sys.executable, *argv],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        out.append(path)
    return out


@pytest.mark.parametrize(
    ("args", "options"),
    [([], {}), (["-lines"], {"granularity": "lines"}), (["-focus=dedupe|hot"], {"focus": "dedupe|hot"})],
    ids=["default", "lines", "focus"],
)
def test_perfkit_recorded_python_profiles(go_tool: str, python_profiles: list[Path], args: list, options: dict) -> None:
    for path in python_profiles:
        check_all_views(go_tool, path, args, options, peek="main|dedupe")


def test_python_names_survive_in_go_tool_pprof(go_tool: str, tmp_path: Path) -> None:
    """<module> and <listcomp> keep their names in pprof (its C++ demangler would blank them)."""
    path = files.save(awkward(), tmp_path / "awkward.pb.gz")
    top = pprof(go_tool, "-top", str(path))
    assert " <module>\n" in top and " <listcomp>\n" in top and "[python]" not in top
    assert build_graph(files.load(path), GraphOptions(), ReportKind.TEXT).by_name().keys() >= {"<module>", "<listcomp>"}
