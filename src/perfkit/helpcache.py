"""``perfkit COMMAND --help`` served from a disk cache of what typer printed the last time.

Why: typer renders help through rich (``typer.rich_utils`` imports ``rich.markdown`` and with it
markdown-it): about 250 ms of imports before a line of help, every time, for text that only
changes when perfkit, typer, rich, the terminal or the environment does. Here the first run
renders as always and records what it printed; later runs print the record (a few ms) without
loading typer at all.

Never wrong help: a record is printed only when everything its rendering depended on is what it
was when it rendered:

* the key: the arguments, perfkit's version, the interpreter (executable, version, flags,
  ``sys.path``), for stdin/stdout/stderr whether each is a terminal and its size, the output
  streams' encodings, and the locale and terminal variables read below Python (``LANG``, ``TERM`` ...);
* every environment variable the rendering read through ``os.environ`` (recorded while it runs,
  so a variable a future rich or typer starts reading is covered without a list to keep up);
* every module file that was loaded (path, size, mtime in ns, inode): stricter than Python's own
  byte-code check, so an upgrade of typer or rich, or an edit of a command's options, re-renders.

A run is recorded only when it was clean (exit status 0, all output written through
``sys.stdout``, nothing on stderr, the environment never listed as a whole). Records live in
``$PERFKIT_HELP_CACHE`` if set (``off`` disables the cache), else ``$XDG_CACHE_HOME/perfkit/help``
(``~/.cache/perfkit/help``): one small file per argument form, with the last few keys (a
terminal resized back and forth keeps both widths), in :mod:`marshal`: Python's own format for its
byte-code cache, loaded without importing anything (``json`` would import ``re``: 20 ms). The
interpreter's version is part of the key, as marshal's format may change with it. Any problem
with the cache (unwritable, corrupt, raced) only means the help is rendered as without it.
"""

from __future__ import annotations

import os
import sys

from perfkit import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the hit path stays minimal)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: records kept per argument form (one per terminal width / colour mode, most recent first)
KEEP = 8
#: bump when the record layout changes
LAYOUT = 1
#: read below Python (C locale, terminal libraries), and those rich and typer read today (kept
#: even if one were imported before the recording starts); any other read is noted as it happens
ALWAYS_KEYED = (
    *("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TERM", "COLORTERM", "COLUMNS", "LINES"),
    *("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "TERMINAL_WIDTH", "PY_COLORS"),
)
HELP_FLAGS = ("--help", "-h")


def wanted(args: list[str]) -> bool:
    """Whether ``args`` is a plain help request (``CMD --help``, ``--help``) and the cache is on."""
    if os.environ.get("PERFKIT_HELP_CACHE") == "off" or not 1 <= len(args) <= 2 or args[-1] not in HELP_FLAGS:
        return False
    return len(args) == 1 or not args[0].startswith("-")


def folder() -> str:
    """Where the records live (see the module's docstring)."""
    chosen = os.environ.get("PERFKIT_HELP_CACHE")
    if chosen:
        return chosen
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "perfkit", "help")


def record_path(args: list[str]) -> str:
    """One file per argument form: ``top--help.marshal``."""
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in "".join(args)) or "root"
    return os.path.join(folder(), name + ".marshal")


def _stream(fd: int) -> list[object]:
    """[is a terminal, (columns, lines) or None]: what rich reads to pick colours and width."""
    try:
        size: object = list(os.get_terminal_size(fd))
    except (OSError, ValueError):
        size = None
    try:
        tty = os.isatty(fd)
    except OSError:
        tty = False
    return [tty, size]


def key(args: list[str]) -> dict[str, object]:
    """Everything known before rendering that the help text may depend on."""
    encodings = [[getattr(s, "encoding", None), getattr(s, "errors", None)] for s in (sys.stdout, sys.stderr)]
    return {
        "layout": LAYOUT,
        "args": list(args),
        "perfkit": __version__,
        "python": [sys.executable, sys.version, repr(sys.flags), list(sys.path), sys.platform],
        "streams": [_stream(fd) for fd in (0, 1, 2)],
        "encodings": encodings,
        "env": {name: os.environ.get(name) for name in ALWAYS_KEYED},
    }


