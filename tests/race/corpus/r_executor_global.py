# expect: race total
import concurrent.futures

total = 0


def add(n):
    global total
    total = total + n


with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
    fs = [ex.submit(add, i) for i in range(20)]
    concurrent.futures.wait(fs)
print(total)
