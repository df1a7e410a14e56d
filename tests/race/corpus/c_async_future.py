# expect: clean
import asyncio


class Box:
    value = 0


async def setter(box, fut):
    v = box.value
    await asyncio.sleep(0)
    box.value = v + 1
    fut.set_result(True)


async def main():
    box = Box()
    fut = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(setter(box, fut))
    await fut
    v = box.value
    await asyncio.sleep(0)
    box.value = v + 10
    await task
    print(box.value)


asyncio.run(main())
