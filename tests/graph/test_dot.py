"""perfkit.views.dot and perfkit.views.graphviz: DOT golden files, Graphviz rendering, errors.

Golden files live in tests/golden/graph/ (small inputs, the exact DOT expected); regenerate with
``PERFKIT_UPDATE_GOLDEN=1`` and review the diff.  test_pprof_reference.py checks the same inputs
against ``go tool pprof -dot``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from perfkit import files
from perfkit.errors import PerfkitError
from perfkit.graph import GraphOptions
from perfkit.model import CPU_NS, Frame, Profile
from perfkit.views import dot, graphviz

GOLDEN = Path(__file__).parent.parent / "golden" / "graph"
MS = 1_000_000


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PERFKIT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def service() -> Profile:
    """A small service: handlers calling shared helpers, labelled by thread, with a thin path."""
    p = Profile([CPU_NS], metadata={"start_ns": 1_700_000_000 * 10**9, "duration_ns": 2 * 10**9})
    serve = Frame("Server.serve", "/srv/app/server.py", 10)
    handle = Frame("Handler.handle", "/srv/app/handler.py", 20)
    encode = Frame("json.encode", "/usr/lib/python3/json/encoder.py", 200)
    query = Frame("db.query", "/srv/app/db.py", 40)
    thin = Frame("audit.log", "/srv/app/audit.py", 5)
    for thread, scale in (("worker-1", 3), ("worker-2", 1)):
        labels = {"thread": thread}
        p.add([serve, handle, encode], 200 * MS * scale, labels)
        p.add([serve, handle, query], 120 * MS * scale, labels)
        p.add([serve, handle, thin, encode], 2 * MS * scale, labels)
        p.add([serve, handle], 30 * MS * scale, labels)
        p.add([serve, query], 10 * MS * scale, labels)
    p.add([serve, Frame("idle", "/srv/app/server.py", 90)], 1 * MS)
    return p


def old_service() -> Profile:
    p = Profile([CPU_NS])
    serve = Frame("Server.serve", "/srv/app/server.py", 10)
    handle = Frame("Handler.handle", "/srv/app/handler.py", 20)
    p.add([serve, handle, Frame("json.encode", "/usr/lib/python3/json/encoder.py", 200)], 500 * MS)
    p.add([serve, handle, Frame("db.query", "/srv/app/db.py", 40)], 600 * MS)
    p.add([serve, Frame("cache.get", "/srv/app/cache.py", 3)], 100 * MS)
    return p


@pytest.mark.parametrize(
    ("name", "options", "with_base"),
    [
        ("service.dot", GraphOptions(), False),
        ("service_pruned.dot", GraphOptions(nodefraction=0.01), False),
        ("service_count.dot", GraphOptions(nodecount=4), False),
        ("service_lines.dot", GraphOptions(granularity="lines"), False),
        ("service_focus.dot", GraphOptions(focus="audit|query", hide="Server"), False),
        ("service_diff.dot", GraphOptions(), True),
    ],
)
def test_golden_dot(name: str, options: GraphOptions, with_base: bool) -> None:
    text = dot.write(service(), options=options, base=old_service() if with_base else None, title="service")
    check_golden(name, text)


def test_golden_dot_details() -> None:
    """What the goldens must show, spelled out so a regenerated golden cannot quietly lose it."""
    text = (GOLDEN / "service.dot").read_text()
    assert text.startswith('digraph "service" {\nnode [style=filled fillcolor="#f8f8f8"]\n')
    assert 'label="json\\nencode\\n808ms (55.76%)"' in text, "name split at dots, flat with share"
    assert 'label="Handler\\nhandle\\n120ms (8.28%)\\nof 1408ms (97.17%)"' in text, "cum when it differs"
    assert "fontsize=24" in text and "fontsize=8" in text, "boxes sized by flat"
    assert 'N3_0 [label = "thread:worker-1" id="N3_0" fontsize=8 shape=box3d tooltip="606ms"]' in text
    assert "Dropped 1 node (cum <= 7.25ms)" in text
    pruned = (GOLDEN / "service_pruned.dot").read_text()
    assert 'style="dotted"' in pruned and "..." in pruned, "a residual edge where a node was left out"
    assert "Showing top 2 nodes out of 5" in (GOLDEN / "service_count.dot").read_text(), "label boxes count"
    diff = (GOLDEN / "service_diff.dot").read_text()
    blue = re.findall(r'color="#([0-9a-f]{6})"', diff)
    assert any(int(c[4:6], 16) > int(c[0:2], 16) for c in blue), "shrinkage is blue"
    assert any(int(c[0:2], 16) > int(c[4:6], 16) for c in blue), "growth is red"


def test_dot_colour_matches_pprof_for_positive_and_goes_blue_for_negative() -> None:
    assert dot.dot_colour(1.0, False) == "#b20000"
    assert dot.dot_colour(1.0, True) == "#edd5d5"
    assert dot.dot_colour(0.0, False) == "#b2b2b2"
    red = dot.dot_colour(0.5, False)
    blue = dot.dot_colour(-0.5, False)
    assert red[1:3] == blue[5:7] and red[5:7] == blue[1:3], "blue mirrors red"


def test_shorten_function_name_as_pprof() -> None:
    assert dot.shorten_function_name("github.com/google/pprof/driver.PProf") == "driver.PProf"
    assert dot.shorten_function_name("example.com/m/v2/pkg.F") == "pkg.F"
    assert dot.shorten_function_name("com.example.Foo.bar(I)V") == "Foo.bar"
    assert dot.shorten_function_name("ns::Klass::method") == "Klass::method"
    assert dot.shorten_function_name("JSONEncoder.iterencode") == "JSONEncoder.iterencode"


def test_escapes_names_that_would_break_dot() -> None:
    p = Profile([CPU_NS])
    p.add([Frame('say"hi"\\now', "a.py", 1)], 10, {"note": 'x"y'})
    text = dot.write(p)
    assert 'tooltip="say\\"hi\\"\\\\now (10ns)"' in text
    assert 'label = "note:x\\"y"' in text


def test_empty_profile_is_a_legend_only() -> None:
    text = dot.write(Profile([CPU_NS]))
    assert "Showing nodes accounting for 0, 0% of 0 total" in text and "N1 " not in text


def test_dot_is_a_writer(tmp_path: Path) -> None:
    out = files.save(service(), tmp_path / "svc.gv")
    assert out.read_text().startswith('digraph "python" {')


# ---------------------------------------------------------------------------------- graphviz
@pytest.fixture
def dot_program() -> str:
    path = shutil.which("dot")
    if path is None:
        pytest.skip("SKIPPED LOUDLY: Graphviz's dot is not installed (apt-get install graphviz; .ci/run does)")
    return path


@pytest.mark.parametrize("name", ["service.dot", "service_pruned.dot", "service_diff.dot", "service_lines.dot"])
def test_goldens_are_valid_graphviz(dot_program: str, name: str) -> None:
    done = subprocess.run([dot_program, "-Tsvg"], input=(GOLDEN / name).read_bytes(), capture_output=True)
    assert done.returncode == 0 and not done.stderr, done.stderr


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_render_formats(dot_program: str, fmt: str, magic: bytes) -> None:
    data = graphviz.render(dot.write(service()), fmt)
    assert data.startswith(magic)
    if fmt == "svg":
        svg = data.decode()
        assert svg.count('class="node"') >= 5 and "json&#45;&gt;" not in svg
        assert "Handler" in svg and "handle" in svg


def test_missing_dot_is_one_line_naming_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PerfkitError, match=r"Graphviz's `dot` is not installed.*graphviz package.*\.dot"):
        graphviz.render("digraph { a }", "svg")
    assert graphviz.render("digraph { a }", "dot") == b"digraph { a }", "DOT needs no Graphviz"


def test_dot_failure_is_one_line(dot_program: str) -> None:
    with pytest.raises(PerfkitError, match=r"^dot -Tsvg failed \(.*syntax error"):
        graphviz.render("digraph { a -> }", "svg")


@pytest.mark.parametrize(
    ("path", "to", "expect"),
    [("g.svg", None, "svg"), ("g.PNG", None, "png"), ("g.gv", None, "dot"), ("g.out", "pdf", "pdf")],
)
def test_format_for(path: str, to: str | None, expect: str) -> None:
    assert graphviz.format_for(Path(path), to) == expect


def test_format_for_unknown_is_one_line() -> None:
    with pytest.raises(PerfkitError, match=r"g\.jpg: unknown graph extension; use one of \.svg"):
        graphviz.format_for(Path("g.jpg"))
    with pytest.raises(PerfkitError, match="--to gif: unknown graph format"):
        graphviz.format_for(Path("g.svg"), "gif")
