"""The flame graph's script in a real browser: Debian's headless chromium driven by Playwright.

Checks what a reader does with the SVG: hover for the tooltip, click to zoom (ancestors stay,
siblings go), reset, search with the "Matched" share (nested matches counted once).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from perfkit.views import flamegraph
from perfkit.views.units import format_percent
from test_flamegraph import PLOT, base_profile, parse, random_profile, small_profile

pytestmark = pytest.mark.browser


class Graph:
    """An opened SVG plus helpers to read its frames back from the live DOM."""

    def __init__(self, browser: object, path: Path, svg: str) -> None:
        path.write_text(svg, encoding="utf-8")
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1300, "height": 900})
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(path.as_uri())
        self.drawn = parse(svg)[1]
        self.frames = self.page.locator("g.frames > g")

    def index(self, name: str, nth: int = 0) -> int:
        return [i for i, d in enumerate(self.drawn) if d.name == name][nth]

    def width(self, i: int) -> float:
        return float(self.frames.nth(i).locator("rect").get_attribute("width"))

    def state(self) -> list[tuple[str | None, str | None, str, bool]]:
        """(x, width, class, displayed) of every frame, read in one round trip."""
        return self.page.eval_on_selector_all(
            "g.frames > g",
            "gs => gs.map(g => [g.firstChild.getAttribute('x'), g.firstChild.getAttribute('width'),"
            " g.getAttribute('class') || '', getComputedStyle(g).display !== 'none'])",
        )

    def visible(self, i: int) -> bool:
        return self.frames.nth(i).is_visible()


@pytest.fixture
def graph(browser: object, tmp_path: Path) -> Iterator[Graph]:
    g = Graph(browser, tmp_path / "small.svg", flamegraph.write(small_profile(), title="Browser", granularity="line"))
    yield g
    assert g.errors == []
    g.page.close()


def test_hover_shows_tooltip(graph: Graph) -> None:
    tip = graph.page.locator("g.tip")
    assert not tip.is_visible()
    graph.frames.nth(graph.index("get")).locator("rect").hover()
    assert tip.is_visible()
    lines = graph.page.locator("g.tip tspan").all_text_contents()
    assert lines == [
        "get",
        "/venv/lib/python3.11/site-packages/requests/api.py:73",
        f"250ms ({format_percent(250, 853)} of total)",
    ]
    assert graph.page.locator("text.details").text_content().startswith("get (/venv/lib/")
    # native frames say so; moving off the graph hides the tooltip
    graph.frames.nth(graph.index("PyObject_Malloc")).locator("rect").hover(force=True)
    assert graph.page.locator("g.tip tspan").all_text_contents()[1] == "native code (no file)"
    graph.page.mouse.move(5, 5)
    assert not tip.is_visible()


def test_click_zooms_and_reset_restores(graph: Graph) -> None:
    before = graph.state()
    unzoom = graph.page.locator("text.unzoom")
    assert not unzoom.is_visible()
    lam = graph.index("<lambda>", 1)  # the lambda under handle: 120ms of 853ms
    assert graph.width(lam) == pytest.approx(120 / 853 * PLOT, abs=0.1)
    graph.frames.nth(lam).locator("rect").click()
    assert graph.width(lam) == pytest.approx(PLOT, abs=0.1)
    amp = graph.index('a&b "quoted" <tag>')
    assert graph.width(amp) == pytest.approx(PLOT, abs=0.1)  # its only child fills it too
    for name in ("get", "loads", "decode", "PyObject_Malloc"):  # siblings and cousins hidden
        assert not graph.visible(graph.index(name)), name
    for name in ("all", "<module>", "handle"):  # ancestors stay, full width and dimmed
        i = graph.index(name)
        assert graph.visible(i) and graph.width(i) == pytest.approx(PLOT, abs=0.1)
        assert "parent" in graph.frames.nth(i).get_attribute("class")
    assert graph.frames.nth(lam).locator("text").text_content() == "<lambda>"
    assert unzoom.is_visible()
    unzoom.click()
    assert graph.state() == before
    assert not unzoom.is_visible()
    # zoom deeper twice, then reset by clicking the root frame
    graph.frames.nth(graph.index("loads")).locator("rect").click()
    assert graph.width(graph.index("decode")) == pytest.approx(PLOT, abs=0.1)
    assert not graph.visible(graph.index("get"))
    graph.frames.nth(graph.index("all")).locator("rect").click()
    assert graph.state() == before


def test_search_highlights_and_reports_matched_share(graph: Graph) -> None:
    matched = graph.page.locator("text.matched")
    graph.page.once("dialog", lambda dialog: dialog.accept("^(get|decode)$"))
    graph.page.locator("text.search").click()
    hits = [i for i, (_x, _w, cls, _shown) in enumerate(graph.state()) if "hit" in cls.split()]
    assert sorted(graph.drawn[i].name for i in hits) == ["decode", "get"]
    assert matched.text_content() == f"Matched: {format_percent(650, 853)}"
    fill = graph.frames.nth(hits[0]).locator("rect").evaluate("r => getComputedStyle(r).fill")
    assert fill == "rgb(230, 0, 230)"
    # the button now resets the search
    assert graph.page.locator("text.search").text_content() == "Reset Search"
    graph.page.locator("text.search").click()
    assert not any("hit" in cls.split() for _x, _w, cls, _shown in graph.state())
    assert matched.text_content().strip() == ""


def test_search_counts_nested_matches_once(graph: Graph) -> None:
    # handle (820ms) contains get, loads and a <lambda>; the other <lambda> (30ms) is outside it
    graph.page.once("dialog", lambda dialog: dialog.accept("handle|get|lambda"))
    graph.page.locator("text.search").click()
    hits = [graph.drawn[i].name for i, (_x, _w, cls, _shown) in enumerate(graph.state()) if "hit" in cls.split()]
    assert sorted(hits) == ["<lambda>", "<lambda>", "get", "handle"]
    assert graph.page.locator("text.matched").text_content() == f"Matched: {format_percent(850, 853)}"
    # a file:line match works too, and a bad regex is reported, not thrown
    assert graph.page.evaluate("document.documentElement.perfkitFlame.search('json/decoder')") == 400_000_000
    assert graph.page.evaluate("document.documentElement.perfkitFlame.search('(')") == -1
    assert "Not a regular expression" in graph.page.locator("text.matched").text_content()


def test_diff_tooltip_shows_change(browser: object, tmp_path: Path) -> None:
    g = Graph(browser, tmp_path / "diff.svg", flamegraph.write(small_profile(), base=base_profile()))
    g.frames.nth(g.index("decode")).locator("rect").hover()
    assert g.page.locator("g.tip tspan").all_text_contents()[-1] == "base 200ms \u2192 400ms (+100.0%)"
    g.frames.nth(g.index("<lambda>", 1)).locator("rect").hover()
    assert g.page.locator("g.tip tspan").all_text_contents()[-1] == "base 0 \u2192 120ms (new)"
    assert g.errors == []
    g.page.close()


def test_icicle_and_many_frames(browser: object, tmp_path: Path) -> None:
    profile = random_profile(3000)
    g = Graph(browser, tmp_path / "icicle.svg", flamegraph.write(profile, inverted=True, minwidth=0))
    assert len(g.drawn) > 2000
    deepest = max(range(len(g.drawn)), key=lambda i: (g.drawn[i].depth, g.drawn[i].value))
    g.page.evaluate(f"document.documentElement.perfkitFlame.zoom({deepest})")
    assert g.width(deepest) == pytest.approx(PLOT, abs=0.1)
    shown = [i for i, (_x, _w, _cls, displayed) in enumerate(g.state()) if displayed]
    assert len(shown) == g.drawn[deepest].depth + 1  # the leaf and its ancestors only
    g.page.keyboard.press("Escape")
    assert all(displayed for _x, _w, _cls, displayed in g.state())
    assert g.errors == []
    g.page.close()


def test_two_graphs_inline_in_one_html_page(browser: object, tmp_path: Path) -> None:
    """The HTML report embeds several graphs in one page: each script must drive only its own."""
    svgs = [flamegraph.write(small_profile(), title=t).split("?>\n", 1)[1] for t in ("First", "Second")]
    html = "<!doctype html><html><body>" + "".join(f"<div>{s}</div>" for s in svgs) + "</body></html>"
    page_path = tmp_path / "report.html"
    page_path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_path.as_uri())
    drawn = parse(flamegraph.write(small_profile()))[1]
    lam = [i for i, d in enumerate(drawn) if d.name == "<lambda>"][1]
    first, second = page.locator("svg.pkflame").nth(0), page.locator("svg.pkflame").nth(1)
    second.locator("g.frames > g").nth(lam).locator("rect").click()
    width = "g => parseFloat(g.firstChild.getAttribute('width'))"
    assert second.locator("g.frames > g").nth(lam).evaluate(width) == pytest.approx(PLOT, abs=0.1)
    assert first.locator("g.frames > g").nth(lam).evaluate(width) == pytest.approx(120 / 853 * PLOT, abs=0.1)
    assert second.locator("text.unzoom").is_visible() and not first.locator("text.unzoom").is_visible()
    first.locator("g.frames > g").nth(lam).locator("rect").hover()
    assert first.locator("g.tip").is_visible() and not second.locator("g.tip").is_visible()
    assert errors == []
    page.close()
