# expect: clean
import threading

counts = {}
lock = threading.Lock()


def tally(words):
    for w in words:
        with lock:
            counts[w] = counts.get(w, 0) + 1
            if w not in counts:
                counts[w] = 0


ts = [threading.Thread(target=tally, args=(["x", "y"] * 10,)) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
for k in counts:
    counts[k] += 0
print(sorted(counts.items()))
