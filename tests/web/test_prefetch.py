"""The prefetcher: the other views of the page being read are made ready, newest query first."""

from __future__ import annotations

import threading
import urllib.request

from perfkit.web import Session, WebServer
from perfkit.web.params import parse_query
from perfkit.web.prefetch import Prefetcher

from .webprofiles import split_profile


def test_a_served_page_gets_its_other_views_ready() -> None:
    session = Session(split_profile(), name="split")
    with WebServer(session).start() as server:
        assert server.prefetcher.wait_idle(60)  # the default settings, right after start
        defaults = parse_query("").params
        for view in ("graph", "top", "flamegraph"):
            assert (view, defaults) in session._results and ("html", view, defaults) in session._results
        with urllib.request.urlopen(server.url + "top?f=cold", timeout=60) as response:
            assert response.status == 200
        assert server.prefetcher.wait_idle(60)
        focused = parse_query("f=cold").params
        for view in ("graph", "flamegraph", "source", "peek"):
            assert ("html", view, focused) in session._results, view


def test_only_the_newest_query_is_worked_on() -> None:
    made: list[tuple[str, tuple]] = []
    first_started, release = threading.Event(), threading.Event()

    def make(view: str, params: tuple) -> None:
        if not made:
            first_started.set()
            release.wait(30)
        made.append((view, params))

    prefetcher = Prefetcher(make)
    a, b, c = (("f", "a"),), (("f", "b"),), (("f", "c"),)
    prefetcher.want(a)
    assert first_started.wait(30)
    prefetcher.want(b)
    prefetcher.want(c)  # b is replaced before it starts
    release.set()
    assert prefetcher.wait_idle(30)
    prefetcher.close()
    assert made[0] == ("top", a)  # the view under way finishes
    assert [p for _v, p in made[1:]] == [c] * 5  # then only the newest query, every view
    assert [v for v, _p in made[1:]] == ["top", "flamegraph", "source", "graph", "peek"]


def test_requests_go_first() -> None:
    made: list[str] = []
    busy = threading.Event()
    busy.set()
    prefetcher = Prefetcher(lambda view, params: made.append(view), busy.is_set)
    prefetcher.want((("f", "x"),))
    assert not prefetcher.wait_idle(0.5) and made == []  # nothing while a request is answered
    busy.clear()
    assert prefetcher.wait_idle(30)
    prefetcher.close()
    assert made == ["top", "flamegraph", "source", "graph", "peek"]
