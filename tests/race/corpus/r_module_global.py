# expect: race _corpus_state.counter
import threading

import _corpus_state as state


def bump():
    for _ in range(10):
        state.counter += 1


ts = [threading.Thread(target=bump) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(state.counter)
