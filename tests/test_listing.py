"""perfkit.views.listing: pprof -list against a real source file committed beside the goldens.

Line numbers below refer to tests/golden/views/listing_source.py; regenerate goldens with
``PERFKIT_UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from perfkit.errors import PerfkitError
from perfkit.formats import folded
from perfkit.model import CPU_NS, Frame, Profile
from perfkit.views.listing import format_listing, print_listing, routines

GOLDEN = Path(__file__).parent / "golden" / "views"
SOURCE = "listing_source.py"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PERFKIT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def profile() -> Profile:
    """Samples over listing_source.py with known per-line numbers (total 103)."""
    f = SOURCE
    module, main32, main33 = Frame("<module>", f, 37), Frame("main", f, 32), Frame("main", f, 33)
    run26, run27 = Frame("Worker.run", f, 26), Frame("Worker.run", f, 27)
    fib16 = Frame("fib", f, 16)
    p = Profile()
    p.add([module, main32, run26, Frame("hot", f, 9)], 50)
    p.add([module, main32, run26, Frame("hot", f, 8)], 10)
    p.add([module, main32, run27, fib16, fib16, Frame("fib", f, 14)], 20)
    p.add([module, main32, run27, fib16, Frame("fib", f, 15)], 5)
    p.add([module, main33, Frame("cached", f, 21), Frame("hot", f, 9)], 15)
    p.add([module, Frame("missing", "gone/nowhere.py", 5)], 3)
    return p


def listing(pattern: str, **options: object) -> str:
    return format_listing(profile(), pattern, source_path=[GOLDEN], **options)  # type: ignore[arg-type]


def test_golden_all_routines() -> None:
    check_golden("list_all.txt", listing("."))


def test_golden_fib_and_hot() -> None:
    check_golden("list_fib_hot.txt", listing("^(fib|hot)$"))


def test_recursion_counts_line_once_per_sample() -> None:
    (fib,) = routines(profile(), "^fib$")
    assert (fib.flat, fib.cum) == (25, 25)
    assert fib.lines[16] == (0, 25), "fib:16 is on the stack twice in 20 samples: cum must be 25, not 45"
    assert fib.lines[14] == (20, 20)


def test_range_is_the_def_block_including_decorators() -> None:
    text = listing("^cached$")
    numbered = [line.split(":")[0].split()[-1] for line in text.splitlines()[3:]]
    assert numbered == ["19", "20", "21"]
    method = listing(r"Worker\.run").splitlines()
    assert method[3].endswith("25:    def run(self) -> int:")
    assert method[-1].endswith("28:        return first + second")


def test_context_used_when_no_block_is_known() -> None:
    lines = listing("<module>", context=1).splitlines()[3:]
    assert [line.split(":")[0].split()[-1] for line in lines] == ["36", "37"]


def test_unreadable_source_lists_sampled_lines_only() -> None:
    text = listing("^missing$")
    assert "source unavailable: file not found" in text
    assert text.splitlines()[-1].split() == ["3", "3", "5:"]


def test_relative_file_not_found_without_source_path() -> None:
    text = format_listing(profile(), "^hot$")
    assert "source unavailable" in text


def test_no_match_is_a_user_error() -> None:
    with pytest.raises(PerfkitError, match=r"no function matches zzz; try `perfkit top` to see names"):
        listing("zzz")


def test_bad_regex_is_a_user_error() -> None:
    with pytest.raises(PerfkitError, match="not a valid regular expression"):
        listing("(")


def test_empty_profile_matches_nothing() -> None:
    with pytest.raises(PerfkitError, match="no function matches"):
        format_listing(Profile(), "main")


def test_print_listing_is_verbatim_even_on_a_terminal() -> None:
    out = io.StringIO()
    print_listing(profile(), "^main$", Console(file=out, force_terminal=True, width=40), source_path=[GOLDEN])
    assert out.getvalue() == listing("^main$")
    assert "\x1b[" not in out.getvalue()


def test_time_units_in_listing() -> None:
    p = Profile([CPU_NS])
    p.add([Frame("hot", SOURCE, 9)], 1_500_000_000)
    p.add([Frame("hot", SOURCE, 8)], 500_000_000)
    text = format_listing(p, "hot", source_path=[GOLDEN])
    assert text.startswith("Total: 2s\n")
    assert "     1.50s      1.50s      9:        total += i * i % 7" in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400),
        st.sampled_from([b"-" * 200_000 + b"1", b"(" * 300, b"def hot(:\n\0", b"\xff\xfe\x00d\x00e\x00f"]),
    ),
    lines=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=5),
)
def test_any_source_file_content_lists_cleanly(tmp_path: Path, content: bytes | str, lines: list[int]) -> None:
    """Garbage, binary, huge-nesting or truncated source never breaks the listing."""
    source = tmp_path / "weird.py"
    if isinstance(content, str):
        source.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        source.write_bytes(content)
    p = Profile()
    for line in lines:
        p.add([Frame("hot", str(source), line)], 1)
    text = format_listing(p, "hot")
    assert text.startswith(f"Total: {len(lines)}\n")
    assert "ROUTINE ======================== hot in" in text


def test_line_numbers_follow_python_not_str_splitlines(tmp_path: Path) -> None:
    source = tmp_path / "ff.py"
    source.write_text("def hot():\n    x = 1\x0c  # form feed\n    return x\u2028\n\ndef other():\n    pass\n")
    p = Profile()
    p.add([Frame("hot", str(source), 3)], 1)
    text = format_listing(p, "hot")
    body = text.split("\n")[3:]
    assert body[1] == "         .          .      2:    x = 1\x0c  # form feed"
    assert body[2] == "         1          1      3:    return x"


@pytest.mark.slow
def test_real_py_spy_listing(programs: Path, python: str, tmp_path: Path) -> None:
    """py-spy with full file names: the listing reads cpu_split.py and puts samples in hot's loop."""
    out = tmp_path / "cpu.folded"
    spy = str(Path(python).parent / "py-spy")
    cmd = [spy, "record", "-r", "200", "-f", "raw", "--full-filenames", "-o", str(out), "--"]
    subprocess.run([*cmd, python, str(programs / "cpu_split.py"), "1"], check=True, capture_output=True, timeout=60)
    # read py-spy's file as it is: samples without Python frames come as bare " N" lines
    lines = out.read_text().splitlines()
    text = format_listing(folded.parse(lines), "^hot$")
    assert "source unavailable" not in text
    body = text.splitlines()[3:]
    assert body[0].endswith("def hot() -> int:")
    sampled = [line for line in body if not line.lstrip().startswith(".")]
    assert sampled and all(":" in line for line in sampled)
    assert any("total += i * i % 7" in line or "for i in range" in line for line in sampled)
