"""Every worker of a pre-forking server (gunicorn, uvicorn ``--workers``) behind one debug request.

A request to ``/debug/pprof/profile`` on the app's port reaches *one* worker; the work happens
in all of them.  So the workers of one server form a group: each runs a small agent thread
listening on a Unix socket ``<runtime dir>/perfkit-debug-<uid>/<server pid>/<worker pid>.sock``
(directory mode 0700, peers checked with ``SO_PEERCRED``).  The worker that gets the request
takes the server-wide profile lock (``flock`` on the group directory: a second profile anywhere
in the server gets 409), asks every sibling to sample for the same time while it samples itself
(its own request thread only waits), and merges the answers, every sample labelled ``pid``.
``/debug/vars`` and ``/debug/metrics`` gather the same way with ``?workers=all``.

Joining: gunicorn's ``post_fork`` hook (:mod:`perfkit.debug.gunicorn_hooks`) calls :func:`join`
with the arbiter's pid; a wrapper created in a ``multiprocessing`` child (uvicorn ``--workers``
spawns its workers that way) joins its parent's group by itself (:func:`join_if_worker`).  After
``fork()`` a child is in no group (the agent thread stays in the parent) until it joins.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import socket
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from perfkit.model import Profile

SOCKET_SUFFIX = ".sock"
MAX_REQUEST = 4096  #: bytes of one agent request line
MAX_CONCURRENT = 4  #: agent connections handled at once
GRACE = 15.0  #: seconds an answer may arrive after the profile's own length


class Group:
    """This process's membership in its server's worker group."""

    def __init__(self, leader: int, directory: Path, notify: Callable[[], None] | None = None) -> None:
        self.leader = leader
        self.directory = directory
        self.pid = os.getpid()
        self.notify = notify
        self.path = directory / f"{self.pid}{SOCKET_SUFFIX}"
        self._listener = _listen(self.path)
        self._slots = threading.BoundedSemaphore(MAX_CONCURRENT)
        self._thread = threading.Thread(target=self._serve, name="perfkit-debug-agent", daemon=True)
        self._thread.start()

    # ----------------------------------------------------------------- membership
    def members(self) -> list[int]:
        """Pids of every worker that joined, this one included, sorted."""
        pids = {self.pid}
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.directory):
                stem = entry.name.removesuffix(SOCKET_SUFFIX)
                if entry.name.endswith(SOCKET_SUFFIX) and stem.isdigit():
                    pids.add(int(stem))
        return sorted(pids)

    @contextlib.contextmanager
    def profile_lock(self) -> Iterator[bool]:
        """Server-wide: True if this caller holds the one profile slot, False if another has it."""
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def leave(self) -> None:
        """Stop the agent and remove this worker's socket."""
        with contextlib.suppress(OSError):
            self._listener.close()
        with contextlib.suppress(OSError):
            if self.pid == os.getpid():
                self.path.unlink()
        with contextlib.suppress(OSError):
            self.directory.rmdir()  # the last worker out removes the group (fails while others are in)

    # ----------------------------------------------------------------- asking
    def gather(self, request: dict[str, Any], local: Callable[[], bytes], timeout: float) -> dict[int, bytes]:
        """Send ``request`` to every sibling while ``local()`` runs here; pid -> answer body.
        Siblings that are gone (their socket refuses) are cleaned up and left out; one that does
        not answer in time is left out too."""
        answers: dict[int, bytes] = {}
        threads = []
        for pid in self.members():
            if pid == self.pid:
                continue
            thread = threading.Thread(
                target=self._ask_into, args=(pid, request, timeout, answers), name="perfkit-debug-ask", daemon=True
            )
            thread.start()
            threads.append(thread)
        answers[self.pid] = local()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return dict(sorted(answers.items()))

    def _ask_into(self, pid: int, request: dict[str, Any], timeout: float, answers: dict[int, bytes]) -> None:
        body = self.ask(pid, request, timeout)
        if body is not None:
            answers[pid] = body

    def ask(self, pid: int, request: dict[str, Any], timeout: float) -> bytes | None:
        """One sibling's answer, or None if it is gone or failed."""
        path = self.directory / f"{pid}{SOCKET_SUFFIX}"
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.settimeout(2.0)
            try:
                conn.connect(str(path))
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):
                    path.unlink()  # a worker that died without leaving
                return None
            conn.settimeout(timeout)
            conn.sendall(json.dumps(request).encode() + b"\n")
            reader = conn.makefile("rb")
            head = json.loads(reader.readline(MAX_REQUEST) or b"{}")
            if not head.get("ok"):
                return None
            body = reader.read(int(head.get("length", 0)))
            return body
        except (OSError, ValueError):
            return None
        finally:
            conn.close()

    # ----------------------------------------------------------------- answering
    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # closed: left the group
            if not _same_user(conn) or not self._slots.acquire(blocking=False):
                conn.close()
                continue
            threading.Thread(target=self._answer, args=(conn,), name="perfkit-debug-agent-call", daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5.0)
            line = conn.makefile("rb").readline(MAX_REQUEST)
            conn.settimeout(None)
            try:
                request = json.loads(line)
                body = _HANDLERS[request["op"]](request)
                head: dict[str, object] = {"ok": True, "pid": self.pid, "length": len(body)}
            except Exception as exc:  # a bad request or a failed profile: say so, stay up
                body, head = b"", {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
            conn.sendall(json.dumps(head).encode() + b"\n" + body)
        except OSError:
            pass
        finally:
            conn.close()
            self._slots.release()


# --------------------------------------------------------------------------- what a sibling does
def _profile_op(request: dict[str, Any]) -> bytes:
    from perfkit.debug.sampler import MAX_HZ, MODES, Sampler
    from perfkit.formats import pprof

    seconds = float(request["seconds"])
    hz = int(request["hz"])
    if not (0 < seconds <= 300 and 1 <= hz <= MAX_HZ and request["mode"] in MODES):
        raise ValueError("parameters out of bounds")
    profile = Sampler(hz, request["mode"], labels={"pid": str(os.getpid())}).collect(seconds)
    return pprof.write(profile, compress=False)


def _vars_op(_request: dict[str, Any]) -> bytes:
    from perfkit.debug import metrics

    return json.dumps(metrics.default().vars(), default=str).encode()


def _metrics_op(_request: dict[str, Any]) -> bytes:
    from perfkit.debug import metrics

    return metrics.default().prometheus_text()


_HANDLERS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    "profile": _profile_op,
    "vars": _vars_op,
    "metrics": _metrics_op,
}


