"""Main sets config before ThreadPoolExecutor.map; workers only read it and return values."""

from concurrent.futures import ThreadPoolExecutor


class Config:
    def __init__(self):
        self.scale = 1


cfg = Config()


def scaled(x):
    return x * cfg.scale


cfg.scale = 3
with ThreadPoolExecutor(max_workers=3) as ex:
    print(list(ex.map(scaled, range(6))))
cfg.scale = 4
print(cfg.scale)
