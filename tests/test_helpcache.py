"""``perfkit COMMAND --help`` from the help cache: the same bytes typer renders, piped and in a
terminal; never a record whose inputs changed; a broken record is only a miss.

Each CLI check runs the real ``perfkit`` in a fresh interpreter (the cache only works from
``main()``, where nothing is imported yet); the cache folder is the test's own ``tmp_path``.
"""

from __future__ import annotations

import fcntl
import marshal
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit import helpcache

PERFKIT = [sys.executable, "-m", "perfkit"]
#: a record's fields, so corrupt records also look nearly right
FIELDS = ("key", "read_env", "files", "out", "layout", "args")


def env_for(cache: Path | str, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    return {**env, "PERFKIT_HELP_CACHE": str(cache), **more}


def piped(cache: Path | str, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*PERFKIT, *args], env=env_for(cache, **env), capture_output=True, stdin=subprocess.DEVNULL, timeout=120
    )


def in_terminal(cache: Path | str, *args: str, columns: int = 100) -> tuple[int, bytes]:
    """(exit status, bytes) of ``perfkit ARGS`` on a pseudo-terminal ``columns`` wide: rich's colours
    and width, as a user sees them."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = env_for(cache, TERM="xterm-256color")
    proc = subprocess.Popen([*PERFKIT, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks)


@pytest.fixture(scope="module")
def fresh() -> bytes:
    """``perfkit top --help`` piped, rendered by typer with the cache off."""
    done = piped("off", "top", "--help")
    assert done.returncode == 0 and done.stderr == b""
    assert b"perfkit top [OPTIONS]" in done.stdout and b"--tagfocus" in done.stdout
    return done.stdout


def test_piped_help_from_the_cache_is_what_typer_prints(tmp_path: Path, fresh: bytes) -> None:
    first = piped(tmp_path, "top", "--help")  # renders and records
    second = piped(tmp_path, "top", "--help")  # served
    assert first.returncode == second.returncode == 0
    assert first.stdout == fresh and second.stdout == fresh
    assert first.stderr == second.stderr == b""
    assert [p.name for p in tmp_path.iterdir()] == ["top--help.marshal"]
    # TERMINAL_WIDTH is read by typer, listed nowhere in perfkit: the record noted it by itself
    narrow = piped(tmp_path, "top", "--help", TERMINAL_WIDTH="50")
    assert narrow.stdout == piped("off", "top", "--help", TERMINAL_WIDTH="50").stdout != fresh


def test_terminal_help_from_the_cache_keeps_colours_and_width(tmp_path: Path) -> None:
    off = in_terminal("off", "top", "--help")
    first = in_terminal(tmp_path, "top", "--help")
    second = in_terminal(tmp_path, "top", "--help")
    assert off == first == second
    assert off[0] == 0 and b"\x1b[" in off[1]  # coloured, as typer renders for a terminal
    narrow = in_terminal(tmp_path, "top", "--help", columns=60)  # another width: rendered anew, kept beside
    assert narrow == in_terminal("off", "top", "--help", columns=60) and narrow != off


def records(cache: Path) -> tuple[Path, list[dict]]:
    path = cache / "top--help.marshal"
    return path, marshal.loads(path.read_bytes())


def test_a_record_whose_files_changed_is_not_served(tmp_path: Path, fresh: bytes) -> None:
    """The record of a real render, with its text marked: served while its files are as recorded
    (so this test can see a served record), not once the command's module differs."""
    piped(tmp_path, "top", "--help")
    path, entries = records(tmp_path)
    entries[0]["out"] = "MARKED\n"
    path.write_bytes(marshal.dumps(entries))
    assert piped(tmp_path, "top", "--help").stdout == b"MARKED\n"
    commands = next(f for f in entries[0]["files"] if f[0].endswith(os.path.join("perfkit", "commands", "top.py")))
    commands[1][0] += 1  # its size, as after an edit
    path.write_bytes(marshal.dumps(entries))
    assert piped(tmp_path, "top", "--help").stdout == fresh


