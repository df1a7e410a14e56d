"""benchstat's filter and projection language (Go's benchproc syntax): parsing, errors, keys,
orders, and arbitrary input never breaking the parser (property-based). Go's own output for
these options is compared in test_benchstat_parity.py."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.bench import projection, query
from perfkit.bench.results import Config, Result, Value


def result(name: str, **config: str) -> Result:
    entries = [(".file", "f.txt", False)] + [(k, v, True) for k, v in config.items()]
    return Result(name, 1, [Value(1e-9, "sec/op", "ns/op"), Value(8.0, "B/op")], Config(entries))


def matches(expression: str, r: Result) -> list[bool] | None:
    return projection.apply_filter(projection.compile_filter(expression), r)


def test_filter_terms_and_operators() -> None:
    r = result("Encode/format=json/size=4k-8", goos="linux", pkg="x/y")
    assert matches("*", r) == [True, True]
    assert matches(".name:Encode goos:linux", r) == [True, True]
    assert matches("/format:json AND -/size:1k", r) == [True, True]
    assert matches(".name:Decode OR pkg:/^x\\//", r) == [True, True]
    assert matches("/format:(gob OR /js.n/)", r) == [True, True]
    assert matches(".fullname:Encode", r) is None
    assert matches("/gomaxprocs:8 .file:f.txt", r) == [True, True]
    assert matches('"goos":"linux"', r) == [True, True]


def test_unit_filters_pick_values_by_tidied_or_written_unit() -> None:
    r = result("X")
    assert matches(".unit:ns/op", r) == [True, False]
    assert matches(".unit:sec/op", r) == [True, False]
    assert matches("-.unit:B/op", r) == [True, False]
    assert matches(".unit:B/op OR goos:none", r) == [False, True]
    assert matches(".unit:nothing", r) is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("", "expected key:value or subexpression"),
        ("a", "expected key:value"),
        ("a:(b c)", "value list must be separated by OR"),
        ("a:/x", 'missing close "/"'),
        ("a:/(/", 'missing close "/"'),
        ("a:/x/y", "regexp must be followed by space or an operator"),
        ("(a:b", 'missing ")"'),
        ("a:b)", "unexpected ')'"),
        ('a:"x', "missing end quote"),
        ('a:"\\q"', "bad escape sequence"),
        ("a:/*x/", "error parsing regexp"),
        (".config:x", ".config is only allowed in projections"),
    ],
)
def test_filter_errors(expression: str, message: str) -> None:
    with pytest.raises(query.QuerySyntaxError, match=message.replace("(", "\\(").replace(")", "\\)")):
        projection.compile_filter(expression)


@pytest.mark.parametrize(
    ("expression", "message"),
    [(",a", "expected key"), ("a@", "expected named sort order"), ("a@()", "nothing to match"),
     ("a@(b", "missing \\)"), ("-a", "expected key"), ("a@wild", 'unknown order "wild"'),
     (".unit", ".unit is only allowed in filters"), (".config@(x)", "fixed order not allowed")],
)  # fmt: skip
def test_projection_errors(expression: str, message: str) -> None:
    with pytest.raises(query.QuerySyntaxError, match=message):
        projection.ProjectionParser().parse(expression)


def test_keys_and_exclusions() -> None:
    parser = projection.ProjectionParser()
    table = parser.parse_with_unit(".config")
    row = parser.parse(".fullname")
    col = parser.parse("/format,goos")
    residue = parser.residue()
    r = result("Encode/format=json/size=4k-8", goos="linux", pkg="x/y")
    assert row.label(row.project(r)) == "Encode/size=4k-8"  # /format is a column: out of the name
    assert col.label(col.project(r)) == "json linux"
    assert [table.label(k) for k in table.project_values(r)] == ["x/y sec/op", "x/y B/op"]  # goos left .config
    assert residue.empty


def test_orders() -> None:
    parser = projection.ProjectionParser()
    num = parser.parse("/size@num")
    keys = [num.project(result(f"X/size={s}")) for s in ("1Mi", "64k", "512", "2k", "x")]
    assert [num.label(k) for k in num.sort(keys)] == ["512", "2k", "64k", "1Mi", "x"]
    fixed = projection.ProjectionParser().parse("/f@(b a)")
    keys = [fixed.project(result(f"X/f={s}")) for s in ("a", "b")]
    assert [fixed.label(k) for k in fixed.sort(keys)] == ["b", "a"]
    first = projection.ProjectionParser().parse("/f")
    keys = [first.project(result(f"X/f={s}")) for s in ("z", "a", "m")]
    assert [first.label(k) for k in first.sort(list(reversed(keys)))] == ["z", "a", "m"]  # as first seen


def test_names() -> None:
    assert projection.name_base("Encode/format=json-8") == "Encode"
    assert projection.name_base("Encode-8") == "Encode"
    assert projection.name_parts("A/x=1/pos-16") == ("A", ["/x=1", "/pos", "-16"])
    assert projection.name_parts("-8") == ("", ["-8"])


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(' :()"/-*@,\\abcAND OR.xyz=^$[]{}|?+')), max_size=30))
def test_any_text_parses_or_fails_with_a_syntax_error(expression: str) -> None:
    for parse in (projection.compile_filter, projection.ProjectionParser().parse):
        try:
            parse(expression)
        except query.QuerySyntaxError as exc:
            assert exc.message and 0 <= exc.offset <= len(expression)
