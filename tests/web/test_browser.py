"""perfkit web in a real browser (Debian's headless chromium through Playwright): every view of
the known 70/30 profile shows the hot function's share; the header's search box, sample and
granularity pickers, the Refine menu, the graph's click-to-focus and pan/zoom and the top table's
sorting work and put pprof's parameters in the URL; nothing is loaded from elsewhere and the
Content-Security-Policy refuses nothing the page needs.  A failing test leaves a screenshot in
test-artifacts/web/."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from perfkit.web import Session, WebServer

from .webprofiles import split_profile

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server() -> Iterator[WebServer]:
    with WebServer(Session(split_profile(), name="split.pb.gz")).start() as s:
        yield s


@pytest.fixture
def page(browser_page: object, server: WebServer) -> Iterator[object]:
    origin = server.url.removesuffix("/ui/")
    elsewhere: list[str] = []
    browser_page.on("request", lambda r: r.url.startswith((origin, "data:")) or elsewhere.append(r.url))
    yield browser_page
    assert elsewhere == [], "loaded from the network"
    assert browser_page.problems == [], browser_page.problems  # no CSP refusals, no script errors


def open_view(page: object, server: WebServer, path: str = "") -> None:
    page.goto(server.url + path)
    page.wait_for_selector("#summary")


def params(page: object) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def summary(page: object) -> str:
    return page.locator("#summary").text_content()


def top_cells(page: object, name: str) -> list[str]:
    row = page.locator("#toptable tbody tr", has=page.locator("td.name", has_text=name)).first
    return row.locator("td").all_text_contents()


def test_each_view_shows_the_hot_share(page: object, server: WebServer) -> None:
    open_view(page, server, "top")
    assert top_cells(page, "hot")[:2] == ["700ms", "70.00%"]
    open_view(page, server)
    hot = page.locator("#graph g.node", has=page.locator("text", has_text="hot")).first
    assert "700ms (70.00%)" in hot.text_content()
    open_view(page, server, "flamegraph")
    frame = page.locator("#flame g.frames > g", has=page.locator("text", has_text="hot")).first
    frame.locator("rect").hover()
    assert page.locator("#flame g.tip tspan").nth(2).text_content() == "700ms (70.00% of total)"
    open_view(page, server, "peek?g=functions&f=hot")
    assert page.locator("tr.node td").nth(4).text_content() == "70.00%"
    open_view(page, server, "source?f=" + quote("^hot$"))
    assert "(70.00% of total)" in page.locator(".routine .totals").text_content()
    assert page.locator("tr.heat5 td.code").first.text_content().strip() == "for i in range(20_000):"
    assert summary(page) == "Showing 700ms of 1s total (70.00%)"  # the source view focuses, as pprof's


def test_search_box_enter_focuses_and_the_totals_change(page: object, server: WebServer) -> None:
    open_view(page, server, "top")
    assert summary(page) == "Showing 1s of 1s total (100%)"
    page.fill("#search", "cold")
    with page.expect_navigation():
        page.press("#search", "Enter")
    assert params(page)["f"] == ["cold"]
    assert summary(page) == "Showing 300ms of 1s total (30.00%)"
    assert page.locator("#toptable td.name", has_text="hot").count() == 0
    # the chip removes the filter again
    with page.expect_navigation():
        page.click("#chip-f")
    assert "f" not in params(page) and summary(page) == "Showing 1s of 1s total (100%)"


def test_clicking_a_graph_node_focuses_on_it(page: object, server: WebServer) -> None:
    open_view(page, server)
    node = page.locator("#graph g.node", has=page.locator("text", has_text="cold")).first
    with page.expect_navigation():
        node.locator("polygon").click()
    assert params(page)["f"] == ["cold"]
    assert summary(page) == "Showing 300ms of 1s total (30.00%)"


def test_shift_click_selects_nodes_for_the_refine_menu(page: object, server: WebServer) -> None:
    open_view(page, server)
    node = page.locator("#graph g.node", has=page.locator("text", has_text="hot")).first
    node.locator("polygon").click(modifiers=["Shift"])
    assert "selected" in node.get_attribute("class")
    page.click("#refine .menu-name")
    with page.expect_navigation():
        page.click("#refine-ignore")
    assert params(page)["i"] == ["hot"]
    assert summary(page) == "Showing 300ms of 1s total (30.00%)"


def test_graph_pans_and_zooms(page: object, server: WebServer) -> None:
    open_view(page, server)
    viewbox = "() => { const v = document.querySelector('#graph svg').viewBox.baseVal; return [v.x, v.y, v.width]; }"
    x0, y0, w0 = page.evaluate(viewbox)
    box = page.locator("#graph svg").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)
    _x1, _y1, w1 = page.evaluate(viewbox)
    assert w1 < w0
    page.mouse.move(box["x"] + 50, box["y"] + 50)
    page.mouse.down()
    page.mouse.move(box["x"] + 150, box["y"] + 90, steps=5)
    page.mouse.up()
    x2, y2, _w2 = page.evaluate(viewbox)
    assert x2 != _x1 and y2 != _y1
    assert page.url.endswith("/ui/")  # a drag is not a click: no navigation
    page.click("#zoom-fit")
    assert page.evaluate(viewbox) == [x0, y0, w0]


def test_pickers_put_si_and_g_in_the_url(page: object, server: WebServer) -> None:
    open_view(page, server, "top?f=hot")
    with page.expect_navigation():
        page.select_option("#sample", "samples")
    assert params(page) == {"f": ["hot"], "si": ["samples"]}
    assert top_cells(page, "hot")[:2] == ["70", "70.00%"]
    with page.expect_navigation():
        page.select_option("#granularity", "lines")
    assert params(page)["g"] == ["lines"]
    assert page.locator("#toptable td.name", has_text="cpu_split.py:14").count() == 1


def test_top_table_sorts_by_column(page: object, server: WebServer) -> None:
    open_view(page, server, "top")
    names = lambda: page.locator("#toptable td.name").all_text_contents()  # noqa: E731
    assert names()[:2] == ["hot", "cold"]  # by flat
    page.click("#toptable th[data-sort=name]")
    assert names() == sorted(names())
    page.click("#toptable th[data-sort=cum]")
    assert names()[:2] == ["<module>", "main"]
    sums = page.locator("#toptable td.sum").all_text_contents()
    assert sums[-1] == "100%"


def test_a_selected_row_goes_with_a_view_link(page: object, server: WebServer) -> None:
    open_view(page, server, "top")
    page.locator("#toptable td.name", has_text="cold").click()
    with page.expect_navigation():
        page.click("#view-source")
    assert params(page)["f"] == ["cold"]
    assert page.locator(".routine .function").all_text_contents() == ["cold"]


def test_flame_graph_search_box_highlights(page: object, server: WebServer) -> None:
    open_view(page, server, "flamegraph")
    page.fill("#search", "^hot$")
    page.locator("#flame text.matched", has_text="Matched").wait_for()  # after the box's short delay
    assert page.locator("#flame text.matched").text_content() == "Matched: 70.00%"
    assert "f" not in params(page)  # typing highlights; only Enter filters


def test_peek_show_all_fetches_the_lighter_callers_in_place(browser_page: object) -> None:
    from .test_app import many_callers

    with WebServer(many_callers().session).start() as many:
        origin = many.url.removesuffix("/ui/")
        elsewhere: list[str] = []
        browser_page.on("request", lambda r: r.url.startswith((origin, "data:")) or elsewhere.append(r.url))
        open_view(browser_page, many, "peek?g=functions&f=" + quote("^leaf$"))
        callers = browser_page.locator("tr.caller")
        assert callers.count() == 20
        assert "and 130 lighter callers" in browser_page.locator("tr.more").first.text_content()
        browser_page.locator("tr.more a.show-all").first.click()
        callers.nth(149).wait_for()  # (wait_for_function evaluates a string: the CSP refuses it)
        assert callers.count() == 150
        names = browser_page.locator("tr.caller a").all_text_contents()
        assert names == [f"caller_{i:03d}" for i in range(149, -1, -1)]
        assert browser_page.locator("tr.more").count() == 1  # the callees' row is still there
        browser_page.locator("tr.caller a", has_text="caller_007").click()  # a fetched row's link works
        browser_page.wait_for_url("**/peek?f=caller_007*")
        assert elsewhere == [] and browser_page.problems == []
