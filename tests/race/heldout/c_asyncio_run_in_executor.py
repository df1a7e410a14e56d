"""loop.run_in_executor and asyncio.to_thread write an object that the task reads after awaiting."""

import asyncio


class Res:
    x = 0


def compute(r, v):
    r.x = r.x + v
    return r.x


async def main():
    r = Res()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, compute, r, 2)
    r.x = r.x * 10
    await asyncio.to_thread(compute, r, 1)
    print(r.x)


asyncio.run(main())
