"""Thread subclasses write their own result attribute; main reads them only after join()."""

import threading


class Summer(threading.Thread):
    def __init__(self, data):
        super().__init__()
        self.data = data
        self.result = None

    def run(self):
        self.result = sum(self.data)


ws = [Summer(range(i * 10)) for i in range(3)]
for w in ws:
    w.start()
for w in ws:
    w.join()
print([w.result for w in ws])
