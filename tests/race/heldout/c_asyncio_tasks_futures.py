"""create_task, awaiting a task, a future, wait_for and a TaskGroup order results read by main."""

import asyncio


class Out:
    a = None
    b = None


async def main():
    o = Out()
    loop = asyncio.get_running_loop()
    fut = loop.create_future()

    async def first():
        await asyncio.sleep(0)
        o.a = 1

    async def second():
        await asyncio.sleep(0)
        v = o.b
        await asyncio.sleep(0)
        o.b = (v or 0) + 2
        fut.set_result(None)

    t = asyncio.create_task(first())
    await t
    a = o.a
    o.a = a + 1
    asyncio.create_task(second())  # noqa: RUF006 (awaited through fut)
    await fut
    b = o.b
    await asyncio.sleep(0)
    o.b = b + 1
    await asyncio.wait_for(first(), timeout=5)

    async with asyncio.TaskGroup() as tg:
        tg.create_task(second_tg(o))
    v = o.a
    await asyncio.sleep(0)
    o.a = v * 2
    print(o.a, o.b)


async def second_tg(o):
    v = o.a
    await asyncio.sleep(0)
    o.a = v + 10


asyncio.run(main())
