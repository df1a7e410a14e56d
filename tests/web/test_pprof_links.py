"""pprof links work on perfkit web: URLs exactly as ``go tool pprof -http`` builds them, asked of
both servers, must show the same filter applied (the same rows, nodes, callers and lines).

Two sources of real pprof URLs: the address pprof opens in the browser when started with
filtering flags (its config as query parameters; $BROWSER records it), and the links pprof's own
page script builds when a user selects functions and picks Refine, a view or a sample type
(driven in headless chromium).  The profiles are the Go runtime's, from tests/golang/recorder.go.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from goprofiles import GoProfiles
from perfkit import files
from perfkit.web import Session, WebServer

from .webpages import (
    node_names,
    peek_blocks,
    pprof_legend,
    pprof_nodes,
    pprof_peek,
    pprof_source,
    pprof_top,
    source_routines,
    summary,
    top_rows,
)

pytestmark = pytest.mark.gotool


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode("utf-8")


@contextmanager
def pprof_http(
    go_tool: str, profile: Path, work: Path, *flags: str, browser: bool = False
) -> Iterator[tuple[str, Path]]:
    """``go tool pprof -http`` on ``profile``; yields its base URL and the file that receives the
    URL pprof opens in the "browser" (a script standing in for one, through $BROWSER)."""
    port = free_port()
    opened = work / f"opened-{port}.txt"
    recorder = work / "browser.py"
    recorder.write_text(
        f"#!{sys.executable}\nimport pathlib, sys\npathlib.Path(sys.argv[1] + '.tmp').write_text(sys.argv[2])\n"
        "pathlib.Path(sys.argv[1] + '.tmp').rename(sys.argv[1])\n"
    )
    recorder.chmod(0o755)
    env = {**os.environ, "HOME": str(work), "PPROF_TMPDIR": str(work), "BROWSER": f"{recorder} {opened}"}
    args = [go_tool, "tool", "pprof", f"-http=127.0.0.1:{port}", *flags, str(profile)]
    if not browser:
        args.insert(3, "-no_browser")
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(base + "/ui/top")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"go tool pprof -http did not start: {proc.stderr.read()}") from None
                time.sleep(0.2)
        yield base, opened
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stderr.close()


@pytest.fixture(scope="module")
def servers(go_profiles: GoProfiles) -> Iterator[dict[str, WebServer]]:
    """perfkit web on the Go recorder's CPU and heap profiles."""
    made = {
        name: WebServer(Session(files.load(path), name=path.name)).start(prefetch=False)
        for name, path in (("cpu", go_profiles.cpu), ("heap", go_profiles.heap))
    }
    yield made
    for server in made.values():
        server.close()


def compare(pprof_base: str, ours: WebServer, url: str) -> None:
    """The page at ``url``'s path and query, from pprof and from perfkit, shows the same."""
    parts = urlsplit(url)
    path_query = parts.path + ("?" + parts.query if parts.query else "")
    theirs, mine = fetch(pprof_base + path_query), fetch(ours.url.removesuffix("/ui/") + path_query)
    view = parts.path.removeprefix("/ui/")
    if view == "top":
        want = pprof_top(theirs)
        got = {name: (flat, cum) for name, (flat, cum, _pct) in top_rows(mine).items()}
    elif view == "":
        want, got = sorted(pprof_nodes(theirs)), sorted(node_names(mine))
    elif view == "peek":
        want, got = pprof_peek(theirs), peek_blocks(mine)
    elif view == "source":
        want, got = pprof_source(theirs), source_routines(mine)
    elif view == "flamegraph":
        shown = next(line for line in pprof_legend(theirs) if line.startswith("Showing nodes accounting for"))
        want = "(" + shown.split(", ")[1].split(" of ")[0] + ")"
        got = summary(mine)[-len(want) :]
    else:
        raise AssertionError(f"no comparison for {path_query}")
    assert want, f"pprof's {path_query} shows nothing to compare"
    assert got == want, path_query


