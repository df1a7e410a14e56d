"""Idiom: the same ContextVar-backed Local used from asyncio tasks. Each task reads
`local.count`, awaits, and writes it back: by attribute name this looks like a lost update,
but every task has its own context (and the storage dict is copied on write): clean.
"""

import asyncio
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


async def handle(name: str) -> tuple[str, int]:
    local.request_id = name
    local.count = 0
    for _ in range(5):
        current = local.count
        await asyncio.sleep(0.001)
        local.count = current + 1
    return local.request_id, local.count


async def main() -> None:
    local.request_id = "outer"
    results = await asyncio.gather(*(handle(f"req{i}") for i in range(4)))
    print(sorted(results), local.request_id)


if __name__ == "__main__":
    asyncio.run(main())
