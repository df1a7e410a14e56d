"""Go: TestRaceMapVariable2 (map_test.go).

The worker stores into `holder.table[1]`, which reads the attribute MapHolder.table; the main
thread rebinds MapHolder.table to a new dict. Read and write of the attribute race.
"""

import queue
import threading

# RACE: MapHolder.table


class MapHolder:
    def __init__(self) -> None:
        self.table: dict[int, int] = {}


def main() -> None:
    holder = MapHolder()
    done: queue.Queue[bool] = queue.Queue(maxsize=1)

    def worker() -> None:
        holder.table[1] = 1
        done.put(True)

    threading.Thread(target=worker).start()
    holder.table = {}
    done.get()
    print("done")


if __name__ == "__main__":
    main()
