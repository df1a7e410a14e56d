"""Idiom gone wrong: the worker hands an object to the loop with call_soon_threadsafe and then
keeps writing it. The handler on the loop reads Envelope.status; the worker's write after the
hand-off is not ordered with that read: a race.
"""

import asyncio
import threading

# RACE: Envelope.status


class Envelope:
    def __init__(self) -> None:
        self.status = "new"


async def main() -> None:
    loop = asyncio.get_running_loop()
    handled = asyncio.Event()
    seen: list[str] = []

    def handle(env: Envelope) -> None:  # runs on the loop
        seen.append(env.status)
        handled.set()

    def worker() -> None:
        env = Envelope()
        env.status = "queued"
        loop.call_soon_threadsafe(handle, env)
        env.status = "sent"  # after the hand-off

    t = threading.Thread(target=worker)
    t.start()
    await handled.wait()
    await asyncio.to_thread(t.join)
    print("handled", len(seen))


if __name__ == "__main__":
    asyncio.run(main())
