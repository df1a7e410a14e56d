# expect: clean
import threading

local = threading.local()
results = []


def work(n):
    local.value = n
    for _ in range(10):
        local.value += 1
    results.append(local.value)


ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(results))
