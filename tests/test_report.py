"""perfkit.views.report: the one-file HTML report.

Checked: it parses with balanced tags, holds the run facts, the top rows, per-thread and per-task
shares and one inline flame graph <svg> per sample type, references nothing outside itself,
escapes hostile names, renders an empty profile, and (in chromium) loads without errors or
network requests.  The golden file covers the page around the flame graphs, which are blanked
before comparing so the flame graph's own golden tests own that part; regenerate with
``PERFKIT_UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from perfkit import files
from perfkit.model import Frame, NumLabel, Profile, ValueType
from perfkit.views import report

GOLDEN = Path(__file__).parent / "golden" / "views"
EVIL = "<script>alert('pwned')</script>"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
URL_ATTRS = {"href", "src", "xlink:href", "action", "data", "poster", "srcset", "formaction"}


class Page(HTMLParser):
    """Collects what the tests look at, and fails on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self.svg_depths: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "svg":
            self.svg_depths.append(len(self.open))
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        current = self.open[-1] if self.open else ""
        if current == "script":
            self.scripts.append(data)
        elif current == "style":
            self.styles.append(data)
        else:
            self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert not page.errors, page.errors[:5]
    assert page.open == [], f"unclosed: {page.open}"
    return page


def run_profile() -> Profile:
    """Two sample types, two threads (one with a task), a hostile function name and hostile metadata."""
    cpu, samples = ValueType("cpu", "nanoseconds"), ValueType("samples", "count")
    p = Profile(
        [cpu, samples],
        period=10_000_000,
        period_type=cpu,
        metadata={
            "command": ["python", "svc.py", "--name", "</dd><script>alert(2)</script>"],
            "backend": "py-spy",
            "python": "3.11.9",
            "duration_ns": 2_500_000_000,
            "start_ns": 1_700_000_000_000_000_000,
            "interrupted": True,
            "hostname": "build-box",
        },
    )
    main = Frame("main", "svc.py", 3)
    p.add([main, Frame("hot", "svc.py", 10)], (600_000_000, 60), {"thread": "MainThread"})
    p.add([main, Frame(EVIL, "svc.py", 12)], (100_000_000, 10), {"thread": "MainThread"})
    p.add([main, Frame("cold", "svc.py", 20)], (300_000_000, 30), {"thread": "worker-1", "task": "fetch"})
    return p


@pytest.fixture(scope="module")
def html() -> str:
    return report.write(run_profile(), title="svc report")


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return parse(html)


def texts(page: Page) -> str:
    return " ".join(" ".join(page.text).split())


def test_parses_with_balanced_tags(page: Page) -> None:
    assert page.tags[0][0] == "html"
    assert any(tag == "title" for tag, _ in page.tags)


def test_run_facts(page: Page) -> None:
    body = texts(page)
    for fact in (
        "command",
        "backend py-spy",
        "python 3.11.9",
        "duration 2.50s",
        "samples 100",
        "period 10ms of cpu",
        "start time 2023-11-14 22:13:20 UTC",
        "interrupted yes",
        "hostname build-box",
    ):
        assert fact in body, fact


def test_top_rows(page: Page) -> None:
    rows = [attrs for tag, attrs in page.tags if tag == "table" and attrs.get("class") == "top"]
    assert len(rows) == 2, "one top table per sample type"
    body = texts(page)
    assert "600ms 60.00% 60.00% 600ms 60.00% hot svc.py" in body
    assert "300ms 30.00% 90.00% 300ms 30.00% cold svc.py" in body
    assert "60 60.00% 60.00% 60 60.00% hot svc.py" in body


def test_thread_and_task_shares(html: str, page: Page) -> None:
    body = texts(page)
    assert "MainThread 700ms 70.00%" in body and "worker-1 300ms 30.00%" in body
    assert "fetch 300ms 30.00%" in body and "(no task label) 700ms 70.00%" in body
    assert 'style="width: 70.00%"' in html and 'style="width: 30.00%"' in html


def test_numeric_thread_labels_with_equal_shares() -> None:
    """pprof files may carry ``thread`` as a number (``num``); ties used to crash the sort."""
    p = Profile([ValueType("cpu", "nanoseconds")])
    p.add([Frame("a", "x.py", 1)], (5,), {"thread": NumLabel(2)})
    p.add([Frame("b", "x.py", 1)], (5,), {"thread": NumLabel(1, "id")})
    p.add([Frame("c", "x.py", 1)], (5,), {"thread": "main"})
    shares = report.breakdown(p, "thread", 0)
    assert [s.name for s in shares] == ["1 id", "2", "main"]


