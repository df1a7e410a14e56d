# expect: clean
import threading


class Result:
    def __init__(self):
        self.value = None


r = Result()
r.value = 0


def compute():
    r.value = r.value + 42


t = threading.Thread(target=compute)
t.start()
t.join()
r.value += 1
t2 = threading.Thread(target=compute)
t2.start()
t2.join()
print(r.value)
