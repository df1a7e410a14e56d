# expect: race items
import threading

items = [1, 2, 3]
done = []


def summer():
    done.append(sum(x for x in items))


def adder():
    items.append(4)


a = threading.Thread(target=summer)
b = threading.Thread(target=adder)
a.start()
b.start()
a.join()
b.join()
