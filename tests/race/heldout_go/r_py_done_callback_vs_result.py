"""Idiom gone wrong: trusting that a done callback has run once result() returns.

concurrent.futures.Future.set_result wakes result() waiters first and runs the done callbacks
afterwards, outside its lock. The main thread reads Receipt.note right after result(); the
callback writes it in the worker thread after the completion, so nothing orders the write
before the read: a race (the main thread may or may not see the callback's note).
"""

import time
from concurrent.futures import Future, ThreadPoolExecutor

# RACE: Receipt.note


class Receipt:
    def __init__(self) -> None:
        self.note = ""


def work() -> int:
    time.sleep(0.02)  # the callback is registered before the work completes
    return 7


def main() -> None:
    receipt = Receipt()

    def on_done(fut: "Future[int]") -> None:
        receipt.note = f"callback saw {fut.result()}"

    with ThreadPoolExecutor(max_workers=1) as pool:
        fut = pool.submit(work)
        fut.add_done_callback(on_done)
        value = fut.result()
        seen = receipt.note
    print("result", value, "note read:", seen in ("", "callback saw 7"))


if __name__ == "__main__":
    main()