# --------------------------------------------------------------------------- joining
_GROUP: Group | None = None
_LOCK = threading.Lock()


def current() -> Group | None:
    """The group this process is a member of, if any."""
    group = _GROUP
    return group if group is not None and group.pid == os.getpid() else None


def join(leader: int | None = None, *, notify: Callable[[], None] | None = None) -> Group:
    """Join the worker group of server ``leader`` (default: the parent process); idempotent.
    ``notify`` is called while this worker waits for a profile (gunicorn's heartbeat)."""
    global _GROUP
    with _LOCK:
        group = current()
        if group is not None:
            if notify is not None:
                group.notify = notify
            return group
        leader = os.getppid() if leader is None else leader
        _GROUP = Group(leader, group_directory(leader), notify)
        return _GROUP


def join_if_worker() -> Group | None:
    """Join the parent's group when this process is a ``multiprocessing`` child (how uvicorn
    ``--workers`` and hypercorn start their workers); else stay alone."""
    group = current()
    if group is not None or "multiprocessing" not in sys.modules:
        return group
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return None
    try:
        return join(parent.pid)
    except OSError:
        return None  # no usable runtime directory: serve this worker alone


def leave_group_of(leader: int, pid: int) -> None:
    """For the server process: forget worker ``pid`` (gunicorn's ``child_exit``)."""
    with contextlib.suppress(OSError):
        (group_directory(leader, create=False) / f"{pid}{SOCKET_SUFFIX}").unlink()


def remove_group(leader: int) -> None:
    """For the server process at exit: remove the group's directory."""
    directory = group_directory(leader, create=False)
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
        directory.rmdir()


def group_directory(leader: int, *, create: bool = True) -> Path:
    """``<runtime>/perfkit-debug-<uid>/<leader>``: private to this user (0700, owner checked)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR") or ""
    base = Path(runtime if runtime and os.path.isdir(runtime) else tempfile.gettempdir())
    mine = base / f"perfkit-debug-{os.getuid()}"
    directory = mine / str(int(leader))
    if not create:
        return directory
    for path in (mine, directory):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
        info = os.lstat(path)
        if not os.path.isdir(path) or os.path.islink(path) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise PermissionError(f"{path}: not a private directory of this user; remove it")
    _sweep(mine, keep=directory)
    return directory


def _sweep(mine: Path, keep: Path) -> None:
    """Remove the groups of servers that are gone (workers killed, or a server whose workers exit
    without running atexit, as uvicorn's do): a worker joining cleans up after them."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(mine):
            if entry.name.isdigit() and entry.path != str(keep) and not _alive(int(entry.name)):
                remove_group(int(entry.name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _listen(path: Path) -> socket.socket:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a previous process with this pid died without cleaning up
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(16)
    return listener


def _same_user(conn: socket.socket) -> bool:
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except (OSError, AttributeError):
        return False
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


# --------------------------------------------------------------------------- merging
def merge_profiles(bodies: dict[int, bytes]) -> Profile:
    """One profile from each worker's pprof body (their samples already carry ``pid``)."""
    from perfkit.formats import pprof

    profiles, pids = [], []
    for pid, body in sorted(bodies.items()):
        try:
            profiles.append(pprof.decode(body))
            pids.append(pid)
        except Exception:  # a sibling's answer cut short: leave that worker out, keep the rest
            continue
    merged = profiles[0].merge(*profiles[1:]) if len(profiles) > 1 else profiles[0]
    merged.metadata = dict(profiles[0].metadata)
    merged.metadata["pids"] = pids
    return merged


# --------------------------------------------------------------------------- lifecycle
def _after_fork_in_child() -> None:
    """The agent thread stays in the parent; the child closes its copy of the listener."""
    global _GROUP, _LOCK
    _LOCK = threading.Lock()
    group, _GROUP = _GROUP, None
    if group is not None:
        with contextlib.suppress(OSError):
            group._listener.close()


def _at_exit() -> None:
    group = current()
    if group is not None:
        group.leave()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)
