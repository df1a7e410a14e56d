"""Idiom: a client thread drives coroutines on the loop with
asyncio.run_coroutine_threadsafe(...).result().

The coroutine's writes to Registry are ordered before result() returns in the client thread;
the client's later writes are ordered before the loop's reads by joining the client thread
(to_thread(join)): clean.
"""

import asyncio
import threading


class Registry:
    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self.version = 0
        self.closed_by = ""


async def register(reg: Registry, name: str) -> int:
    await asyncio.sleep(0.001)
    reg.version += 1
    reg.names[name] = reg.version
    return reg.version


def client(loop: asyncio.AbstractEventLoop, reg: Registry, out: list[int]) -> None:
    for name in ("alpha", "beta", "gamma"):
        fut = asyncio.run_coroutine_threadsafe(register(reg, name), loop)
        out.append(fut.result(timeout=5))
    reg.closed_by = f"client after version {reg.version}"


async def main() -> None:
    loop = asyncio.get_running_loop()
    reg = Registry()
    out: list[int] = []
    t = threading.Thread(target=client, args=(loop, reg, out))
    t.start()
    await asyncio.to_thread(t.join)
    reg.version += 100
    print(out, sorted(reg.names.items()), reg.closed_by, reg.version)


if __name__ == "__main__":
    asyncio.run(main())
