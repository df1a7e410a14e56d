# expect: clean
import asyncio


class Data:
    def __init__(self):
        self.rows = []


def load(d):
    d.rows = [1, 2, 3]
    return len(d.rows)


async def main():
    d = Data()
    n = await asyncio.to_thread(load, d)
    print(n, sum(d.rows))
    d.rows = []


asyncio.run(main())
