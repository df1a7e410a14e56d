"""Idiom gone wrong: a `nonlocal` closure counter bumped by two threads without a lock. The
cell `hits` is read-modify-written from both threads: a race (a lost update in practice too).
"""

import threading

# RACE: r_py_nonlocal_counter.py:16


def main() -> None:
    hits = 0

    def worker() -> None:
        nonlocal hits
        for _ in range(20000):
            hits += 1  # <- race

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("hits counted:", hits > 0)


if __name__ == "__main__":
    main()
