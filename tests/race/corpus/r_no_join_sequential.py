# expect: race Box.value
import threading
import time


class Box:
    value = 0


box = Box()


def first():
    box.value = box.value + 1


def second():
    box.value = box.value + 2


threading.Thread(target=first).start()
time.sleep(0.2)  # first has surely finished, but nothing orders it before second
threading.Thread(target=second).start()