def test_one_inline_flame_graph_per_sample_type(html: str, page: Page) -> None:
    # top-level <svg> elements (nested svgs inside a flame graph do not count)
    outer = [d for d in page.svg_depths if d == min(page.svg_depths)]
    assert len(outer) == 2
    for anchor in ("type-0", "type-1"):
        panel = html[html.index(f'id="{anchor}"') :]
        flame = panel[panel.index('<div class="flame">') :]
        assert flame[len('<div class="flame">') :].lstrip().startswith("<svg"), "the SVG sits inline"
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html


def test_sample_type_selector(page: Page) -> None:
    radios = [a for t, a in page.tags if t == "input" and a.get("type") == "radio"]
    assert [r["id"] for r in radios] == ["tab-type-0", "tab-type-1"]
    labels = [a.get("for") for t, a in page.tags if t == "label"]
    assert labels == ["tab-type-0", "tab-type-1"] * 2, "the totals table and the tab bar both switch"


def test_chosen_sample_type_comes_first() -> None:
    page = parse(report.write(run_profile(), sample_type="samples"))
    panels = [a["id"] for t, a in page.tags if t == "section" and "panel" in (a.get("class") or "")]
    assert panels == ["type-1", "type-0"]


def test_no_external_references(html: str, page: Page) -> None:
    for tag, attrs in page.tags:
        assert tag not in ("link", "iframe", "object", "embed"), tag
        for name, value in attrs.items():
            if name in URL_ATTRS and value:
                assert not re.match(r"\s*(https?:)?//", value, re.I), f"<{tag} {name}={value}>"
        if tag == "script":
            assert "src" not in attrs
    for css in page.styles:
        assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//|@import", css, re.I)
    # the only http(s) strings allowed are XML namespace names (in xmlns attributes or the flame
    # graph script's createElementNS calls), which browsers never fetch
    leftovers = re.sub(r"http://www\.w3\.org/(2000/svg|1999/xlink|1999/xhtml)\b", "", html)
    assert not re.search(r"https?://", leftovers), re.search(r".{40}https?://.{40}", leftovers)


def test_hostile_names_are_escaped(html: str, page: Page) -> None:
    # one script per flame graph and nothing else; names inside them are JSON data that cannot
    # open or close a tag
    assert sum(1 for tag, _ in page.tags if tag == "script") == 2
    assert all("</" not in script and "<script" not in script.lower() for script in page.scripts)
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    body = texts(page)
    assert EVIL in body, "the name is shown as text"
    assert "</dd><script>alert(2)</script>" in body


def test_empty_profile_renders() -> None:
    page = parse(report.write(Profile()))
    body = texts(page)
    assert "profile is empty" in body
    assert "interrupted no" in body and "samples 0" in body


def test_registry_writes_html(tmp_path: Path) -> None:
    out = files.save(run_profile(), tmp_path / "run.html")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "</html>" in text
    assert files.writer_for(Path("x.htm")).name == "html"


def _blank_flames(html: str) -> str:
    """Replace each flame graph's content so the golden covers only this page's own markup."""
    return re.sub(r'(<div class="flame">).*?(</div>\n    </div>)', r"\1[flame graph]\2", html, flags=re.S)


def test_golden_page() -> None:
    text = _blank_flames(report.write(run_profile(), title="svc report"))
    assert text.count("[flame graph]") == 2
    path = GOLDEN / "report.html"
    if os.environ.get("PERFKIT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.browser
def test_loads_in_chromium_offline_without_errors(chromium: str, tmp_path: Path) -> None:
    """The page runs in a real browser: no script errors, no network, tabs switch, SVG visible."""
    sync_api = pytest.importorskip("playwright.sync_api")
    path = files.save(run_profile(), tmp_path / "run.html")
    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("request", lambda req: requests.append(req.url))
            page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            first = page.locator("#type-0 .flame svg").first
            assert first.is_visible() and first.bounding_box()["width"] > 100
            assert not page.locator("#type-1").is_visible()
            # every inline graph's script ran and bound to its own <svg>
            bound = page.evaluate("Array.from(document.querySelectorAll('.flame svg')).map(s => !!s.perfkitFlame)")
            assert bound == [True, True]
            # clicking a frame zooms that graph only
            page.locator("#type-0 .frames g").nth(1).click()
            assert "hide" not in (page.locator("#type-0 .unzoom").get_attribute("class") or "")
            assert "hide" in (page.locator("#type-1 .unzoom").get_attribute("class") or "")
            page.click("label[for=tab-type-1]")
            assert page.locator("#type-1 .flame svg").first.is_visible()
            assert not page.locator("#type-0").is_visible()
        finally:
            browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
