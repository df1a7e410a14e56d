# expect: race words
import collections
import threading

words = collections.defaultdict(int)


def count(text):
    for w in text.split():
        words[w] += 1


ts = [threading.Thread(target=count, args=("a b a",)), threading.Thread(target=count, args=("a c",))]
for t in ts:
    t.start()
for t in ts:
    t.join()
