"""A Timer thread writes a result that main reads after Timer.join()."""

import threading


class Result:
    value = None


res = Result()


def fire():
    res.value = "fired"


t = threading.Timer(0.01, fire)
t.start()
t.join()
print(res.value)
