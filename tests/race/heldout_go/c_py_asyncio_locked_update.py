"""Idiom: read, await, write, all inside one asyncio.Lock: clean (balance 20)."""

import asyncio


class LockedAccount:
    def __init__(self) -> None:
        self.balance = 100


async def withdraw(acct: LockedAccount, lock: asyncio.Lock, amount: int) -> None:
    async with lock:
        current = acct.balance
        await asyncio.sleep(0.005)
        acct.balance = current - amount


async def main() -> None:
    acct = LockedAccount()
    lock = asyncio.Lock()
    await asyncio.gather(withdraw(acct, lock, 30), withdraw(acct, lock, 50))
    print("balance =", acct.balance)


if __name__ == "__main__":
    asyncio.run(main())
