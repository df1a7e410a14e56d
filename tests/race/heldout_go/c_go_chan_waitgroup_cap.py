"""Go: TestNoRaceChanWaitGroup (chan_test.go).

A Queue(maxsize=5) as a counting wait group: put one token before starting each of 10
workers; each worker writes its slot and takes a token back; the main thread then puts 5 more
tokens, which can complete only after all 10 gets (k-th get before the (k+5)-th put
completes). The main thread's reads of Slot.value are ordered after every worker's write:
clean.
"""

import queue
import threading


class Slot:
    def __init__(self) -> None:
        self.value = 0


def main() -> None:
    n = 10
    chan_wg: queue.Queue[bool] = queue.Queue(maxsize=n // 2)
    data = [Slot() for _ in range(n)]

    def worker(i: int) -> None:
        data[i].value = 42 + i
        chan_wg.get()

    for i in range(n):
        chan_wg.put(True)
        threading.Thread(target=worker, args=(i,)).start()
    for _ in range(chan_wg.maxsize):
        chan_wg.put(True)
    total = 0
    for i in range(n):
        total += data[i].value
    print("total =", total)


if __name__ == "__main__":
    main()
