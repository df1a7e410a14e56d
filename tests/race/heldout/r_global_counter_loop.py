"""Threads started in a loop and joined later do `global total; total += 1` unsynchronised."""

import threading

total = 0


def bump(n):
    global total
    for _ in range(n):
        total += 1  # RACE: __main__.total


threads = []
for _ in range(3):
    t = threading.Thread(target=bump, args=(5,))
    t.start()
    threads.append(t)
for t in threads:
    t.join()
print("total", total)
