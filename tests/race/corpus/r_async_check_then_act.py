# expect: race Loader.data
import asyncio


class Loader:
    def __init__(self):
        self.data = None
        self.loads = 0

    async def get(self):
        if self.data is None:
            await asyncio.sleep(0.001)
            self.data = {"v": 1}
        return self.data


async def main():
    loader = Loader()
    await asyncio.gather(loader.get(), loader.get())


asyncio.run(main())
