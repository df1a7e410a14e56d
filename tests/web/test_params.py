"""pprof's web query parameters as perfkit web reads them (the browser and the pprof links are
tested in test_browser.py and test_pprof_links.py)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfkit.errors import PerfkitError
from perfkit.graph import Granularity
from perfkit.web.params import parse_query, quote_regex


def test_pprof_names_map_onto_the_graph_options() -> None:
    q = parse_query(
        "f=hot&i=cold&h=json&s=app&sf=main&tf=handler%3Dhot&ti=bytes%3D1kb%3A&si=alloc_space&g=lines"
        "&n=40&nf=0.01&ef=0.002&sort=cum&norm=t&dropneg=true"
    )
    o = q.options
    assert (o.focus, o.ignore, o.hide, o.show, o.show_from) == ("hot", "cold", "json", "app", "main")
    assert (o.tagfocus, o.tagignore) == ("handler=hot", "bytes=1kb:")
    assert (o.sample_index, o.granularity, o.nodecount) == ("alloc_space", Granularity.LINES, 40)
    assert (o.nodefraction, o.edgefraction, o.sort) == (0.01, 0.002, "cum")
    assert o.normalize is True  # pprof writes normalize as `norm` in its URLs
    assert o.drop_negative is True
    assert {"focus", "nodecount", "granularity", "normalize"} <= q.explicit


def test_empty_values_are_unset_and_the_first_value_wins() -> None:
    # pprof's params.Get: the first value; an empty one leaves the option at its default
    q = parse_query("f=&f=x&i=a&i=b&g=")
    assert q.options.focus is None and q.options.ignore == "a"
    assert q.options.granularity is Granularity.FUNCTIONS
    assert q.params == (("i", "a"),)
    assert "focus" not in q.explicit


def test_unsupported_pprof_parameters_are_reported_not_dropped() -> None:
    q = parse_query("unit=ms&noinlines=t&f=hot&page=3")
    assert q.ignored == ("unit=ms", "noinlines=t")
    assert q.options.focus == "hot"  # and a parameter nobody knows is the page's business


def test_bad_values_name_the_url_parameter() -> None:
    with pytest.raises(PerfkitError, match=r"^URL parameter f \(focus\) '\(': not a valid regular expression"):
        parse_query("f=(")
    with pytest.raises(PerfkitError, match=r"^URL parameter n \(nodecount\) x: not a number"):
        parse_query("n=x")
    with pytest.raises(PerfkitError, match=r"^URL parameter g \(granularity\) words: unknown granularity"):
        parse_query("g=words")


def test_url_keeps_the_query_and_changes_some_parameters() -> None:
    q = parse_query("si=cpu&f=hot&g=lines")
    url = q.url("./top", f=None, i="json")
    assert urlsplit(url).path == "./top"
    assert dict(parse_qsl(urlsplit(url).query)) == {"si": "cpu", "g": "lines", "i": "json"}
    assert parse_query("").url("./") == "./"


def test_quote_regex_escapes_as_pprofs_ui() -> None:
    # pprof's quotemeta escapes exactly \ . ? + * [ ] ( ) { } | ^ $
    assert quote_regex("main.(*T).run") == r"main\.\(\*T\)\.run"
    assert quote_regex("a|b^c$d{1}e?f+g[h]i\\j") == r"a\|b\^c\$d\{1\}e\?f\+g\[h\]i\\j"
    assert quote_regex("<lambda> app.py:10") == r"<lambda> app\.py:10"


@given(st.text(max_size=40))
def test_quote_regex_matches_exactly_its_text(text: str) -> None:
    assert re.fullmatch(quote_regex(text), text)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["f", "i", "h", "s", "sf", "tf", "ti", "si", "g", "n", "nf", "ef", "sort", "norm", "trim", "x", ""]
            ),
            st.text(max_size=12),
        ),
        max_size=8,
    )
)
def test_any_query_parses_or_is_one_line_error(pairs: list[tuple[str, str]]) -> None:
    try:
        q = parse_query(pairs)
    except PerfkitError as exc:
        assert "\n" not in str(exc)
        return
    assert all(v != "" for _k, v in q.params)
    again = parse_query(q.params)  # the canonical query reads back to the same options
    assert again.options == q.options
