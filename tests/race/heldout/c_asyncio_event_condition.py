"""asyncio.Event and asyncio.Condition order a write across an await with the reader."""

import asyncio


class Shared:
    data = None
    more = None


async def main():
    s = Shared()
    ev = asyncio.Event()
    cond = asyncio.Condition()

    async def writer():
        await asyncio.sleep(0)
        s.data = "x"
        ev.set()
        await asyncio.sleep(0)
        async with cond:
            s.more = "y"
            cond.notify_all()

    async def reader():
        await ev.wait()
        d = s.data
        async with cond:
            await cond.wait_for(lambda: s.more is not None)
            s.more = s.more + d

    await asyncio.gather(reader(), writer())
    print(s.data, s.more)


asyncio.run(main())
