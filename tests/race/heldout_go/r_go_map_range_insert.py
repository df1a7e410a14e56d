"""Go: TestRaceMapRange (map_test.go).

The worker iterates a dict while the main thread inserts a new key, with nothing ordering the
two: iteration reads the dict's structure and insertion writes it (the "dictionary changed
size during iteration" race).
"""

import queue
import threading

# RACE: r_go_map_range_insert.py:25


def main() -> None:
    registry: dict[int, int] = {}
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def reader() -> None:
        seen = []
        for key in registry:
            seen.append(key)
        done.put(True)

    threading.Thread(target=reader).start()
    registry[1] = 1  # <- race
    done.get()
    print("done")


if __name__ == "__main__":
    main()
