"""Idiom gone wrong (the true race of issue 8): the worker resolves the future that wakes the
reader, and only afterwards stores the result slot. The awaiting coroutine reads
ResultSlot.value after the wake-up; the store is not ordered before it: a race.
"""

import asyncio
import threading
import time

# RACE: ResultSlot.value


class ResultSlot:
    def __init__(self) -> None:
        self.value: int | None = None


async def main() -> None:
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[None] = loop.create_future()
    slot = ResultSlot()

    def worker() -> None:
        loop.call_soon_threadsafe(fut.set_result, None)  # wakes the reader...
        time.sleep(0.001)
        slot.value = 42  # ...but the result is stored after

    t = threading.Thread(target=worker)
    t.start()
    await fut
    got = slot.value
    await asyncio.to_thread(t.join)
    print("read", got is None or got == 42)


if __name__ == "__main__":
    asyncio.run(main())
