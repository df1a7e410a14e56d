"""Idiom: a ContextVar-backed "Local" (the werkzeug/asgiref shape): __getattr__/__setattr__
route attributes to a dict stored in a ContextVar, copied on write. Each thread runs in its own
context, so `local.count += 1` in four threads touches four private dicts: clean.
"""

import queue
import threading
from contextvars import ContextVar
from typing import Any


class Local:
    __slots__ = ("_storage",)

    def __init__(self) -> None:
        object.__setattr__(self, "_storage", ContextVar("local_storage"))

    def __getattr__(self, name: str) -> Any:
        values = self._storage.get({})
        try:
            return values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        values = self._storage.get({}).copy()
        values[name] = value
        self._storage.set(values)


local = Local()


def handle(name: str, out: "queue.Queue[tuple[str, int]]") -> None:
    local.request_id = name
    local.count = 0
    for _ in range(200):
        local.count += 1
    out.put((local.request_id, local.count))


def main() -> None:
    out: queue.Queue[tuple[str, int]] = queue.Queue()
    threads = [threading.Thread(target=handle, args=(f"req{i}", out)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(sorted(out.get() for _ in threads))


if __name__ == "__main__":
    main()
