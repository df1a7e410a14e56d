"""Idiom: the `nonlocal` closure counter of r_py_nonlocal_counter, bumped under a lock: clean."""

import threading


def main() -> None:
    hits = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal hits
        for _ in range(2000):
            with lock:
                hits += 1

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("hits =", hits)


if __name__ == "__main__":
    main()
