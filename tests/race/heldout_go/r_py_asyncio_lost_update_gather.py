"""Idiom gone wrong: five tasks each do `value = counter.value; await sleep; counter.value =
value + 1` with no lock: a lost update on HitCounter.value.
"""

import asyncio

# RACE: HitCounter.value


class HitCounter:
    def __init__(self) -> None:
        self.value = 0


async def hit(counter: HitCounter) -> None:
    value = counter.value
    await asyncio.sleep(0.001)
    counter.value = value + 1


async def main() -> None:
    counter = HitCounter()
    await asyncio.gather(*(hit(counter) for _ in range(5)))
    print("value =", counter.value)


if __name__ == "__main__":
    asyncio.run(main())
