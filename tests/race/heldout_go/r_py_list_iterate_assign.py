"""Idiom gone wrong: a reporter thread iterates a list of readings while a sampler thread
assigns its items (`readings[i] = ...`). Iterating a list while another thread assigns items
is a race.
"""

import threading

# RACE: r_py_list_iterate_assign.py:22


def main() -> None:
    readings = [0] * 50

    def sampler() -> None:
        for r in range(100):
            for i in range(len(readings)):
                readings[i] = r + i

    def reporter() -> None:
        for _ in range(100):
            total = 0
            for value in readings:  # <- race
                total += value

    threads = [threading.Thread(target=sampler), threading.Thread(target=reporter)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("done")


if __name__ == "__main__":
    main()
