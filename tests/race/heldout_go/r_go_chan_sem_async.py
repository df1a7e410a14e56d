"""Go: TestRaceChanSem (chan_test.go), with asyncio tasks.

An asyncio.Queue(maxsize=2) as a semaphore of two: both tasks are inside together, each reads
AsyncSem.data, awaits, and writes it back. The second read is not ordered before the first
task's write: a lost update.
"""

import asyncio

# RACE: AsyncSem.data


class AsyncSem:
    def __init__(self) -> None:
        self.data = 0


async def bump(shared: AsyncSem, sem: "asyncio.Queue[None]", amount: int) -> None:
    await sem.put(None)
    current = shared.data
    await asyncio.sleep(0.01)
    shared.data = current + amount
    await sem.get()


async def main() -> None:
    shared = AsyncSem()
    sem: asyncio.Queue[None] = asyncio.Queue(maxsize=2)
    await asyncio.gather(bump(shared, sem, 42), bump(shared, sem, 43))
    print("data =", shared.data)


if __name__ == "__main__":
    asyncio.run(main())
