"""asyncio.Lock guards a read, await, write sequence shared by several tasks."""

import asyncio


class Account:
    def __init__(self):
        self.balance = 0
        self.lock = asyncio.Lock()


async def deposit(acct, amount):
    async with acct.lock:
        cur = acct.balance
        await asyncio.sleep(0)
        acct.balance = cur + amount


async def main():
    acct = Account()
    tasks = [asyncio.create_task(deposit(acct, i)) for i in range(4)]
    for t in tasks:
        await t
    print(acct.balance)


asyncio.run(main())
