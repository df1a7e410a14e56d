# expect: race counts
import threading

counts = {}


def tally(words):
    for w in words:
        counts[w] = counts.get(w, 0) + 1


a = threading.Thread(target=tally, args=(["x", "y"] * 20,))
b = threading.Thread(target=tally, args=(["x", "z"] * 20,))
a.start()
b.start()
a.join()
b.join()
print(sorted(counts))