def _file_state(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except (OSError, TypeError, ValueError):  # gone, or not a path (a corrupt record)
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _still_valid(entry: dict[str, object]) -> bool:
    env = entry.get("read_env")
    files = entry.get("files")
    if not isinstance(env, dict) or not isinstance(files, list) or not files:
        return False
    if not all(isinstance(name, str) and os.environ.get(name) == value for name, value in env.items()):
        return False
    return all(isinstance(f, list) and len(f) == 2 and _file_state(f[0]) == f[1] for f in files)


def lookup(args: list[str]) -> str | None:
    """The recorded help for ``args`` if every dependency is unchanged, else None."""
    import marshal

    try:
        with open(record_path(args), "rb") as f:
            entries = marshal.load(f)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(entries, list):
        return None
    wanted_key = key(args)
    for entry in entries:
        if isinstance(entry, dict) and entry.get("key") == wanted_key and _still_valid(entry):
            out = entry.get("out")
            return out if isinstance(out, str) else None
    return None


def serve(args: list[str]) -> bool:
    """Print the recorded help for ``args`` if it is still right; whether it did."""
    out = lookup(args)
    if out is None:
        return False
    sys.stdout.write(out)
    sys.stdout.flush()
    return True


# ---------------------------------------------------------------------------- recording a render
class _Tee:
    """``sys.stdout``/``sys.stderr`` as they are (rich still sees a terminal: ``isatty``,
    ``fileno``, ``encoding`` pass through), keeping a copy of the text written; a write that goes
    around it, to the binary buffer, is noticed (and the run is not recorded)."""

    def __init__(self, stream: object) -> None:
        self._stream = stream
        self.parts: list[str] = []
        self.bypassed = False

    def write(self, text: str) -> int:
        written: int = self._stream.write(text)  # type: ignore[attr-defined]
        self.parts.append(text)  # after: click probes with write(b"") and expects a TypeError
        return written

    @property
    def buffer(self) -> object:
        self.bypassed = True
        return self._stream.buffer  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def _environ_log() -> tuple[object, set[str], list[bool]]:
    """An ``os.environ`` that notes each variable read (and whether it was listed whole)."""
    base = type(os.environ)
    read: set[str] = set()
    listed = [False]

    class ReadLog(base):  # type: ignore[valid-type,misc]
        def __getitem__(self, name: str) -> str:
            read.add(name)
            return super().__getitem__(name)

        def __iter__(self) -> Iterator[str]:
            listed[0] = True
            return super().__iter__()

    env = os.environ
    log = ReadLog(env._data, env.encodekey, env.decodekey, env.encodevalue, env.decodevalue)  # type: ignore[attr-defined]
    return log, read, listed


def render_and_record(args: list[str], render: Callable[[], None]) -> None:
    """Run ``render`` (the CLI printing help) as usual, and record its output when it was clean."""
    wanted_key = key(args)
    before = dict(os.environ)
    log, read, listed = _environ_log()
    real_env, real_out, real_err = os.environ, sys.stdout, sys.stderr
    out, err = _Tee(real_out), _Tee(real_err)
    status: object = "raised"
    os.environ, sys.stdout, sys.stderr = log, out, err  # type: ignore[assignment]
    try:
        render()
        status = 0
    except SystemExit as exc:
        status = exc.code
        raise
    finally:
        os.environ, sys.stdout, sys.stderr = real_env, real_out, real_err
        clean = not (err.parts or out.bypassed or err.bypassed or listed[0])
        if status in (0, None) and clean and out.parts and all(isinstance(p, str) for p in out.parts):
            import contextlib

            with contextlib.suppress(Exception):  # the cache only saves time: a failure must not cost the help
                _store(args, wanted_key, {n: before.get(n) for n in read}, "".join(out.parts))


def _store(args: list[str], wanted_key: dict[str, object], read_env: dict[str, str | None], out: str) -> None:
    import marshal

    files = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path not in files:
            state = _file_state(path)
            if state is None:  # a module we could not check again (zip import, deleted): no record
                return
            files[path] = state
    entry = {"key": wanted_key, "read_env": read_env, "files": [[p, s] for p, s in files.items()], "out": out}
    target = record_path(args)
    try:
        with open(target, "rb") as f:
            old = marshal.load(f)
    except (OSError, ValueError, EOFError, TypeError):
        old = []
    kept = [e for e in old if isinstance(e, dict) and e.get("key") != wanted_key] if isinstance(old, list) else []
    tmp = f"{target}.{os.getpid()}.tmp"  # written whole, then renamed: a reader never sees half
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(tmp, "wb") as f:
            marshal.dump([entry, *kept][:KEEP], f)
        os.replace(tmp, target)
    except OSError:
        import contextlib

        with contextlib.suppress(OSError):
            os.unlink(tmp)
