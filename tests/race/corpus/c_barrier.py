# expect: clean
import threading

N = 3
parts = [0] * N
sums = [0] * N
barrier = threading.Barrier(N)


def phase(i):
    parts[i] = i * 10
    barrier.wait()
    sums[i] = sum(parts[j] for j in range(N))


ts = [threading.Thread(target=phase, args=(i,)) for i in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sums)
