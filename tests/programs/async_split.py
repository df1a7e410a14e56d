"""An asyncio program whose *wall* time splits 75/25 between two coroutines that mostly wait.

``slow_io`` awaits 3 x 0.2 s and ``fast_io`` awaits 1 x 0.2 s, one after the other, so a wall-clock,
async-aware profiler (pyinstrument) attributes about 75 % of the awaited time to ``slow_io``;
a CPU sampler sees almost nothing. Scale with ``argv[1]`` (default 1.0).
"""

import asyncio
import sys


async def slow_io(scale: float) -> None:
    for _ in range(3):
        await asyncio.sleep(0.2 * scale)


async def fast_io(scale: float) -> None:
    await asyncio.sleep(0.2 * scale)


async def main(scale: float) -> None:
    await slow_io(scale)
    await fast_io(scale)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0))
