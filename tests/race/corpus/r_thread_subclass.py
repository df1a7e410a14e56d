# expect: race Progress.done
import threading


class Progress:
    done = 0


class Worker(threading.Thread):
    def __init__(self, progress):
        super().__init__()
        self.progress = progress

    def run(self):
        for _ in range(5):
            self.progress.done += 1


p = Progress()
ws = [Worker(p), Worker(p)]
for w in ws:
    w.start()
for w in ws:
    w.join()
