# expect: clean
import asyncio


class Shared:
    data = None


async def producer(shared, ev):
    current = shared.data
    await asyncio.sleep(0)
    shared.data = (current or 0) + 1
    ev.set()


async def consumer(shared, ev):
    await ev.wait()
    current = shared.data
    await asyncio.sleep(0)
    shared.data = current + 1


async def main():
    shared, ev = Shared(), asyncio.Event()
    await asyncio.gather(consumer(shared, ev), producer(shared, ev))
    print(shared.data)


asyncio.run(main())
