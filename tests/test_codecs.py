"""The format contract (perfkit.formats.registry): every declared format writes and reads back,
declarations match the code, unknown options are errors naming the option and the format, and a
lookup imports no writer."""

from __future__ import annotations

import gzip
import inspect
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import perfkit
from perfkit import files
from perfkit.debug import routes
from perfkit.errors import ParamError, PerfkitError
from perfkit.formats import registry
from perfkit.model import Frame, Profile


def small_profile() -> Profile:
    p = Profile(metadata={"command": ["python", "app.py"]})
    p.add([Frame("main", "app.py", 1), Frame("hot", "app.py", 10)], 7, {"thread": "MainThread"})
    p.add([Frame("main", "app.py", 1), Frame("cold", "lib.py", 3)], 3, {"thread": "worker"})
    return p


def test_names_and_extensions_are_unique() -> None:
    names = [c.name for c in registry.CODECS]
    assert len(names) == len(set(names))
    for action in ("read", "write"):
        exts = [e for c in registry.CODECS if (c.reads if action == "read" else c.writes) for e in c.extensions]
        assert len(exts) == len(set(exts)), action
    for codec in registry.CODECS:
        assert codec.reads or codec.writes, codec.name
        assert codec.mime and "/" in codec.mime
        assert all(e.startswith(".") and e == e.lower() for e in codec.extensions)


@pytest.mark.parametrize("codec", registry.CODECS, ids=lambda c: c.name)
def test_declaration_matches_the_module(codec: registry.Codec) -> None:
    """The registry is the contract: its name is the module's, its options are exactly the
    keywords ``write`` takes (with the same defaults), and no writer swallows ``**kwargs``."""
    module = codec.load_module()
    assert codec.name == module.NAME
    assert hasattr(module, "sniff") == hasattr(module, "read") == codec.reads
    assert hasattr(module, "write") == codec.writes
    if not codec.writes:
        return
    params = list(inspect.signature(module.write).parameters.values())[1:]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params), codec.name
    assert {p.name: p.default for p in params} == {o.name: o.default for o in codec.options}


@pytest.mark.parametrize("codec", registry.writers(), ids=lambda c: c.name)
def test_every_format_writes_and_reads_back(codec: registry.Codec, tmp_path: Path) -> None:
    """Written by extension; where perfkit also reads the format, loaded back with the same totals."""
    out = files.save(small_profile(), tmp_path / f"out{codec.extensions[0]}")
    assert out.stat().st_size > 0
    assert files.writer_for(out) is codec
    if codec.reads:
        again = files.load(out)
        assert again.metadata["format"] == codec.name
        assert again.total() == 10


@pytest.mark.parametrize("codec", registry.writers(), ids=lambda c: c.name)
def test_unknown_option_is_an_error_naming_it_and_the_format(codec: registry.Codec, tmp_path: Path) -> None:
    out = tmp_path / f"out{codec.extensions[0]}"
    with pytest.raises(ParamError) as caught:
        perfkit.save(small_profile(), out, colour="red")
    assert caught.value.param == "colour"
    assert str(caught.value).startswith("colour: ") and codec.name in str(caught.value)
    assert not out.exists()


def test_misspelled_option_suggests_the_right_one(tmp_path: Path) -> None:
    with pytest.raises(PerfkitError, match=r"^titel: not an option of the svg format; did you mean title\?"):
        perfkit.save(small_profile(), tmp_path / "x.svg", titel="t")


def test_ill_typed_option_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ParamError, match=r"^width='wide': the svg format's width takes int$"):
        perfkit.render(small_profile(), "x.svg", width="wide")
    with pytest.raises(ParamError, match="compress"):
        perfkit.render(small_profile(), "x.pb.gz", compress="no")
    assert perfkit.render(small_profile(), "x.svg", minwidth=1)  # an int where a float goes


def test_unknown_format_names_the_parameter() -> None:
    with pytest.raises(ParamError, match=r"^format nope: unknown format for writing; use one of: pprof, ") as caught:
        files.writer_for(Path("x.out"), "nope")
    assert caught.value.param == "format"
    assert caught.value.render("--to").startswith("--to nope: ")


def test_a_lookup_imports_no_writer() -> None:
    """Finding the writer and checking options imports neither the flame graph nor the report."""
    code = (
        "import sys\n"
        "from perfkit import files\n"
        "codec = files.writer_for('x.svg')\n"
        "codec.check_options({'title': 't', 'width': 10})\n"
        "files.writer_for('x.html'); files.writer_for('x.dot')\n"
        "heavy = [m for m in ('perfkit.views.flamegraph', 'perfkit.views.report', 'perfkit.views.dot', 'jinja2')"
        " if m in sys.modules]\n"
        "print(codec.name, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "svg []"


def test_debug_routes_serve_every_registered_writer() -> None:
    assert list(routes.FORMATS) == [c.name for c in registry.writers()]
    server = routes.Routes()
    release = threading.Event()
    waiter = threading.Thread(target=release.wait, name="waiter")  # a thread for the goroutine profile
    waiter.start()
    try:
        for codec in registry.writers():  # the goroutine profile renders at once: every format for real
            response = server.handle("GET", "/debug/pprof/goroutine", f"format={codec.name}", {}, "127.0.0.1")
            assert (response.status, response.content_type) == (200, codec.mime), codec.name
            assert b"wait" in (gzip.decompress(response.body) if codec.name == "pprof" else response.body)
    finally:
        release.set()
        waiter.join()
    assert server.handle("GET", "/debug/pprof/goroutine", "format=nope", {}, "127.0.0.1").status == 400
    index = server.handle("GET", "/debug/pprof/", "", {}, "127.0.0.1").body.decode()
    assert "format=" + "|".join(routes.FORMATS) in index


def test_readme_table_lists_every_format_with_its_extensions_and_options() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("### Formats and their options (the codec contract)")[1].split("\n## ")[0]
    rows = {line.split("|")[1].strip(" `"): line for line in section.splitlines() if line.startswith("| `")}
    for codec in registry.CODECS:
        row = rows[codec.name]
        assert f"`{codec.mime}`" in row, codec.name
        assert all(f"`{ext}`" in row for ext in codec.extensions), codec.name
        assert all(f"`{o.name}`" in row for o in codec.options), codec.name
