"""benchstat's HTML report: rows coloured by significant change in the unit's direction, a strip
plot per benchmark (bounded dots for huge samples), escaping, and well-formed SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from perfkit.bench import benchstat, render_html, storage

from . import corpus_gen


def html_of(*texts: str, **options: str) -> str:
    sets = [storage.parse_document(text, f"f{i}.txt") for i, text in enumerate(texts)]
    return render_html.render_html(benchstat.build_tables(sets, **options))


def rows(page: str) -> dict[str, str]:
    """Row label -> its class ("" when not coloured), over the table bodies."""
    bodies = "".join(re.findall(r"<tbody>.*?</tbody>", page, re.S))
    return {m.group(2): m.group(1) or "" for m in re.finditer(r'<tr(?: class="(\w+)")?>\s*<th>([^<]+)</th>', bodies)}


def test_rows_coloured_by_direction() -> None:
    def lines(slow: int, fast: int, same: int, throughput: int, odd: int) -> str:
        return "".join(
            f"BenchmarkSlow 1 {slow + i} ns/op\nBenchmarkFast 1 {fast + i} ns/op\nBenchmarkSame 1 {same + i} ns/op\n"
            f"BenchmarkThroughput 1 {throughput + i} MB/s\nBenchmarkOdd 1 {odd + i} widgets\n"
            for i in range(8)
        )

    old, new = lines(100, 100, 100, 100, 100), lines(150, 50, 100, 150, 150)
    page = html_of(old, new)
    assert rows(page) == {"Slow": "worse", "Fast": "better", "Same": "", "Throughput": "better", "Odd": "changed",
                          "geomean": "geomean"}  # fmt: skip
    assert "1 worse</b>" in page and "2 better</b>" in page and "1 changed</b>" in page


def test_strip_plots_and_huge_samples_stay_bounded() -> None:
    page = html_of(corpus_gen.huge(1, 1.0, runs=20_000), corpus_gen.huge(2, 1.01, runs=20_000))
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 1
    root = ET.fromstring(svgs[0])  # well-formed
    strips = [g for g in root if g.tag.endswith("g")]
    assert len(strips) == 2
    for strip in strips:
        dots = strip.findall(".//{http://www.w3.org/2000/svg}circle") or strip.findall(".//circle")
        assert len(dots) == render_html.MAX_DOTS
        assert "20000 samples (200 evenly spaced order statistics drawn)" in "".join(strip.itertext())


def test_names_cannot_inject_markup() -> None:
    text = "pkg: <b>x</b>\n" + "".join(f"Benchmark<script>alert(1)</script> 1 {100 + i} ns/op\n" for i in range(6))
    page = html_of(text, text.replace("100", "101"))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page


def test_every_cell_of_the_text_table_is_on_the_page() -> None:
    page = html_of(corpus_gen.basic(1, 1.0), corpus_gen.basic(2, 1.1))
    for needle in ("1.723µ", "± 3%", "+11.14%", "(p=0.000 n=10)", "~", "geomean", "goos</dt><dd>linux"):
        assert needle in page, needle
