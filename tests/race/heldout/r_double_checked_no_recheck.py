"""Double-checked locking done wrong: the check is outside the lock and not repeated inside."""

import threading

_lock = threading.Lock()


class Config:
    instance = None


def get():
    if Config.instance is None:
        with _lock:
            Config.instance = object()  # RACE: Config.instance
    return Config.instance


ts = [threading.Thread(target=get) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("ready", Config.instance is not None)
