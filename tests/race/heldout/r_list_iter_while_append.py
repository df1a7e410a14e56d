"""A thread iterates a list while another appends to it, unordered."""

import threading

items = [1, 2, 3]
seen = []


def producer():
    items.append(4)


def consumer():
    for x in items:  # RACE: items (list structure)
        seen.append(x)


a = threading.Thread(target=producer)
b = threading.Thread(target=consumer)
a.start()
b.start()
a.join()
b.join()
print("seen", len(seen) >= 3)
