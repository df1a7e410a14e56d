"""Idiom: a worker thread resolves an asyncio future through
loop.call_soon_threadsafe(fut.set_result, reply), the reply object being created and filled in
the worker.

The worker's writes precede call_soon_threadsafe; the awaiting coroutine resumes after the
future is resolved on the loop: clean.
"""

import asyncio
import threading


class Reply:
    def __init__(self) -> None:
        self.status = 0
        self.body = ""


async def fetch(loop: asyncio.AbstractEventLoop, path: str) -> Reply:
    fut: asyncio.Future[Reply] = loop.create_future()

    def blocking_io() -> None:
        reply = Reply()
        reply.status = 200
        reply.body = f"contents of {path}"
        loop.call_soon_threadsafe(fut.set_result, reply)

    worker = threading.Thread(target=blocking_io)
    worker.start()
    reply = await fut
    reply.body = reply.body.upper()
    reply.status += 1
    await asyncio.to_thread(worker.join)
    return reply


async def main() -> None:
    loop = asyncio.get_running_loop()
    replies = await asyncio.gather(fetch(loop, "/a"), fetch(loop, "/b"))
    for reply in replies:
        print(reply.status, reply.body)


if __name__ == "__main__":
    asyncio.run(main())
