"""Two threads count words with d[k] = d.get(k, 0) + 1: a read-modify-write of one dict slot."""

import threading

counts = {}


def count(words):
    for w in words:
        counts[w] = counts.get(w, 0) + 1  # RACE: counts['spam']


a = threading.Thread(target=count, args=(["spam", "eggs"],))
b = threading.Thread(target=count, args=(["spam"],))
a.start()
b.start()
a.join()
b.join()
print(sorted(counts.items()))
