"""Idiom: per-thread state in a threading.local (request id, connection, counters), as
request-scoped globals in WSGI servers. Each thread sees its own attributes: clean.
"""

import queue
import threading

ctx = threading.local()


def handle(name: str, out: "queue.Queue[tuple[str, int, str]]") -> None:
    ctx.user = name
    ctx.hits = 0
    for _ in range(300):
        ctx.hits += 1
    out.put((name, ctx.hits, ctx.user))


def main() -> None:
    out: queue.Queue[tuple[str, int, str]] = queue.Queue()
    threads = [threading.Thread(target=handle, args=(f"user{i}", out)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(sorted(out.get() for _ in threads))


if __name__ == "__main__":
    main()