@pytest.mark.parametrize(
    ("flags", "expect"),
    [
        (("-focus=main.hot",), "f=main.hot"),
        (("-ignore=main.hot",), "i=main.hot"),
        (("-tagfocus=handler=cold",), "tf=handler%3Dcold"),
        (("-tagignore=handler=cold",), "ti=handler%3Dcold"),
        (("-hide=runtime", "-focus=main"), "h=runtime"),
        (("-show=main\\.",), "s=main%5C."),
        (("-show_from=main.main",), "sf=main.main"),
        (("-lines", "-focus=spin"), "g=lines"),
        (("-nodecount=4",), "n=4"),
    ],
)
def test_the_url_pprof_opens_shows_the_same_here(
    go_tool: str,
    go_profiles: GoProfiles,
    servers: dict[str, WebServer],
    tmp_path: Path,
    flags: tuple[str, ...],
    expect: str,
) -> None:
    with pprof_http(go_tool, go_profiles.cpu, tmp_path, *flags, browser=True) as (base, opened):
        deadline = time.monotonic() + 30
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        url = opened.read_text()
        assert expect in url, url  # the filter is in pprof's own URL
        query = urlsplit(url).query
        for view in ("/ui/top", "/ui/", "/ui/flamegraph"):
            compare(base, servers["cpu"], f"{view}?{query}")


@pytest.mark.browser
def test_links_pprofs_page_builds_work_here(
    go_tool: str, go_profiles: GoProfiles, servers: dict[str, WebServer], tmp_path: Path, browser_page: object
) -> None:
    page = browser_page
    urls: list[str] = []

    def menu_link(menu: str, link: str) -> str:
        page.locator(f"#{menu} .menu-name").dispatch_event("mousedown")
        page.locator(f"#{link}").hover()  # pprof writes the selection into the link on mouseenter
        return page.locator(f"#{link}").get_attribute("href")

    def select_rows(*names: str) -> None:
        for name in names:
            page.locator("#toptable tr", has=page.locator("td", has_text=name)).first.dispatch_event("mousedown")

    with pprof_http(go_tool, go_profiles.cpu, tmp_path) as (base, _):
        page.goto(base + "/ui/top")
        select_rows("main.hot")
        urls.append(menu_link("refine", "focus"))  # /ui/top?f=main\.hot
        urls.append(menu_link("view", "peek"))  # the selection goes with the view links
        urls.append(menu_link("view", "list"))
        urls.append(menu_link("view", "graphbtn"))
        select_rows("main.cold")  # now main.hot and main.cold
        urls.append(menu_link("refine", "show"))
        urls.append(menu_link("view", "flamegraph"))
        page.goto(base + "/ui/top?i=runtime%5C.asyncPreempt")
        select_rows("main.cold")
        urls.append(menu_link("refine", "ignore"))  # pprof adds to the ignore already there
        page.goto(base + "/ui/")  # the graph: click a node to select it, then hide it
        page.locator("#graph0 g.node", has=page.locator("title", has_text="N")).first.wait_for()
        hot = page.locator("#graph0 g.node", has=page.locator("text", has_text="spin")).first
        hot.locator("polygon").dispatch_event("mousedown", {"button": 0})
        hot.locator("polygon").dispatch_event("mouseup", {"button": 0})
        urls.append(menu_link("refine", "hide"))
        page.goto(base + "/ui/top")
        page.fill("#search", "main\\.(hot|cold)")
        with page.expect_navigation():
            page.press("#search", "Enter")
        urls.append(page.url)
        for url in urls:
            compare(base, servers["cpu"], url)
    queries = [urlsplit(u).query for u in urls]
    assert "f=main%5C.hot" in queries and "s=main%5C.hot%7Cmain%5C.cold" in queries
    assert any(q.startswith("i=main%5C.cold%7Cruntime%5C.asyncPreempt") for q in queries)
    assert any(q.startswith("h=main%5C.spin") for q in queries)

    with pprof_http(go_tool, go_profiles.heap, tmp_path) as (base, _):
        page.goto(base + "/ui/top")
        samples = [page.locator(f"#sample #{t}").get_attribute("href") for t in ("alloc_space", "inuse_objects")]
        assert [urlsplit(s).query for s in samples] == ["si=alloc_space", "si=inuse_objects"]
        for href in samples:
            for view in ("/ui/top", "/ui/"):
                compare(base, servers["heap"], f"{view}?{urlsplit(href).query}")
