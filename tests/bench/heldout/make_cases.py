"""Write the held-out Go benchstat cases and Go's answers to them.

Each case is a folder under ``cases/``: its input files, ``args.json`` (the command-line
arguments after ``benchstat``, run in the case folder so ``.file`` names are the bare file
names), and Go's recorded ``go.stdout``, ``go.stderr`` and ``go.rc``. The inputs stress the
reader of Go's benchmark format (golang/proposal design/14313-benchmark-format.md): line
endings, spacing, configuration lines, unit metadata, number spellings, odd fields, bytes.
They were written from that design document and Go's benchfmt reader, without reading
perfkit's own tests.

Remake everything (deterministic; needs Go's benchstat binary)::

    python3 tests/bench/heldout/make_cases.py /work/wt/benchstat-go-bin/benchstat-go

which runs, for each case, ``cd SCRATCH && BENCHSTAT-GO ARGS... > go.stdout 2> go.stderr`` in a
scratch folder holding the case's inputs (copied to ``cases/NAME`` too, when small).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
KEEP = 8 * 1024  #: inputs up to this size are kept beside Go's answers, to read; the test remakes all


def runs(name: str, values: list[float], unit: str = "ns/op", iters: int = 1000, extra: str = "") -> bytes:
    """One benchmark line per value."""
    return b"".join(f"Benchmark{name} {iters} {v} {unit}{extra}\n".encode() for v in values)


def samples(rng: random.Random, centre: float, n: int = 6, spread: float = 0.02) -> list[float]:
    return [round(centre * (1 + rng.uniform(-spread, spread)), 3) for _ in range(n)]


def build() -> dict[str, tuple[dict[str, bytes], list[str]]]:
    """Every case: name -> (files, arguments)."""
    rng = random.Random(1114313)
    cases: dict[str, tuple[dict[str, bytes], list[str]]] = {}

    def pair(a: bytes, b: bytes, *args: str, name: str) -> None:
        cases[name] = ({"old.txt": a, "new.txt": b}, [*args, "old.txt", "new.txt"])

    def one(data: bytes, *args: str, name: str) -> None:
        cases[name] = ({"in.txt": data}, [*args, "in.txt"])

    head = b"goos: linux\ngoarch: amd64\npkg: example.com/x\ncpu: Test CPU @ 2.00GHz\n"
    base_old = head + runs("Encode-4", samples(rng, 100)) + runs("Decode-4", samples(rng, 250))
    base_new = head + runs("Encode-4", samples(rng, 90)) + runs("Decode-4", samples(rng, 251))

    # --- line endings and spacing
    pair(base_old.replace(b"\n", b"\r\n"), base_new.replace(b"\n", b"\r\n"), name="crlf")
    pair(base_old.replace(b" ", b"\t"), base_new.replace(b" ", b" \t  "), name="tabs_spaces")
    pair(base_old.replace(b"\n", b"  \t\n"), base_new.replace(b"\n", b" \n"), name="trailing_ws")
    pair(base_old.rstrip(b"\n"), base_new.rstrip(b"\n"), name="no_final_newline")
    pair(base_old.replace(b"\n", b"\r"), base_new, name="cr_only")
    one(head.replace(b": ", b":\t") + runs("X", samples(rng, 5)), name="config_tab_sep")
    one(b"\n\n" + head + b"\n\n" + runs("X", samples(rng, 5)).replace(b"\n", b"\n\n"), name="blank_lines")
    one(b"\xef\xbb\xbf" + head + runs("X", samples(rng, 5)), name="utf8_bom")
    one(b"  " + head + runs("X", samples(rng, 5)), name="leading_space")
    one(head + b"".join(b"  " + ln + b"\n" for ln in runs("Y", samples(rng, 5)).splitlines()), name="indented_bench")
    one(head + runs("X", samples(rng, 6)).replace(b" ns/op", b" ns/op\x0b"), name="vertical_tab")
    one(head + runs("X", samples(rng, 6)).replace(b" ns/op", b"\xc2\xa0ns/op"), name="nbsp_sep")
    one(head + runs("X", samples(rng, 6)).replace(b" ns/op", b"\xe3\x80\x80ns/op"), name="ideographic_space")

    # --- names
    long = "L" * 3000
    one(head + runs(long + "-8", samples(rng, 3)), name="long_name")
    sub = b"".join(
        runs(f"Sort/size={s}/algo={a}-{p}", samples(rng, s * 3))
        for s in (10, 100, 1000)
        for a in ("quick", "heap")
        for p in (1, 8)
    )
    one(head + sub, name="subbench")
    one(head + sub, "-col", "/algo", name="subbench_col_algo")
    one(head + sub, "-col", "/algo", "-row", "/size", name="subbench_row_size")
    one(head + sub, "-col", ".name", "-row", "/size@num", name="col_name_row_size")
    one(head + sub, "-filter", "/size:(10 OR 1000)", name="filter_or")
    one(head + sub, "-filter", "-/algo:heap", name="filter_not")
    one(head + sub, "-filter=-/algo:heap", name="filter_not_equals")
    one(head + sub, "-filter", ".name:/^So/ /algo:quick", name="filter_regexp_and")
    one(head + sub, "-col", "/algo", "-ignore", "/size", name="ignore_subkey")
    one(head + sub, "-col", ".fullname", "-row", ".name", name="col_fullname")
    one(head + sub, "-col", "/algo@(heap quick)", name="col_fixed_order")
    one(head + sub, "-table", "/algo", "-col", "/size", name="table_subkey")
    odd = b"".join(
        runs(n, samples(rng, 7))
        for n in ("A-", "B--4", "C-x", "D/-4", "E/k=v=w-2", "F/=v", "G/k=-3", "H//x", "I/k=1/k=2", "J-4-8", "K-0")
    )
    one(head + odd, name="odd_names")
    one(head + odd, "-col", "/k", name="odd_names_col_k")
    one(
        head + runs("Ünïcödé/größe=1-4", samples(rng, 9)) + runs("日本/キー=値-2", samples(rng, 9)),
        name="unicode_names",
    )
    one(
        head
        + b"".join(b"Benchmark\xff\xfeBad/k=\x80-4 1000 " + str(v).encode() + b" ns/op\n" for v in samples(rng, 9)),
        name="invalid_utf8_name",
    )
    one(
        head + b"".join(b"BenchmarkNul\x00x-4 1000 " + str(v).encode() + b" ns/op\n" for v in samples(rng, 6)),
        name="nul_in_name",
    )
    one(head + b"note: caf\xe9\n" + runs("X", samples(rng, 6)), name="invalid_utf8_config")
    one(head + runs("X", samples(rng, 6), unit="b\xc3\xa9ts/op".encode().decode()), name="unicode_unit")
    one(head + b"BenchmarkJustAName\nBenchmarkAlsoName-4\n" + runs("X", samples(rng, 6)), name="name_only_lines")
    one(head + b"Benchmark 100 5 ns/op\nBenchmark\n" + runs("X", samples(rng, 6)), name="empty_name")
    one(head + runs("X", samples(rng, 6)).replace(b"Benchmark", b"benchmark"), name="lowercase_prefix")

    # --- configuration
    cfg = (
        head
        + runs("A", samples(rng, 10))
        + b"goos: darwin\ncpu: Other\n"
        + runs("A", samples(rng, 11))
        + b"custom-key.x_y/z: v 1  2\n"
        + runs("A", samples(rng, 12))
        + b"cpu:\n"
        + runs("A", samples(rng, 13))
        + b"goos:   \n"
        + runs("A", samples(rng, 14))
    )
    one(cfg, name="config_changes")
    one(cfg, "-col", "goos", name="config_col_goos")
    one(cfg, "-table", "", "-col", "cpu", name="config_col_cpu")
    one(cfg, "-ignore", "cpu,goos,custom-key.x_y/z", name="config_ignore")
    one(cfg, "-filter", "goos:darwin", name="config_filter")
    one(cfg, "-row", ".config", "-table", "", name="config_row_config")
    one(
        b"Goos: x\ngoOS: y\nkey:value\nkey :v\n k: v\nk\xc3\xa9y: \xc3\xbc\nk\xffy: z\na:b: c\nx: \xff\nemptyval:\n"
        + runs("A", samples(rng, 3)),
        name="config_odd_keys",
    )
    one(head + b"note: with trailing   \n" + runs("A", samples(rng, 3)), name="config_trailing_ws")
    one(head + b"note: crlf\r\n" + runs("A", samples(rng, 3)), name="config_crlf")
    one(b"a: 1\nb: 2\nc: 3\n" + runs("A", samples(rng, 3)) + b"b:\n" + runs("A", samples(rng, 3)), name="config_delete")
    pair(
        b"note: one\n" + runs("A", samples(rng, 3)),
        b"note: two\n" + runs("A", samples(rng, 3)),
        name="config_note_differs",
    )
    pair(
        b"note: one\n" + runs("A", samples(rng, 3)),
        b"note: two\n" + runs("A", samples(rng, 3)),
        "-ignore",
        "note",
        name="config_note_ignored",
    )

    # --- unit metadata
    one(
        b"Unit ns/op assume=exact\nUnit widgets better=higher\n"
        + runs("A", samples(rng, 3))
        + runs("A", [3, 4, 5], "widgets"),
        name="unit_meta",
    )
    pair(
        b"Unit widgets better=higher\n" + runs("A", [5, 5.1, 5.2, 4.9, 5, 5.05], "widgets"),
        b"Unit widgets better=higher\n" + runs("A", [6, 6.1, 6.2, 5.9, 6, 6.05], "widgets"),
        name="unit_better_higher",
    )
    pair(
        b"Unit ns/op assume=exact\n" + runs("A", [5, 5, 5]),
        b"Unit ns/op assume=exact\n" + runs("A", [6, 6, 6]),
        name="unit_assume_exact",
    )
    one(b"Unit\nUnit x\nUnit y a\nUnit z =b\nUnit q k=v k=w\n" + runs("A", [1, 2, 3]), name="unit_meta_errors")
    pair(
        b"Unit w better=higher\n" + runs("A", [1, 2]),
        b"Unit w better=lower\n" + runs("A", [1, 2]),
        name="unit_meta_conflict_files",
    )
    one(b"Units ns/op a=b\nUnitary\n" + runs("A", [1, 2]), name="unit_prefix_lookalike")

    # --- numbers
    spell = [
        "1e2",
        "+100",
        ".5",
        "5.",
        "1E+02",
        "0x10",
        "0x1p-2",
        "1_000",
        "1e308",
        "1e-320",
        "4.9e-324",
        "1.7976931348623157e308",
    ]
    one(b"".join(f"BenchmarkN{i} 1 {s} ns/op\n".encode() for i, s in enumerate(spell)), name="number_spellings")
    specials = ["NaN", "nan", "+Inf", "-Inf", "inf", "Infinity", "-0", "0", "+0", "-1.5"]
    one(b"".join(f"BenchmarkS{i} 1 {s} ns/op\n".encode() for i, s in enumerate(specials)), name="number_specials")
    one(
        b"".join(
            f"BenchmarkH 1 {s} widgets\n".encode() for s in ("1e400", "-1e400", "1_0", "0b11", "0o7", "07", "1__0")
        ),
        name="number_overflow",
    )
    pair(runs("Z", [0, 0, 0, 0, 0, 0]), runs("Z", [0, 0, 0, 0, 0, 0]), name="zeros_nsop")
    pair(runs("Z", [0, 0, 0]), runs("Z", [1, 2, 3]), name="zero_to_nonzero")
    pair(runs("Z", [0, 0, 0], "MB/s"), runs("Z", [10, 20, 30], "MB/s"), name="zeros_mbs")
    pair(runs("Z", [0, 0, 0, 0], "frobs"), runs("Z", [0, 0, 0, 1], "frobs"), name="zeros_custom")
    pair(runs("Z", [1e-9, 2e-9, 1.5e-9]), runs("Z", [1e12, 2e12, 3e12]), name="scale_extremes")
    pair(runs("Z", [-5, -6, -7], "x"), runs("Z", [5, 6, 7], "x"), name="negatives")
    one(b"BenchmarkW 100 1 ns/op 2 ns/op 3 B/op 4 B/op\n" * 3, name="repeated_units")
    one(
        b"BenchmarkW 100 1 ns/op 2\nBenchmarkW 100 1\nBenchmarkW 100\nBenchmarkW 100 1 ns/op 2 B/op 3\n"
        + runs("W", [4, 5]),
        name="odd_fields",
    )
    iters = ["0", "18446744073709551616", "9223372036854775807", "-1", "+5", "1e3", "abc", "1_000", "0x10", "00012"]
    one(b"".join(f"BenchmarkI 1 ns/op\nBenchmarkI {it} 7 ns/op\n".encode() for it in iters), name="iteration_counts")
    one(
        b"".join(
            f"BenchmarkN 10 {v} ns/op {v * 3} MB/s {v / 7} B/op {int(v)} allocs/op {v} sec/op\n".encode()
            for v in samples(rng, 100, 8)
        ),
        name="many_units",
    )
    one(
        b"BenchmarkT 10 1 sec/op 2 s/op 3 ms/op 4 us/op 5 B/op 6 bytes/op 7 MB/s 8 MiB/s 9 KB/op\n" * 2,
        name="unit_tidy",
    )
    pair(
        runs("Q", [1, 2, 3], "ns/op") + runs("Q", [4, 5, 6], "MB/s"),
        runs("Q", [1, 2, 3], "ns/op") + runs("Q", [1, 2, 3], "B/op"),
        name="unit_sets_differ",
    )
    pair(runs("Q", samples(rng, 10, 10)), runs("Q", samples(rng, 10, 3)), name="sample_counts_differ")
    pair(runs("Q", [1, 1, 1, 1, 1, 1]), runs("Q", [1, 1, 1, 1, 1, 1]), name="identical_constant")

    # --- noise around results
    go_test = (
        head
        + b"=== RUN   TestX\n--- PASS: TestX (0.00s)\nBenchmarkA\nBenchmarkA-4   \t  1000\t       100 ns/op\n"
        + b"--- BENCH: BenchmarkA-4\n    x_test.go:10: BenchmarkA 1 ns/op in a log\n    x_test.go:10: n: 5\n"
        + b"--- FAIL: BenchmarkB\n    x_test.go:12: boom\nBenchmarkA-4   \t  1000\t       110 ns/op\n"
        + b"PASS\nok  \texample.com/x\t1.234s\nFAIL\texample.com/y [build failed]\n"
        + b"pkg: example.com/y\nBenchmarkA-4 1000 90 ns/op\n?   \texample.com/z\t[no test files]\n"
    )
    one(go_test, name="go_test_output")
    one(b"hello world\nnot a benchmark line\n123 456\n", name="no_results")
    one(b"", name="empty_file")
    one(b"BenchmarkA 10 x ns/op\nBenchmarkB ten 1 ns/op\n", name="only_syntax_errors")

    # --- volume and interleaving
    def bulk(factor: int) -> bytes:
        """2,000 benchmarks with the same three units, six runs each, interleaved."""
        return head + b"".join(
            f"BenchmarkBulk{i:04d}/n={i % 7}-2 {1000 + i} {100 + i * (1 + (i % 3 - 1) * factor / 10) + j * 0.5}"
            f" ns/op {i * 8} B/op {i % 5} allocs/op\n".encode()
            for j in range(6)
            for i in range(2000)
        )

    many, many_new = bulk(0), bulk(1)
    pair(many, many_new, name="bulk_2000")
    pair(many, many_new, "-format", "csv", name="bulk_2000_csv")
    inter = head + b"".join(
        runs(n, [round(c + j * 0.7, 2)]) for j in range(6) for n, c in (("P", 10), ("Q", 20), ("P/x=1", 30))
    )
    one(inter + b"goos: plan9\n" + inter, name="interleaved")
    files = {f"f{i}.txt": head + runs("M", samples(rng, 10 + i)) + runs("N", samples(rng, 50 - i)) for i in range(7)}
    cases["many_files"] = (files, sorted(files))
    cases["labelled_files"] = (files, [f"run{i}={n}" for i, n in enumerate(sorted(files)[:3])])
    cases["same_file_twice"] = ({"a.txt": base_old}, ["a.txt", "a.txt"])
    cases["many_files_csv"] = (files, ["-format", "csv", *sorted(files)])
    pair(base_old, base_new, "-alpha", "0.5", name="alpha")
    pair(base_old, base_new, "-confidence", "0.5", name="confidence")
    pair(base_old, base_new, "-col", ".unit", name="col_unit")
    pair(base_old, base_new, "-row", ".file", "-col", ".name", name="row_file")
    pair(base_old, base_new, "-filter", ".unit:ns/op", name="filter_unit")
    pair(base_old, base_new, "-filter", ".file:new.txt", name="filter_file")

    # --- a known kind of line (its name and units met before), then one odd line: the fast
    # paths file known kinds without the full parse, so each oddity must fall back to it
    def known(i: int, j: int) -> bytes:
        return f"BenchmarkKnown{i:03d}/n={i % 4}-4 {500 + i} {100 + i + (j * 7) % 5} ns/op {i * 3} B/op\n".encode()

    warm = head + b"".join(known(i, j) for j in range(4) for i in range(60))
    tail = b"".join(known(i, j) for j in range(4, 7) for i in range(60))
    oddities = {
        "hex": b"BenchmarkKnown007/n=3-4 507 0x10 ns/op 21 B/op",
        "hexfloat": b"BenchmarkKnown007/n=3-4 507 0x1p4 ns/op 21 B/op",
        "underscore": b"BenchmarkKnown007/n=3-4 507 1_000 ns/op 21 B/op",
        "plus": b"BenchmarkKnown007/n=3-4 507 +500 ns/op 21 B/op",
        "dot_lead": b"BenchmarkKnown007/n=3-4 507 .5 ns/op 21 B/op",
        "dot_trail": b"BenchmarkKnown007/n=3-4 507 5. ns/op 21 B/op",
        "exp": b"BenchmarkKnown007/n=3-4 507 1E3 ns/op 2.1e1 B/op",
        "overflow": b"BenchmarkKnown007/n=3-4 507 1e400 ns/op 21 B/op",
        "underflow": b"BenchmarkKnown007/n=3-4 507 1e-400 ns/op -1e-400 B/op",
        "denormal": b"BenchmarkKnown007/n=3-4 507 5e-324 ns/op 21 B/op",
        "inf": b"BenchmarkKnown007/n=3-4 507 Inf ns/op 21 B/op",
        "infinity": b"BenchmarkKnown007/n=3-4 507 -infinity ns/op 21 B/op",
        "nan": b"BenchmarkKnown007/n=3-4 507 NaN ns/op 21 B/op",
        "negzero": b"BenchmarkKnown007/n=3-4 507 -0 ns/op -0.0 B/op",
        "zero": b"BenchmarkKnown007/n=3-4 507 0 ns/op 0 B/op",
        "leading_zeros": b"BenchmarkKnown007/n=3-4 507 000107 ns/op 0021 B/op",
        "long_digits": b"BenchmarkKnown007/n=3-4 507 99999999999999999999 ns/op 9223372036854775807 B/op",
        "many_decimals": b"BenchmarkKnown007/n=3-4 507 107.00000000000000000000000001 ns/op 21 B/op",
        "iters_zero": b"BenchmarkKnown007/n=3-4 0 107 ns/op 21 B/op",
        "iters_plus": b"BenchmarkKnown007/n=3-4 +507 107 ns/op 21 B/op",
        "iters_exp": b"BenchmarkKnown007/n=3-4 5e2 107 ns/op 21 B/op",
        "iters_huge": b"BenchmarkKnown007/n=3-4 99999999999999999999 107 ns/op 21 B/op",
        "iters_int64max": b"BenchmarkKnown007/n=3-4 9223372036854775807 107 ns/op 21 B/op",
        "iters_negative": b"BenchmarkKnown007/n=3-4 -5 107 ns/op 21 B/op",
        "iters_hex": b"BenchmarkKnown007/n=3-4 0x1f 107 ns/op 21 B/op",
        "crlf_line": b"BenchmarkKnown007/n=3-4 507 107 ns/op 21 B/op\r",
        "cr_inside": b"BenchmarkKnown007/n=3-4 507 107\rns/op 21 B/op",
        "tabs": b"BenchmarkKnown007/n=3-4\t507\t107\tns/op\t21\tB/op\t",
        "vtab_ff": b"BenchmarkKnown007/n=3-4\v507 107\fns/op 21 B/op",
        "nbsp": b"BenchmarkKnown007/n=3-4 507 107\xc2\xa0ns/op 21 B/op",
        "em_space": b"BenchmarkKnown007/n=3-4 507 107\xe2\x80\x83ns/op 21 B/op",
        "nel_byte": b"BenchmarkKnown007/n=3-4 507 107\x85ns/op 21 B/op",
        "nul_value": b"BenchmarkKnown007/n=3-4 507 10\x007 ns/op 21 B/op",
        "nul_unit": b"BenchmarkKnown007/n=3-4 507 107 ns/op\x00 21 B/op",
        "units_swapped": b"BenchmarkKnown007/n=3-4 507 21 B/op 107 ns/op",
        "unit_extra": b"BenchmarkKnown007/n=3-4 507 107 ns/op 21 B/op 3 allocs/op",
        "unit_missing": b"BenchmarkKnown007/n=3-4 507 107 ns/op 21",
        "unit_dropped": b"BenchmarkKnown007/n=3-4 507 107 ns/op",
        "unit_repeated": b"BenchmarkKnown007/n=3-4 507 107 ns/op 108 ns/op",
        "unit_renamed": b"BenchmarkKnown007/n=3-4 507 107 ns/op 21 b/op",
        "trailing_word": b"BenchmarkKnown007/n=3-4 507 107 ns/op 21 B/op extra",
        "name_suffix": b"BenchmarkKnown007/n=3-4\xff 507 107 ns/op 21 B/op",
        "name_only": b"BenchmarkKnown007/n=3-4",
        "name_only_space": b"BenchmarkKnown007/n=3-4 ",
        "unit_line": b"Unit ns/op assume=exact",
        "unit_line_bhigh": b"Unit B/op better=higher",
        "config_change": b"goos: plan9",
        "config_delete": b"cpu:",
        "config_same": b"goos: linux",
        "long_line": b"BenchmarkKnown007/n=3-4 507 107 ns/op 21 B/op " + b"9 x/op " * 12000,
    }
    for label, line in oddities.items():
        one(warm + line + b"\n" + tail, name=f"fast_{label}")
    one(warm + tail, "-format", "csv", name="fast_plain_csv")
    one(warm.replace(b"\n", b"\r\n") + tail, name="fast_crlf_switch")
    pair(warm + tail, warm + b"goos: plan9\n" + tail, name="fast_config_split")
    pair(warm + tail, tail + warm, "-col", ".file", "-row", "/n", name="fast_row_subkey")

    # --- Go's projection and filter syntax over one data set (errors included)
    both = head + sub + b"goos: darwin\n" + sub.replace(b"Sort", b"Search")
    options = {
        "q_star": ["-filter", "*"],
        "q_quoted": ["-filter", '/algo:"quick"'],
        "q_quoted_space": ["-filter", '".name":Sort'],
        "q_regexp_anchor": ["-filter", ".fullname:/quick-8$/"],
        "q_regexp_bad": ["-filter", ".name:/(/"],
        "q_and_or_prec": ["-filter", "/algo:quick /size:10 OR goos:darwin"],
        "q_and_word": ["-filter", "/algo:quick AND /size:100"],
        "q_not_group": ["-filter=-(/algo:quick OR /size:10)"],
        "q_nested": ["-filter", "((/size:10) OR (/size:100 /algo:heap))"],
        "q_unbalanced": ["-filter", "(/size:10"],
        "q_missing_colon": ["-filter", "quick"],
        "q_empty_value": ["-filter", "/algo:"],
        "q_unknown_key": ["-filter", "nosuchkey:x"],
        "q_unit": ["-filter", ".unit:sec/op"],
        "q_file": ["-filter", ".file:in.txt"],
        "q_goos_none": ["-filter", "goos:windows"],
        "q_or_list": ["-filter", "/size:(10 OR 100 OR 1000) -goos:linux"],
        "p_name_col": ["-col", ".name"],
        "p_config_col": ["-col", ".config", "-table", ""],
        "p_goos_col": ["-col", "goos", "-table", "/algo"],
        "p_multi_col": ["-col", "/algo,goos"],
        "p_multi_row": ["-row", "/size,/algo", "-col", "goos"],
        "p_num_sort": ["-row", "/size@num", "-col", "/algo"],
        "p_alpha_sort": ["-row", "/size@alpha", "-col", "/algo"],
        "p_fixed_partial": ["-row", "/size@(1000 10)", "-col", "/algo"],
        "p_fixed_missing": ["-col", "/algo@(quick nope)"],
        "p_bad_sort": ["-col", "/algo@nope"],
        "p_unit_col": ["-col", ".unit"],
        "p_file_row": ["-row", ".file"],
        "p_empty_col": ["-col", ""],
        "p_unknown_col": ["-col", "nosuch"],
        "p_ignore_goos": ["-col", "/algo", "-ignore", "goos"],
        "p_ignore_many": ["-ignore", "goos,/algo,/size"],
        "p_ignore_name": ["-ignore", ".name"],
        "p_ignore_fullname": ["-ignore", ".fullname"],
        "p_table_name": ["-table", ".name", "-col", "/algo"],
        "p_table_empty_row_empty": ["-table", "", "-row", "", "-col", "/algo"],
        "p_trailing_comma": ["-col", "/algo,"],
        "p_space_in_list": ["-col", "/algo, goos"],
        "p_quoted_key": ["-col", '"/algo"'],
        "p_confidence_one": ["-col", "/algo", "-confidence", "1"],
        "p_alpha_zero": ["-col", "/algo", "-alpha", "0"],
        "p_format_csv_cols": ["-col", "/algo", "-row", "/size", "-format", "csv"],
    }
    for label, flags in options.items():
        one(both, *flags, name=label)

    # --- the last line of a file cut short (no newline at the end)
    full = b"BenchmarkKnown007/n=3-4 507 107 ns/op 21 B/op"
    for cut in (23, 24, 27, 28, 31, 37, 40, 45, 46):
        one(warm + tail + full[:cut], name=f"eof_cut{cut:02d}")
    one(warm + tail + full + b"\r", name="eof_cr")
    one(warm + tail + full + b" \t", name="eof_blank_tail")

    # --- many results of one kind, with what changes the kind mid-stream
    def rows(count: int, reps: int, units: str = "ns/op", zero_every: int = 0, prefix: str = "R") -> bytes:
        out = []
        for j in range(reps):
            for i in range(count):
                v = 0 if zero_every and (i * 7 + j) % zero_every == 0 else 50 + i % 97 + ((i + j * 3) % 11) / 10
                out.append(f"Benchmark{prefix}{i:04d}-2 100 {v} {units}\n")
        return "".join(out).encode()

    cases["bulk_configs"] = (
        {"in.txt": head + rows(400, 6) + b"goos: darwin\n" + rows(400, 6) + b"cpu:\n" + rows(400, 6)},
        ["in.txt"],
    )
    cases["bulk_configs_col_goos"] = (cases["bulk_configs"][0], ["-col", "goos", "-table", "", "in.txt"])
    mixed = head + rows(300, 3) + rows(300, 3, "ns/op 5 B/op 1 allocs/op") + rows(300, 3)
    one(mixed, name="bulk_unit_sets")
    one(head + rows(500, 6, "MB/s", zero_every=13), name="bulk_mbs_zeros")
    one(head + rows(500, 6, "ns/op", zero_every=17), name="bulk_nsop_zeros")
    one(head + rows(500, 6, "KB/op", zero_every=19), name="bulk_kbop_zeros")
    one(head + rows(500, 6, "ns/op 0 MB/s"), name="bulk_mbs_all_zero")
    one(b"Unit ns/op assume=exact\n" + head + rows(400, 6), name="bulk_assume_exact")
    one(head + rows(400, 3) + b"Unit ns/op assume=exact\n" + rows(400, 3), name="bulk_unit_line_mid")
    bulk_files = {f"r{k}.txt": head + rows(300, 6 + k % 2, prefix="F") for k in range(6)}
    cases["bulk_many_files"] = (bulk_files, sorted(bulk_files))
    cases["bulk_many_files_row_file"] = (bulk_files, ["-row", ".file", "-col", ".name", *sorted(bulk_files)][:9])

    # --- a line across the C scanner's 1 MiB read blocks, at several bytes of it
    def across(offset: int, line: bytes) -> bytes:
        """Known lines up to 1 MiB - offset, then ``line``; padding goes into a value's zeros."""
        body = head + rows(60, 1, prefix="K")
        filler = []
        size = len(body)
        j = 0
        while size < (1 << 20) - offset - 200:
            text = f"BenchmarkK{j % 60:04d}-2 100 {50 + j % 60 + (j % 7) / 10} ns/op\n".encode()
            filler.append(text)
            size += len(text)
            j += 1
        gap = (1 << 20) - offset - size  # bytes to add before ``line`` starts
        pad = f"BenchmarkK0000-2 100 50.{'0' * (gap - 31)} ns/op\n".encode()
        assert len(pad) == gap, (len(pad), gap)
        return body + b"".join(filler) + pad + line + b"\n" + rows(60, 2, prefix="K")

    probe = b"BenchmarkK0003-2 100 0x35 ns/op\r"
    for offset in (9, 23, 31, 32):
        one(across(offset, probe), name=f"block_split{offset:02d}")

    # --- procs suffixes, name parts, units' scales, quoting, lone benchmarks
    procs = b"".join(runs(f"P/x={x}-{p}", samples(rng, 10 * p + x)) for p in (1, 2, 4) for x in (1, 2))
    one(procs, "-col", "/gomaxprocs", name="procs_col")
    one(procs, "-row", ".name", "-col", "/x", name="procs_row_name")
    one(procs, "-filter", "/gomaxprocs:4", name="procs_filter")
    parts = b"".join(runs(n, samples(rng, 9)) for n in ("Foo/a/b-4", "Foo/a/c-4", "Foo/64-4", "Foo/x=/y=1-4"))
    one(parts, name="name_parts")
    one(parts, "-col", "/y", name="name_parts_col_y")
    scales = b"".join(
        runs(f"S{i}", [v * (1 + k / 100) for k in range(6)], unit)
        for i, (v, unit) in enumerate(
            [(2048, "B/op"), (5e9, "B/op"), (1.5e12, "MB/s"), (3e-3, "x/s"), (7e15, "widgets"), (999.5, "ns/op")]
        )
    )
    one(scales, name="unit_scales")
    quoting = b"".join(runs(n, samples(rng, 4)) for n in ('Q,a"b', "Q\u2502bar", "Q'x", "Q;y"))
    one(quoting, name="names_to_quote")
    one(quoting, "-format", "csv", name="names_to_quote_csv")
    pair(
        runs("Only", samples(rng, 5)) + runs("Both", samples(rng, 5)), runs("Both", samples(rng, 6)), name="lone_bench"
    )
    pair(
        runs("Only", samples(rng, 5)) + runs("Both", samples(rng, 5)),
        runs("Both", samples(rng, 6)),
        "-format",
        "csv",
        name="lone_bench_csv",
    )
    one(b"note: " + "\u00e9\u6f22".encode() * 40 + b"\n" + runs("A", samples(rng, 3)), name="long_unicode_config")
    wide = b"".join(f"BenchmarkWide 1 {k + 1} u{k}/op ".encode() for k in range(1)) + b"\n"
    one(
        b"".join(
            b"BenchmarkWide 1 " + b" ".join(f"{k + 1 + j} u{k}/op".encode() for k in range(40)) + b"\n"
            for j in range(3)
        )
        + wide,
        name="forty_units",
    )
    cases["label_with_equals"] = ({"a=b.txt": base_old, "c.txt": base_new}, ["x=a=b.txt", "c.txt"])
    cases["label_same_twice"] = ({"a.txt": base_old, "b.txt": base_new}, ["L=a.txt", "L=b.txt"])

    # --- subnormal values where CSV shows every digit (found by a seeded random differential run)
    one(b"BenchmarkA 1 101.85 widgets\nBenchmarkB 1 4.9e-324 widgets\n", "-format", "csv", name="subnormal_geomean_csv")
    one(b"BenchmarkA 1 100 widgets\nBenchmarkB 1 1e-310 widgets\n", "-format", "csv", name="subnormal_geomean2_csv")
    one(b"BenchmarkA 1 100 widgets\nBenchmarkB 1 1e-300 widgets\n", "-format", "csv", name="tiny_normal_geomean_csv")
    return cases


def main(go: str) -> None:
    if CASES.exists():
        shutil.rmtree(CASES)
    for name, (files, args) in sorted(build().items()):
        folder = CASES / name
        folder.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as scratch:
            for fname, data in files.items():
                (Path(scratch) / fname).write_bytes(data)
                if len(data) <= KEEP:
                    (folder / fname).write_bytes(data)
            done = subprocess.run([go, *args], cwd=scratch, capture_output=True, check=False)
        (folder / "args.json").write_text(json.dumps(args) + "\n")
        (folder / "go.stdout").write_bytes(done.stdout)
        (folder / "go.stderr").write_bytes(done.stderr)
        (folder / "go.rc").write_text(f"{done.returncode}\n")


if __name__ == "__main__":
    main(sys.argv[1])
