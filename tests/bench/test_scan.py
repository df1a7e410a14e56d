"""The C scanner (perfkit.bench._scan): the same numbers as float(), the same lines taken as the
Python reader's checked path, and the same tables from any input, corrupt ones included."""

from __future__ import annotations

import io
import struct
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfkit.bench import benchstat, feeder, render

from . import corpus_gen

SCAN = feeder.scanner()
needs_scan = pytest.mark.skipif(SCAN is None, reason="the C scanner is not built (no C compiler at install)")


def test_an_install_with_a_compiler_builds_the_scanner() -> None:
    """CI installs gcc: there the scanner must exist, or every test below would skip unseen."""
    import os
    import shutil

    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler here")
    if os.environ.get("PERFKIT_BENCHSTAT_PURE", "") not in ("", "0"):
        pytest.skip("PERFKIT_BENCHSTAT_PURE turns the scanner off")
    assert SCAN is not None


def _scan_one_unit(tokens: list[bytes], factor: float | None = None) -> tuple[int, list[float]]:
    buffer = b"".join(b"BenchmarkX 1 " + t + b" u\n" for t in tokens)
    factors = None if factor is None else array("d", [factor]).tobytes()
    assert SCAN is not None
    _, taken, values, _, _ = SCAN(buffer, 0, {b"BenchmarkX": ((b"u",), array("i", [0]).tobytes(), factors)})
    return taken, list(array("d", values))


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


decimals = st.from_regex(r"\A[+-]?([0-9]{1,25}(\.[0-9]{0,25})?|\.[0-9]{1,25})([eE][+-]?[0-9]{1,3})?\Z", fullmatch=True)


@needs_scan
@settings(max_examples=400, deadline=None)
@given(st.lists(decimals, min_size=1, max_size=20))
def test_plain_decimals_read_bit_for_bit_as_float_does(tokens: list[str]) -> None:
    """The fast decimal path (Clinger's) and CPython's parser behind it agree with float()."""
    raw = [t.encode() for t in tokens]
    taken, values = _scan_one_unit(raw)
    expected = [float(t) for t in tokens]
    ok = 0
    for value in expected:
        if not (abs(value) < 1e300):
            break  # huge or infinite numbers stop the scan: Python reads that line
        ok += 1
    assert taken == ok
    assert [_bits(v) for v in values] == [_bits(v) for v in expected[:ok]]


@needs_scan
@pytest.mark.parametrize(
    "token",
    [b"9007199254740993", b"1e23", b"2.2250738585072014e-308", b"4.9e-324", b"0.1", b"1e22", b"123456789012345678",
     b"1234567890123456789", b"0.000000000000000000000000000001", b"-0", b"+0.0", b".5", b"5.", b"1e-22", b"3e-23"],
)  # fmt: skip
def test_hard_decimals(token: bytes) -> None:
    taken, values = _scan_one_unit([token])
    assert taken == 1 and _bits(values[0]) == _bits(float(token))


@needs_scan
@pytest.mark.parametrize(
    "token",
    [b"NaN", b"Inf", b"+Inf", b"-inf", b"1_000", b"0x10", b"1e", b"1e+", b".", b"-", b"1.5.2", b"1e400", b"\xc2\xb9"],
)
def test_what_is_not_a_plain_decimal_stops_the_scan(token: bytes) -> None:
    assert _scan_one_unit([b"1", token, b"2"])[0] == 1


@needs_scan
def test_a_zero_in_a_scaled_unit_stops_the_scan_and_others_are_scaled() -> None:
    assert _scan_one_unit([b"2", b"0", b"3"], factor=1e-9) == (1, [2e-9])
    assert _scan_one_unit([b"0", b"7"], factor=1.0) == (2, [0.0, 7.0])


@needs_scan
def test_lines_it_leaves_to_python() -> None:
    shapes = {b"BenchmarkA-8": ((b"ns/op", b"B/op"), array("i", [4, 5]).tobytes(), None)}
    assert SCAN is not None
    good = b"BenchmarkA-8 \t 100  1.5 ns/op\t3 B/op\r\n"
    for bad in [
        b"BenchmarkB-8 100 1.5 ns/op 3 B/op\n",  # another name
        b"BenchmarkA-8 100 1.5 ns/op 3 MB/s\n",  # other units
        b"BenchmarkA-8 100 1.5 ns/op\n",  # fewer fields
        b"BenchmarkA-8 100 1.5 ns/op 3 B/op 4\n",  # an odd field
        b"BenchmarkA-8 1e2 1.5 ns/op 3 B/op\n",  # not a decimal count
        b"BenchmarkA-8 1234567890123456789 1.5 ns/op 3 B/op\n",  # a count Go's int may not hold
        b"BenchmarkA-8 100 1.5 ns/op 3 B/op \xe2\x80\x83\n",  # a byte outside ASCII
        b" BenchmarkA-8 100 1.5 ns/op 3 B/op\n",  # not at the start of the line
        b"note: x\n",
    ]:
        position, taken, values, slots, _ = SCAN(good + good + bad + good, 0, shapes)
        assert (position, taken) == (2 * len(good), 2), bad
        assert list(array("d", values)) == [1.5, 3.0] * 2 and list(array("i", slots)) == [4, 5] * 2
    position, taken, _, _, _ = SCAN(good + good[:-2], 0, shapes)  # the last line without its end
    assert (position, taken) == (2 * len(good) - 2, 2)


