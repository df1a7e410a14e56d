# expect: race Account.balance
import asyncio


class Account:
    def __init__(self):
        self.balance = 100


async def withdraw(acct, amount):
    current = acct.balance
    await asyncio.sleep(0)
    acct.balance = current - amount


async def main():
    acct = Account()
    await asyncio.gather(withdraw(acct, 10), withdraw(acct, 20))
    print(acct.balance)


asyncio.run(main())
