# expect: clean
import asyncio


class Account:
    def __init__(self):
        self.balance = 100
        self.lock = asyncio.Lock()


async def withdraw(acct, amount):
    async with acct.lock:
        current = acct.balance
        await asyncio.sleep(0)
        acct.balance = current - amount


async def main():
    acct = Account()
    await asyncio.gather(withdraw(acct, 10), withdraw(acct, 20))
    print(acct.balance)


asyncio.run(main())
