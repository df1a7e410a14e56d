"""Idiom gone wrong: each task reads Account.balance outside the asyncio.Lock, awaits, and
writes inside the lock. The lock orders the writes, but the second task's read is not ordered
before the first task's write: a lost update (the final balance is wrong).
"""

import asyncio

# RACE: Account.balance


class Account:
    def __init__(self) -> None:
        self.balance = 100


async def withdraw(acct: Account, lock: asyncio.Lock, amount: int) -> None:
    current = acct.balance  # read outside the lock
    await asyncio.sleep(0.01)
    async with lock:
        acct.balance = current - amount  # write inside it


async def main() -> None:
    acct = Account()
    lock = asyncio.Lock()
    await asyncio.gather(withdraw(acct, lock, 30), withdraw(acct, lock, 50))
    print("balance =", acct.balance)


if __name__ == "__main__":
    asyncio.run(main())
