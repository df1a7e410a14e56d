"""asyncio tasks read a balance, await, then write it back: a lost update across an await."""

import asyncio


class Account:
    def __init__(self):
        self.balance = 0


async def deposit(acct, amount):
    current = acct.balance
    await asyncio.sleep(0)
    acct.balance = current + amount  # RACE: Account.balance


async def main():
    acct = Account()
    await asyncio.gather(deposit(acct, 1), deposit(acct, 2))
    print("balance", acct.balance)


asyncio.run(main())
