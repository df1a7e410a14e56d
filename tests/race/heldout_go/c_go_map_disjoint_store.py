"""Go: TestRaceMapRW-style concurrent map writes; here the verdict does NOT carry over.

Two threads each store one new key into a shared dict with a single `d[k] = v`. In Go this is
a race (maps are not safe for concurrent writes). In CPython a single dict store is one atomic
operation, and perfkit's documented single-item policy says `D[k] = v` does not race with
another atomic operation: clean.
"""

import queue
import threading


def main() -> None:
    registry: dict[str, int] = {}
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def worker() -> None:
        registry["worker"] = 1
        done.put(True)

    threading.Thread(target=worker).start()
    registry["main"] = 2
    done.get()
    print(sorted(registry.items()))


if __name__ == "__main__":
    main()
