"""asyncio.wait (all and first completed), as_completed and shield order task writes before the awaiter's update."""

import asyncio


class Cell:
    def __init__(self):
        self.v = 0


async def put(cell, v):
    await asyncio.sleep(0)
    cell.v = v


async def main():
    cells = [Cell() for _ in range(3)]
    tasks = [asyncio.create_task(put(c, i + 1)) for i, c in enumerate(cells)]
    await asyncio.wait(tasks)
    for c in cells:
        old = c.v
        await asyncio.sleep(0)
        c.v = old * 10

    more = [asyncio.create_task(put(c, 5)) for c in cells]
    for fut in asyncio.as_completed(more):
        await fut
    done, pending = await asyncio.wait([asyncio.create_task(put(cells[0], 7))], return_when=asyncio.FIRST_COMPLETED)
    await asyncio.shield(put(cells[1], 8))
    for c in cells:
        old = c.v
        await asyncio.sleep(0)
        c.v = old + 1
    print(len(done), len(pending), [c.v for c in cells])


asyncio.run(main())
