"""TaskGroup tasks do a dict-slot read, await wait_for, then write: lost update across an await."""

import asyncio

counts = {"n": 0}


async def step():
    await asyncio.sleep(0)


async def bump():
    v = counts["n"]
    await asyncio.wait_for(step(), timeout=1)
    counts["n"] = v + 1  # RACE: counts['n']


async def main():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(bump())
        tg.create_task(bump())
    print("n", counts["n"])


asyncio.run(main())
