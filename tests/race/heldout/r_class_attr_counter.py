"""Instances bump a class attribute via type(self).created += 1 from several threads."""

import threading


class Session:
    created = 0

    def __init__(self):
        type(self).created += 1  # RACE: Session.created


ts = [threading.Thread(target=Session) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("created", Session.created)