@needs_scan
def test_new_names_of_the_template_kind_get_slots_from_the_sink_in_order() -> None:
    assert SCAN is not None
    given_out: list[int] = []

    def new_slots(count: int) -> array:
        first = 10 + len(given_out)
        given_out.extend(range(first, first + count))
        return array("i", range(first, first + count))

    units = (b"ns/op", b"B/op")
    shapes: dict = {}
    text = (
        b"BenchmarkA 5 1 ns/op 2 B/op\n"
        b"BenchmarkA 6 3 ns/op 4 B/op\n"
        b"BenchmarkB 7 5 ns/op 6 B/op\n"
        b"BenchmarkC 8 7 ns/op 8 MB/s\n"  # another kind: Python makes that shape
    )
    position, taken, values, slots, made = SCAN(text, 0, shapes, (units, None), new_slots)
    assert text[position:].startswith(b"BenchmarkC") and taken == 3
    assert [(name, iters, list(s)) for name, iters, s in made] == [
        (b"BenchmarkA", 5, [10, 11]),
        (b"BenchmarkB", 7, [12, 13]),
    ]
    assert list(array("d", values)) == [1, 2, 3, 4, 5, 6] and list(array("i", slots)) == [10, 11, 10, 11, 12, 13]
    assert set(shapes) == {b"BenchmarkA", b"BenchmarkB"}
    # a line it cannot take makes no shape and asks for no slots
    for bad in [
        b"BenchmarkD 1 0x5 ns/op 2 B/op\n",
        b"BenchmarkD 1 5 ns/op 2 B/op x\n",
        b"BenchmarkD 1e1 5 ns/op 2 B/op\n",
    ]:
        before = len(given_out)
        assert SCAN(bad, 0, shapes, (units, None), new_slots)[:2] == (0, 0)
        assert len(given_out) == before and b"BenchmarkD" not in shapes
    # a zero in a scaled unit is Python's (its unit stays as written)
    assert (
        SCAN(b"BenchmarkE 1 0 ns/op 2 B/op\n", 0, shapes, (units, array("d", [1e-9, 1.0]).tobytes()), new_slots)[1] == 0
    )


def _tables_text(data: bytes, pure: bool, block: int) -> str:
    builder = benchstat.Builder(benchstat.Options())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PERFKIT_BENCHSTAT_PURE", "1" if pure else "0")
        patch.setattr(feeder, "_BLOCK", block)
        builder.add_go_text(io.BufferedReader(io.BytesIO(data)), "f.txt", "f")
    text = render.render_csv(builder.tables())[0] if builder.results else ""
    return f"{builder.results} {len(builder.issues)} {[str(i) for i in builder.issues]}\n{text}"


@needs_scan
@settings(max_examples=150, deadline=None)
@given(st.data())
def test_scanned_reading_equals_the_python_reader(data: st.DataObject) -> None:
    """Any mix of lines, cut anywhere, in blocks of any size: the same results, issues (with
    their line numbers) and tables with and without the scanner."""
    lines = (corpus_gen.basic(3, 1.1) + corpus_gen.WEIRD + corpus_gen.units(True)).splitlines(keepends=True)
    picked = data.draw(st.lists(st.sampled_from(lines), max_size=40))
    extra = data.draw(st.lists(st.sampled_from(["BenchmarkZ 1 0 ns/op\n", "pkg: other\n", "BenchmarkZ 1 1e400 ns/op\n",
                                                "BenchmarkZ 1 1_000 ns/op\n", "BenchmarkZ\t1 5 ns/op\r\n"]),
                               max_size=5))  # fmt: skip
    made = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(["A", "B", "C", "Z", "A-8"]),  # names, new and repeated
                st.sampled_from(["ns/op", "us/op", "ns/op B/op", "ns/op X/op", "B/op ns/op", "MB/s"]),  # kinds
                st.sampled_from(["0", "1", "2.5", "1e3", "-3", "0.000", "NaN"]),
            ),
            max_size=40,
        )
    )
    extra += [f"Benchmark{name} 10 " + " ".join(f"{value} {unit}" for unit in units.split()) + "\n"
              for name, units, value in made]  # fmt: skip
    order = data.draw(st.permutations(picked + extra))
    text = "".join(order).encode("utf-8", "surrogatepass")
    cut = data.draw(st.integers(0, len(text)))
    text = text[:cut] + data.draw(st.binary(max_size=8)) + text[cut:]
    block = data.draw(st.sampled_from([1, 7, 64, 1 << 20]))
    assert _tables_text(text, False, block) == _tables_text(text, True, block)
