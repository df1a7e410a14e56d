"""Go: TestRaceIssue5654 (mop_test.go).

The producer fills one reusable list buffer, sends it, and refills the *same* list for the
next chunk while the consumer is still iterating it. Iterating a list while another thread
assigns its items is a race: the assignments after the k-th put are not ordered with the
consumer's iteration after the k-th get. The queue holds one item (Go's channel is
unbuffered), so the (k+1)-th put cannot complete before the k-th get, and the race does not
hinge on per-item versus per-queue put -> get edges.
"""

import queue
import threading

# RACE: r_go_buffer_reuse_iter.py:41

TEXT = (
    "Friends, Romans, countrymen, lend me your ears; "
    "I come to bury Caesar, not to praise him. "
    "The evil that men do lives after them; "
    "the good is oft interred with their bones."
)


def main() -> None:
    width = 16
    chunks: queue.Queue[tuple[list[str], int] | None] = queue.Queue(maxsize=1)

    def producer() -> None:
        buf = [""] * width
        for start in range(0, len(TEXT), width):
            piece = TEXT[start : start + width]
            for i, ch in enumerate(piece):
                buf[i] = ch
            chunks.put((buf, len(piece)))
        chunks.put(None)

    threading.Thread(target=producer).start()
    out: list[str] = []
    while (msg := chunks.get()) is not None:
        buf, _size = msg
        for ch in buf:  # <- race
            out.append(ch)
    print(len(out) >= len(TEXT))


if __name__ == "__main__":
    main()
