# expect: race Config.ready_value
import threading


class Config:
    ready_value = None


cfg = Config()
ready = threading.Event()


def loader():
    ready.set()
    cfg.ready_value = 1


t = threading.Thread(target=loader)
t.start()
ready.wait()
print(cfg.ready_value in (None, 1))
t.join()
