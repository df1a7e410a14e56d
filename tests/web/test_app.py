"""The web UI's routes in process: every view of the known 70/30 profile, pprof's filters, the diff,
the download, the security headers and the error pages (real HTTP in test_server.py, a real
browser in test_browser.py)."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.formats import pprof
from perfkit.web import App, Session
from perfkit.web.pages import view_body
from perfkit.web.params import parse_query

from .webpages import summary, top_rows
from .webprofiles import MS, SPLIT, split_profile

PLOT = 1200 - 2 * 10  # the flame graph's drawing width


@pytest.fixture(scope="module")
def app() -> App:
    return App(Session(split_profile(), name="split.pb.gz"))


@pytest.fixture(scope="module")
def diff_app() -> App:
    return App(Session(split_profile(700, 300), name="new.pb.gz", base=split_profile(400, 300), base_name="old.pb.gz"))


def page(app: App, path: str, query: str = "") -> str:
    response = app.handle(path, query)
    assert response.status == 200, (path, query, response.body[:3000])
    return response.body.decode("utf-8")


def test_top_shows_the_hot_share(app: App) -> None:
    text = page(app, "/ui/top")
    rows = top_rows(text)
    assert rows["hot"] == (700 * MS, 700 * MS, "70.00%")
    assert rows["cold"] == (300 * MS, 300 * MS, "30.00%")
    assert rows["main"][1] == 1000 * MS
    assert summary(text) == "Showing 1s of 1s total (100%)"
    assert "Type: cpu" in text and "Showing nodes accounting for 1000ms, 100% of 1000ms total" in text


def test_graph_is_graphviz_svg_with_numbered_nodes(app: App) -> None:
    text = page(app, "/ui/")
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert 'id="node1"' in svg and "<polygon" in svg
    # the hot box: flat 700ms, 70% of the total, as pprof labels it
    assert re.search(r"<text[^>]*>hot</text>\s*<text[^>]*>700ms \(70\.00%\)</text>", svg)
    nodes = re.search(r'<script type="application/json" id="pk-nodes">(.*?)</script>', text).group(1)
    assert nodes.startswith('[""') and '"hot"' in nodes  # dot numbers nodes from 1, as pprof's list


def test_flame_graph_draws_hot_at_seventy_percent(app: App) -> None:
    text = page(app, "/ui/flamegraph")
    widths = {
        name: float(width)
        for width, name in re.findall(
            r'<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="15" fill="[^"]+"/><text[^>]*>([^<]*)</text>', text
        )
    }
    assert widths["hot"] == pytest.approx(0.7 * PLOT, abs=0.2)
    assert widths["cold"] == pytest.approx(0.3 * PLOT, abs=0.2)


def test_peek_lists_callers_and_callees_at_line_granularity(app: App) -> None:
    # as pprof's /ui/peek: lines granularity, and the regex matches the printable name
    text = page(app, "/ui/peek", "f=hot")
    blocks = re.findall(r'<tbody class="block">(.*?)</tbody>', text, re.S)
    assert len(blocks) == 2  # hot's two lines
    first = blocks[0]
    node = re.search(r'<tr class="node">(.*?)</tr>', first, re.S).group(1)
    assert f"hot {SPLIT}:14" in node and "500ms" in node and "50.00%" in node
    caller = re.search(r'<tr class="caller">(.*?)</tr>', first, re.S).group(1)
    assert f"main {SPLIT}:30" in caller and "100%" in caller
    assert 'href="./peek?f=main"' in caller  # a caller's name peeks at it
    assert '<tr class="callee">' not in first  # hot calls nothing
    callees = page(app, "/ui/peek", "f=main&g=functions")
    assert re.search(r'<tr class="callee">.*?700ms.*?70\.00%.*?>hot</a>', callees, re.S)


def many_callers() -> App:
    from perfkit.model import Frame, Profile

    profile = Profile()
    for i in range(150):  # caller_000 .. caller_149, the later ones heavier; 30 callees, ties among them
        for _ in range(i + 1):
            profile.add([Frame(f"caller_{i:03d}"), Frame("leaf"), Frame(f"callee_{i % 30:02d}")], 1)
    return App(Session(profile, name="many"))


def test_peek_lists_the_heaviest_callers_sums_the_rest_and_fetches_them_on_show_all() -> None:
    app = many_callers()
    text = page(app, "/ui/peek", "g=functions&f=" + quote("^leaf$"))
    callers = re.findall(r'<tr class="caller">.*?>(caller_\d+)</a>', text)
    assert len(callers) == 20 and callers[0] == "caller_149" and callers[-1] == "caller_130"
    rest = sum(range(1, 131))  # caller_000 .. caller_129 called 1 .. 130 times
    lighter = r'<tr class="more">.*?>(\d+)</td>.*?and 130 lighter callers <a class="show-all" href="([^"]+)"'
    more = re.search(lighter, text)
    assert more and int(more.group(1)) == rest
    # show all: the other 130 rows, in pprof's order, linking to their own peek as the first 20 do
    url = html.unescape(more.group(2))
    assert url.startswith("./peek/rest?") and "side=callers" in url
    response = app.handle("/ui/peek/rest", url.split("?", 1)[1])
    assert response.status == 200 and "Content-Security-Policy" in dict(response.headers)
    fetched = response.body.decode()
    names = re.findall(r'<tr class="caller">.*?<a href="([^"]+)">(caller_\d+)</a>', fetched)
    assert [n for _u, n in names] == [f"caller_{i:03d}" for i in range(129, -1, -1)]
    assert names[0][0] == "./peek?f=caller_129&amp;g=functions"
    callees = page(app, "/ui/peek", "g=functions&f=" + quote("^leaf$"))
    assert "and 10 lighter callees" in callees
    rest_callees = app.handle("/ui/peek/rest", url.split("?", 1)[1].replace("side=callers", "side=callees"))
    assert rest_callees.body.decode().count('<tr class="callee">') == 10


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("f=leaf&block=0&side=up", "side 'up'"),
        ("f=leaf&block=x&side=callers", "block 'x'"),
        ("f=leaf&block=7&side=callers", "block 7"),
        ("block=0&side=callers", "f is missing"),
        ("f=%28&block=0&side=callers", "URL parameter f"),
    ],
)
def test_peek_show_all_names_a_bad_parameter(query: str, said: str) -> None:
    response = many_callers().handle("/ui/peek/rest", query)
    assert response.status == 400 and said in response.body.decode()
    assert "\n" not in response.body.decode().strip()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(-3, 3)), max_size=60), st.integers(1, 12))
def test_peek_heaviest_edges_are_pprofs_sorted_edges_cut(weights: list[tuple[int, int]], count: int) -> None:
    from perfkit.graph import Edge, Node, sort_edges
    from perfkit.graph.nodes import NodeInfo
    from perfkit.web.pages import _heaviest

    leaf = Node(0, NodeInfo("leaf"))
    edges = [Edge(Node(i + 1, NodeInfo(f"f{name}")), leaf, w) for i, (name, w) in enumerate(weights)]
    assert _heaviest(edges, count, lambda n: n.name) == sort_edges(edges)[:count]


def test_source_annotates_the_programs_own_lines(app: App) -> None:
    text = page(app, "/ui/source", "f=" + quote("^hot$"))
    assert "cum <b>700ms</b> (70.00% of total)" in text
    lines = dict(re.findall(r'<td class="num lineno">(\d+)</td><td class="code">([^<]*)</td>', text))
    assert html.unescape(lines["14"]).strip() == "total += i * i % 7"
    row14 = re.search(
        r'<tr class="heat(\d)"><td class="num">([^<]*)</td><td class="num">([^<]*)</td><td class="num lineno">14<', text
    )
    assert row14.groups() == ("5", "500ms", "500ms")


def test_focus_ignore_hide_and_tag_filters_change_the_totals(app: App) -> None:
    assert summary(page(app, "/ui/top", "f=cold")) == "Showing 300ms of 1s total (30.00%)"
    assert summary(page(app, "/ui/", "f=cold")) == "Showing 300ms of 1s total (30.00%)"
    assert summary(page(app, "/ui/flamegraph", "i=cold")) == "Showing 700ms of 1s total (70.00%)"
    assert summary(page(app, "/ui/top", "tf=" + quote("handler=hot"))) == "Showing 700ms of 1s total (70.00%)"
    assert summary(page(app, "/ui/top", "ti=" + quote("handler=hot"))) == "Showing 300ms of 1s total (30.00%)"
    # anchored: the regex also matches file names (as pprof), and a checkout path may hold "main"
    hidden = top_rows(page(app, "/ui/top", "h=" + quote("^main$")))
    assert "main" not in hidden and hidden["hot"][0] == 700 * MS
    shown = top_rows(page(app, "/ui/top", "s=" + quote("hot|cold")))
    assert set(shown) == {"hot", "cold"}
    assert "focus: <code>cold</code>" in page(app, "/ui/top", "f=cold")  # the chip that removes it


def test_sample_type_and_granularity_follow_the_url(app: App) -> None:
    rows = top_rows(page(app, "/ui/top", "si=samples"))
    assert rows["hot"][:2] == (70, 70)
    lines = top_rows(page(app, "/ui/top", "g=lines"))
    assert lines[f"hot {SPLIT}:14"][0] == 500 * MS and lines[f"hot {SPLIT}:13"][0] == 200 * MS
    text = page(app, "/ui/top", "si=samples")
    assert '<option value="samples" selected>' in text


def test_diff_shows_growth_in_every_view(diff_app: App) -> None:
    rows = top_rows(page(diff_app, "/ui/top"))
    assert rows["hot"][0] == 300 * MS and "cold" not in rows  # unchanged: nothing to show, as pprof
    text = page(diff_app, "/ui/top")
    assert "new.pb.gz − base old.pb.gz" in text
    assert summary(text) == "Change +300ms against the base's 700ms (+42.86%)"
    assert summary(page(diff_app, "/ui/flamegraph")) == summary(text)
    # shares of a diff are of the base's total (pprof's -diff_base): +300ms of 700ms
    assert rows["hot"][2] == "42.86%"
    graph = page(diff_app, "/ui/")
    assert re.search(r"<text[^>]*>hot</text>\s*<text[^>]*>300ms \(42\.86%\)</text>", graph)
    flame = page(diff_app, "/ui/flamegraph")
    assert "(base 700ms)" in flame  # drawn from the new profile, coloured by the base
    peek = page(diff_app, "/ui/peek", "f=" + quote("^hot$"))
    assert "300ms" in peek
    source = page(diff_app, "/ui/source", "f=" + quote("^hot$"))
    assert "cum <b>300ms</b>" in source


def test_download_is_the_filtered_profile_as_pprof(app: App, diff_app: App) -> None:
    response = app.handle("/ui/download", "f=cold&si=samples")
    assert response.status == 200 and response.content_type == "application/vnd.google.protobuf+gzip"
    assert 'filename="split-filtered.pb.gz"' in dict(response.all_headers())["Content-Disposition"]
    got = pprof.decode(response.body)
    assert [str(t) for t in got.sample_types] == ["samples/count", "cpu/nanoseconds"]
    assert got.total("cpu") == 300 * MS and got.total("samples") == 30
    assert got.sample_types[got.default_type].type == "samples"  # opens on the type the page showed
    assert {v for ls in got.labelsets for k, v in ls if k == "handler"} == {"cold"}
    tagged = pprof.decode(app.handle("/ui/download", "tf=" + quote("handler=hot")).body)
    assert tagged.total("cpu") == 700 * MS
    hidden = pprof.decode(app.handle("/ui/download", "h=" + quote("^main$")).body)
    assert hidden.total("cpu") == 1000 * MS
    assert all(hidden.frames[i].function != "main" for s in hidden.stacks for i in s)
    assert pprof.decode(app.handle("/ui/download", "").body).total("cpu") == 1000 * MS
    diff = pprof.decode(diff_app.handle("/ui/download", "").body)
    assert diff.total("cpu") == 300 * MS  # new minus base


def test_pages_load_nothing_from_the_network_and_scripts_need_the_nonce(app: App) -> None:
    for path, query in [
        ("/ui/", ""),
        ("/ui/top", ""),
        ("/ui/flamegraph", ""),
        ("/ui/peek", "f=hot"),
        ("/ui/source", "f=hot"),
    ]:
        response = app.handle(path, query)
        headers = dict(response.all_headers())
        policy = headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        assert policy.startswith("default-src 'none'; script-src 'nonce-")
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        text = response.body.decode()
        scripts = re.findall(r"<script([^>]*)>", text)
        executable = [s for s in scripts if "application/json" not in s]
        assert executable and all(f'nonce="{nonce}"' in s for s in executable), (path, scripts)
        assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', text), path
        assert "url(http" not in text and "@import" not in text
    assert app.handle("/ui/", "").headers != app.handle("/ui/", "").headers  # a fresh nonce each time


def test_errors_are_pages_that_say_what_to_fix(app: App) -> None:
    bad = app.handle("/ui/top", "f=(")
    assert bad.status == 400
    text = bad.body.decode()
    assert "URL parameter f (focus) &#39;(&#39;: not a valid regular expression" in text
    assert 'id="search" type="search" value="("' in text  # the box keeps what was typed, to fix it
    unknown = app.handle("/ui/top", "si=alloc_space")
    assert unknown.status == 400 and "URL parameter si (sample-index) alloc_space" in unknown.body.decode()
    assert "no disassembly" in app.handle("/ui/disasm", "f=hot").body.decode()
    assert app.handle("/ui/nope", "").status == 404
    assert app.handle("/elsewhere", "").status == 404
    assert app.handle("/ui/static/../app.py", "").status == 404
    assert app.handle("/ui/static/web.js", "").content_type.startswith("text/javascript")
    redirect = app.handle("/", "f=hot&si=cpu")
    assert redirect.status == 307 and dict(redirect.all_headers())["Location"] == "/ui/?f=hot&si=cpu"
    ignored = page(app, "/ui/top", "unit=ms")
    assert "perfkit does not apply these pprof parameters: unit=ms" in ignored
    nothing = page(app, "/ui/top", "f=nomatch")
    assert "focus &#39;nomatch&#39; matched no frame" in nothing


def test_source_and_peek_without_a_regex_offer_the_heaviest_functions(app: App) -> None:
    for view in ("source", "peek"):
        text = page(app, f"/ui/{view}")
        links = re.findall(rf'<li><a href="\./{view}\?f=([^"]*)">([^<]*)</a>', text)
        assert ("%5E" not in links[0][0]) and any(name == "hot" for _q, name in links), links
    missing = page(app, "/ui/source", "f=nomatch")
    assert "no function matches" in missing and "<li><a href" in missing


def test_views_are_cached_per_query() -> None:
    session = Session(split_profile(), name="split")
    first = view_body(session, "top", parse_query("f=hot"))
    assert view_body(session, "top", parse_query("f=hot")) is first
    assert view_body(session, "top", parse_query("f=cold")) is not first
    assert view_body(session, "top", parse_query("tf=handler%3Dcold")).summary != first.summary


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["/ui/", "/ui/top", "/ui/flamegraph", "/ui/peek", "/ui/source", "/ui/download", "/ui/x", "/"]),
    st.lists(
        st.tuples(
            st.sampled_from(["f", "i", "h", "s", "sf", "tf", "ti", "si", "g", "n", "nf", "ef", "norm", "zz"]),
            st.text(alphabet="ab()[]*.|^$\\=:0123456789-kb", max_size=8),
        ),
        max_size=5,
    ),
)
def test_any_url_is_a_page_or_a_clear_error(app: App, path: str, pairs: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    response = app.handle(path, urlencode(pairs))
    assert response.status in (200, 307, 400, 404), response.body[:500]


def test_a_difffolded_file_opens_as_a_diff(tmp_path) -> None:
    from perfkit.web.commands import _load

    path = tmp_path / "pair.folded"
    path.write_text("main;hot 40 70\nmain;cold 30 30\n")  # base count, then new count
    profile, base, name, base_name = _load(str(path), None, None, None, None, None)
    assert base is not None and base_name == "pair.folded (difffolded base)"
    rows = top_rows(page(App(Session(profile, name=name, base=base, base_name=base_name)), "/ui/top"))
    assert rows["hot"][0] == 30 and "cold" not in rows


def test_the_graph_after_top_keeps_its_label_boxes() -> None:
    # top prepares stacks without labels; the call graph, asked next, must not get those (its
    # node count counts label boxes, as pprof's): the same nodes as when asked first
    from .webpages import node_names

    fresh = node_names(page(App(Session(split_profile(), name="a")), "/ui/", "n=2"))
    app = App(Session(split_profile(), name="b"))
    page(app, "/ui/top", "n=2")
    after_top = page(app, "/ui/", "n=2")
    assert node_names(after_top) == fresh
    assert "handler:hot" in after_top  # the label box is drawn
