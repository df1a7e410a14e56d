# expect: clean
import asyncio


class Slot:
    def __init__(self):
        self.value = None


async def fill(slot, n):
    await asyncio.sleep(0)
    slot.value = n


async def main():
    slots = [Slot() for _ in range(4)]
    await asyncio.gather(*(fill(s, i) for i, s in enumerate(slots)))
    print([s.value for s in slots])
    t = asyncio.create_task(fill(slots[0], 9))
    await t
    slots[0].value += 1
    print(slots[0].value)


asyncio.run(main())
