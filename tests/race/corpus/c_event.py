# expect: clean
import threading


class Config:
    value = None


cfg = Config()
ready = threading.Event()


def loader():
    cfg.value = {"debug": True}
    ready.set()


t = threading.Thread(target=loader)
t.start()
ready.wait()
print(cfg.value)
t.join()
