# expect: race Result.value
import threading
import time


class Result:
    def __init__(self):
        self.value = None


r = Result()


def compute():
    r.value = 42


threading.Thread(target=compute).start()
time.sleep(0.2)
print(r.value)
