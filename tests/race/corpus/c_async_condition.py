# expect: clean
import asyncio


class Buffer:
    def __init__(self):
        self.items = 0


async def produce(buf, cond):
    for _ in range(3):
        async with cond:
            n = buf.items
            await asyncio.sleep(0)
            buf.items = n + 1
            cond.notify_all()


async def consume(buf, cond):
    async with cond:
        await cond.wait_for(lambda: buf.items >= 3)
        n = buf.items
        await asyncio.sleep(0)
        buf.items = n - 3


async def main():
    buf, cond = Buffer(), asyncio.Condition()
    await asyncio.gather(consume(buf, cond), produce(buf, cond))
    print(buf.items)


asyncio.run(main())
