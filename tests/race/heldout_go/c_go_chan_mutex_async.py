"""Go: TestNoRaceChanMutex (chan_test.go), with asyncio tasks.

An asyncio.Queue(maxsize=1) is the mutex: a task puts to enter and gets to leave. Inside, each
task reads AsyncGuarded.data, awaits, and writes it back: a lost-update shape, but the
capacity-1 queue orders the critical sections (the k-th get before the (k+1)-th put
completes): clean.
"""

import asyncio


class AsyncGuarded:
    def __init__(self) -> None:
        self.data = 0


async def bump(shared: AsyncGuarded, mtx: "asyncio.Queue[None]", amount: int) -> None:
    await mtx.put(None)
    current = shared.data
    await asyncio.sleep(0.005)
    shared.data = current + amount
    await mtx.get()


async def main() -> None:
    shared = AsyncGuarded()
    mtx: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
    await asyncio.gather(bump(shared, mtx, 42), bump(shared, mtx, 43), bump(shared, mtx, 1))
    print("data =", shared.data)


if __name__ == "__main__":
    asyncio.run(main())
