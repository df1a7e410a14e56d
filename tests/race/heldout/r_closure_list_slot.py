"""A nested closure does slots[0] += 1 on a list captured from the enclosing function."""

import threading


def main():
    slots = [0, 0]

    def work():
        for _ in range(3):
            slots[0] += 1  # RACE: slots[0]

    ts = [threading.Thread(target=work) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("slots", slots)


main()
