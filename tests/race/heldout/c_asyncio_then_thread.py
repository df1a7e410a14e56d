"""Tasks (one never awaited) write objects; after asyncio.run returns, a new thread reads and updates them."""

import asyncio
import threading


class Box:
    v = 0


boxes = [Box(), Box()]


async def fill(b, v):
    b.v = v


async def main():
    asyncio.create_task(fill(boxes[0], 1))  # noqa: RUF006 (fire and forget: done before the loop stops)
    async with asyncio.TaskGroup() as tg:
        tg.create_task(fill(boxes[1], 2))
        await asyncio.sleep(0.01)


asyncio.run(main())


def bump():
    for b in boxes:
        b.v += 1


t = threading.Thread(target=bump)
t.start()
t.join()
print([b.v for b in boxes])
