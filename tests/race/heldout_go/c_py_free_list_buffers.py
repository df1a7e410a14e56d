"""Idiom: buffer reuse done right, with a free list. The producer takes a buffer from `free`,
fills it and puts it on `full`; the consumer reads it, clears it and puts it back on `free`.
Each buffer's reuse is ordered by the consumer's put -> the producer's get: clean (contrast
r_go_buffer_reuse_iter).
"""

import queue
import threading


class Buffer:
    def __init__(self) -> None:
        self.data: list[str] = []
        self.size = 0


def main() -> None:
    text = "the quick brown fox jumps over the lazy dog " * 4
    free: queue.Queue[Buffer] = queue.Queue()
    full: queue.Queue[Buffer | None] = queue.Queue()
    for _ in range(2):
        free.put(Buffer())

    def producer() -> None:
        for start in range(0, len(text), 8):
            buf = free.get()
            buf.data = list(text[start : start + 8])
            buf.size = len(buf.data)
            full.put(buf)
        full.put(None)

    threading.Thread(target=producer).start()
    out: list[str] = []
    while (buf := full.get()) is not None:
        for ch in buf.data:
            out.append(ch)
        buf.data = []
        buf.size = 0
        free.put(buf)
    print("".join(out) == text, len(out))


if __name__ == "__main__":
    main()