def test_a_real_file_change_is_seen(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text("x = 1\n")
    entry = {"read_env": {}, "files": [[str(source), helpcache._file_state(str(source))]]}
    assert helpcache._still_valid(entry)
    source.write_text("x = 2\n")  # same size; a new mtime
    os.utime(source, ns=(1, 1))
    assert not helpcache._still_valid(entry)
    entry["files"][0][1] = helpcache._file_state(str(source))
    assert helpcache._still_valid(entry)
    other = tmp_path / "new.py"
    other.write_text("x = 3\n")
    os.utime(other, ns=(1, 1))  # same size and mtime, another file renamed over it (pip, git)
    other.replace(source)
    assert not helpcache._still_valid(entry)
    source.unlink()
    assert not helpcache._still_valid(entry)


def fake_render(out: str = "help text\n", err: str = "", status: int | None = 0, lists_env: bool = False):
    def render() -> None:
        sys.stdout.write(out)
        if err:
            sys.stderr.write(err)
        if lists_env:
            sorted(os.environ)
        if status is not None:
            raise SystemExit(status)
        raise RuntimeError("broken")

    return render


def test_only_clean_runs_are_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFKIT_HELP_CACHE", str(tmp_path))
    args = ["top", "--help"]
    for unclean in (fake_render(status=2), fake_render(err="warning\n"), fake_render(lists_env=True)):
        with pytest.raises(SystemExit):
            helpcache.render_and_record(args, unclean)
    with pytest.raises(RuntimeError):
        helpcache.render_and_record(args, fake_render(status=None))
    assert list(tmp_path.iterdir()) == [] and helpcache.lookup(args) is None
    with pytest.raises(SystemExit):
        helpcache.render_and_record(args, fake_render())
    assert helpcache.lookup(args) == "help text\n"


def test_truncated_record_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFKIT_HELP_CACHE", str(tmp_path))
    args = ["top", "--help"]
    with pytest.raises(SystemExit):
        helpcache.render_and_record(args, fake_render())
    path = Path(helpcache.record_path(args))
    whole = path.read_bytes()
    for cut in range(0, len(whole), max(1, len(whole) // 40)):
        path.write_bytes(whole[:cut])
        assert helpcache.lookup(args) is None


def test_unwritable_cache_still_prints_help(tmp_path: Path, fresh: bytes) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = piped(blocker / "help", "top", "--help")
    assert result.returncode == 0 and result.stdout == fresh
    assert result.stderr == b""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.text() | st.integers(),
            lambda inner: st.lists(inner) | st.dictionaries(st.sampled_from(FIELDS) | st.integers(), inner),
        ),
    )
)
def test_corrupt_record_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: object) -> None:
    monkeypatch.setenv("PERFKIT_HELP_CACHE", str(tmp_path))
    raw = data if isinstance(data, bytes) else marshal.dumps(data)
    Path(helpcache.record_path(["top", "--help"])).write_bytes(raw)
    assert helpcache.lookup(["top", "--help"]) is None


def test_help_requests_the_cache_answers() -> None:
    assert helpcache.wanted(["top", "--help"]) and helpcache.wanted(["top", "-h"]) and helpcache.wanted(["--help"])
    assert not helpcache.wanted(["top", "x", "--help"]) and not helpcache.wanted(["--version", "--help"])
    assert not helpcache.wanted(["top"]) and not helpcache.wanted([])


JUNK = st.recursive(st.none() | st.text(max_size=5) | st.integers() | st.booleans(), st.lists, max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(read_env=JUNK | st.dictionaries(JUNK.filter(lambda v: not isinstance(v, list)), JUNK), files=JUNK, out=JUNK)
def test_record_with_the_right_key_and_junk_fields_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_env: object, files: object, out: object
) -> None:
    """Past the key, every field is checked before use: junk is a miss, never an exception."""
    monkeypatch.setenv("PERFKIT_HELP_CACHE", str(tmp_path))
    args = ["top", "--help"]
    entry = {"key": helpcache.key(args), "read_env": read_env, "files": files, "out": out}
    Path(helpcache.record_path(args)).write_bytes(marshal.dumps([entry]))
    assert helpcache.lookup(args) is None
