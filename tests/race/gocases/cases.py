"""Python translations of Go's race detector test cases (``src/runtime/race/testdata``), written
for this project, plus real-code patterns. ``race_*`` must be reported, ``norace_*`` must not.

Go's local variables captured by goroutines are closure variables here (``nonlocal``), structs
are objects, maps dicts, slices lists, channels ``queue.Queue`` (see gocompat). Where Python's
documented policy differs from Go (a single ``d[k] = v`` is atomic in Python), the case says so
and expects what the README promises.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import queue
import threading
import time

from gocompat import chan, go

# ---------------------------------------------------------------- mop_test: plain variables


def race_int_rw_closures():
    """TestRaceIntRWClosures: one goroutine reads x, another writes it."""
    x = y = 0
    ch = chan(2)

    def reader():
        nonlocal y
        y = x
        ch.put(1)

    def writer():
        nonlocal x
        x = 1
        ch.put(1)

    go(reader)
    go(writer)
    ch.get()
    ch.get()


def norace_int_rw_closures():
    """TestNoRaceIntRWClosures: the second goroutine starts after the first was received."""
    x = y = 0
    ch = chan(1)

    def reader():
        nonlocal y
        y = x
        ch.put(1)

    go(reader)
    ch.get()

    def writer():
        nonlocal x
        x = 1
        ch.put(1)

    go(writer)
    ch.get()


X_GLOBAL = 0
Y_GLOBAL = 0


def race_int_rw_global_funcs():
    """TestRaceIntRWGlobalFuncs: module globals written and read by two goroutines."""
    ch = chan(2)

    def one():
        global Y_GLOBAL
        Y_GLOBAL = X_GLOBAL
        ch.put(1)

    def two():
        global X_GLOBAL
        X_GLOBAL = 1
        ch.put(1)

    go(one)
    go(two)
    ch.get()
    ch.get()


def race_case_condition():
    """TestRaceCaseCondition: a branch condition reads x while another goroutine writes it."""
    x = 0
    ch = chan(2)

    def write():
        nonlocal x
        x = 2
        ch.put(1)

    def branch():
        nonlocal x
        if x < 2:
            x = 1
        ch.put(1)

    go(write)
    go(branch)
    ch.get()
    ch.get()


def norace_case_fallthrough():
    """TestNoRaceCaseFallthrough: the branch that would write x is not taken."""
    x = y = 0
    z = 1
    ch = chan(2)

    def reader():
        nonlocal y
        y = x
        ch.put(1)

    def brancher():
        nonlocal x
        if z == 1:
            pass
        elif z == 2:
            x = 2
        ch.put(1)

    go(reader)
    go(brancher)
    ch.get()
    ch.get()


def race_case_fallthrough():
    """TestRaceCaseFallthrough: now the writing branch runs."""
    x = y = 0
    z = 1
    ch = chan(2)

    def reader():
        nonlocal y
        y = x
        ch.put(1)

    def brancher():
        nonlocal x
        if z in (1, 2):
            x = 2
        ch.put(1)

    go(reader)
    go(brancher)
    ch.get()
    ch.get()


def race_nested_dict_issue6418():
    """TestRaceCaseIssue6418: m["a"]["x"] = "y" inserts while the main goroutine reads m["a"]["b"]
    (the insertion changes the inner dict's structure; reading a key is an atomic read, so the
    Python translation iterates the inner dict, as ``switch`` on its contents would)."""
    m = {"a": {"b": "c"}}
    ch = chan()

    def insert():
        m["a"]["x"] = "y"
        ch.put(1)

    go(insert)
    for _ in m["a"]:
        pass
    ch.get()


def race_range_loop_variable():
    """TestRaceRange: goroutines read the loop variable the loop keeps rebinding."""
    a = [0, 0]
    x = y = 0
    done = chan(2)
    for i, v in enumerate(a):

        def body(i=i):
            nonlocal x, y
            if i == 0:
                x = v  # noqa: B023 (the point: the loop rebinds v while goroutines read it)
            else:
                y = v  # noqa: B023
            done.put(True)

        go(body)
        time.sleep(0.01)
    done.get()
    done.get()


def race_for_test():
    """TestRaceForTest: the loop condition reads stop, the goroutine writes it."""
    done = chan()
    c = chan()
    stop = False

    def worker():
        nonlocal stop
        while True:
            v = c.get()
            if v is None:
                done.put(True)
                return
            stop = True

    go(worker)
    n = 0
    while not stop and n < 1000:
        c.put(True)
        n += 1
        time.sleep(0.001)
    c.put(None)
    done.get()


def norace_for_incr():
    """TestNoRaceForIncr: the loop's increment never runs."""
    done = chan()
    x = 0

    def worker():
        nonlocal x
        x += 1
        done.put(True)

    go(worker)
    i = 0
    while i < 0:
        x += 1
    done.get()


def race_plus():
    """TestRacePlus: y = x + z in two goroutines, a write/write race on y."""
    x = y = z = 0
    ch = chan(2)

    def one():
        nonlocal y
        y = x + z
        ch.put(1)

    def two():
        nonlocal y
        y = x + z + z
        ch.put(1)

    go(one)
    go(two)
    ch.get()
    ch.get()


def norace_plus():
    """TestNoRacePlus: both goroutines only read x and z."""
    x = y = z = f = 0
    ch = chan(2)

    def one():
        nonlocal y
        y = x + z
        ch.put(1)

    def two():
        nonlocal f
        f = z + x
        ch.put(1)

    go(one)
    go(two)
    ch.get()
    ch.get()
    return x + y + f


def race_div():
    """TestRaceDiv: x = y / (z + 1) reads y while the other goroutine writes it."""
    x = y = z = 0
    ch = chan(2)

    def one():
        nonlocal x
        x = y / (z + 1)
        ch.put(1)

    def two():
        nonlocal y
        y = z
        ch.put(1)

    go(one)
    go(two)
    ch.get()
    ch.get()
    return x


def race_func_argument():
    """TestRaceFuncArgument: evaluating a call's argument reads x."""
    x = 0
    ch = chan(1)

    def worker():
        str(x)
        ch.put(True)

    go(worker)
    x = 1
    ch.get()


def norace_func_args_by_value():
    """TestNoRaceFuncArgsRW: the argument was copied when the goroutine started."""
    ch = chan(1)
    x = 0

    def worker(y):
        _ = y
        ch.put(0)

    go(worker, x)
    x = 1
    ch.get()


class Point:
    def __init__(self, x: int = 0, y: int = 0) -> None:
        self.x = x
        self.y = y


class NamedPoint:
    def __init__(self, name: str, p: Point) -> None:
        self.name = name
        self.p = p


def race_struct_field_rw():
    """TestRaceStructFieldRW1: p.x written by one goroutine, read by another."""
    p = Point()
    ch = chan(1)

    def worker():
        p.x = 1
        ch.put(True)

    go(worker)
    _ = p.x
    ch.get()


def norace_struct_fields_differ():
    """TestNoRaceStructFieldRW1: different fields of one object."""
    p = Point()
    ch = chan(1)

    def worker():
        p.x = 1
        ch.put(True)

    go(worker)
    p.y = 1
    ch.get()
    _ = p.x


def race_struct_nested_field():
    """TestRaceStructFieldRW3: p.p.x through a nested object."""
    p = NamedPoint("a", Point())
    ch = chan(1)

    def worker():
        p.p.x = 1
        ch.put(True)

    go(worker)
    _ = p.p.x
    ch.get()


def race_struct_rebind():
    """TestRaceStructRW: the variable holding the struct is rebound while read."""
    p = Point()
    ch = chan(1)

    def worker():
        nonlocal p
        p = Point(1, 1)
        ch.put(True)

    go(worker)
    q = p
    ch.get()
    p = q


def race_func_variable_ww():
    """TestRaceFuncVariableWW: two goroutines assign a function variable."""

    def square(v):
        return v * v

    f = square
    ch = chan(1)

    def worker():
        nonlocal f
        f = abs
        ch.put(True)

    go(worker)
    f = square
    ch.get()


def race_exception_handler():
    """TestRacePanic: both goroutines write x while handling their exception."""
    x = 0
    ch = chan(2)

    def worker(value):
        nonlocal x
        try:
            _ = 1 / 0
        except ZeroDivisionError:
            x = value
        ch.put(True)

    go(worker, 1)
    go(worker, 2)
    ch.get()
    ch.get()


def race_crawl_seen_map():
    """TestRaceCrawl: recursive goroutines check-then-insert into an unprotected seen map (in
    Python the race is the check-then-act: two crawlers both find a URL unseen)."""
    seen: dict[str, bool] = {}
    threads = []

    def crawl(url, depth):
        if depth <= 0:
            return
        for u in ("a", "b", "c"):
            if u not in seen:
                seen[u] = True
                t = threading.Thread(target=crawl, args=(u, depth - 1))
                t.start()
                threads.append(t)

    crawl("root", 3)
    while threads:
        threads.pop().join()


def race_tls_pointer_handoff():
    """TestRaceTLS: a goroutine's own variable is written by another goroutine it handed it to
    (here an object), and read back without ordering."""
    comm = chan()
    back = chan()
    done = chan(2)

    class Box:
        v = 0

    def owner():
        b = Box()
        comm.put(b)
        b.v = 1  # races with the other goroutine's write
        back.get()
        done.put(True)

    def borrower():
        b = comm.get()
        b.v = 2
        back.put(b)
        done.put(True)

    go(owner)
    go(borrower)
    done.get()
    done.get()


# ---------------------------------------------------------------- chan_test: channels


def norace_chan_sync():
    """TestNoRaceChanSync: write, send; receive, write."""
    v = 0
    c = chan()

    def worker():
        nonlocal v
        v = 1
        c.put(0)

    go(worker)
    c.get()
    v = 2


def norace_chan_async():
    """TestNoRaceChanAsync: the same through a buffered channel."""
    v = 0
    c = chan(10)

    def worker():
        nonlocal v
        v = 1
        c.put(0)

    go(worker)
    c.get()
    v = 2


def race_chan_async_rev():
    """TestRaceChanAsyncRev: a buffered send does not wait for the receive."""
    v = 0
    c = chan(10)

    def worker():
        nonlocal v
        c.put(0)
        v = 1

    go(worker)
    v = 2
    c.get()


def norace_chan_ptr():
    """TestNoRaceChanPtr: an object sent on a channel belongs to the receiver."""
    c = chan()
    go(lambda: c.put(Point(1)))
    m = c.get()
    m.x = 2


def race_chan_wrong_send():
    """TestRaceChanWrongSend: receiving one of two sends orders only that sender."""
    v1 = v2 = 0
    c = chan(2)

    def one():
        nonlocal v1
        v1 = 1
        c.put(1)

    def two():
        nonlocal v2
        v2 = 2
        c.put(2)

    go(one)
    go(two)
    time.sleep(0.05)
    if c.get() == 1:
        v2 = 3
    else:
        v1 = 3


def norace_chan_read_write_async():
    """TestNoRaceChanReadWriteAsync: the value read is sent, then the receiver writes x."""
    done = chan()
    c1 = chan(10)
    x = 0

    def worker():
        c1.put(x)
        done.put(True)

    go(worker)
    x = c1.get()
    done.get()


def race_chan_read_write_async():
    """TestRaceChanReadWriteAsync: x is written from another channel than the one x was sent on."""
    done = chan()
    c1 = chan(10)
    c2 = chan(10)
    c2.put(10)
    x = 0

    def worker():
        c1.put(x)
        done.put(True)

    go(worker)
    x = c2.get()
    done.get()


def norace_producer_consumer_unbuffered():
    """TestNoRaceProducerConsumerUnbuffered: a task runs on a worker, its done channel orders it."""
    tasks = chan()

    def worker():
        f, done = tasks.get()
        f()
        done.put(True)

    go(worker)
    x = 0

    def set_x():
        nonlocal x
        x = 1

    done = chan(1)
    tasks.put((set_x, done))
    done.get()
    _ = x


def norace_chan_mutex():
    """TestNoRaceChanMutex: a channel of capacity 1 used as a mutex (Go's buffered-channel rule:
    the k-th receive happens before the (k+1)-th send completes)."""
    done = chan()
    mtx = chan(1)
    data = 0

    def worker():
        nonlocal data
        mtx.put(1)
        data = 42
        mtx.get()
        done.put(1)

    go(worker)
    mtx.put(1)
    data = 43
    mtx.get()
    done.get()


def race_chan_sem():
    """TestRaceChanSem: capacity 2 lets both holders in at once."""
    done = chan()
    mtx = chan(2)
    data = 0

    def worker():
        nonlocal data
        mtx.put(True)
        data = 42
        mtx.get()
        done.put(1)

    go(worker)
    mtx.put(True)
    data = 43
    mtx.get()
    done.get()


def norace_chan_wait_group():
    """TestNoRaceChanWaitGroup: a channel of capacity N/2 as a wait group; filling it again
    waits for every worker's receive."""
    n = 10
    wg = chan(n // 2)
    data = [0] * n
    for i in range(n):
        wg.put(True)

        def worker(i=i):
            data[i] = 42
            wg.get()

        go(worker)
    for _ in range(n // 2):
        wg.put(True)
    for i in range(n):
        _ = data[i]


def norace_blocked_send_sync():
    """TestNoRaceBlockedSendSync: a sender blocked on a full channel still synchronises."""
    c = chan(1)
    c.put(None)

    def sender():
        box = Point(42)
        c.put(box)

    go(sender)
    time.sleep(0.01)
    c.get()
    p = c.get()
    assert p.x == 42


def race_chan_item_itself():
    """TestRaceChanItselfSend: the variable holding the channel is rebound while it is used."""
    compl = chan(1)
    c = chan(10)

    def worker():
        c.put(0)
        compl.put(True)

    go(worker)
    c = chan(20)
    compl.get()


# ---------------------------------------------------------------- mutex_test, sync_test


def norace_mutex():
    """TestNoRaceMutex: every access under the lock."""
    mu = threading.Lock()
    x = 0
    done = chan()

    def worker():
        nonlocal x
        with mu:
            x = 1
        done.put(True)

    go(worker)
    with mu:
        x = 2
    done.get()


def race_mutex_wrong_lock():
    """TestRaceMutex2-like: two different locks protect nothing."""
    mu1 = threading.Lock()
    mu2 = threading.Lock()
    x = 0
    done = chan()

    def worker():
        nonlocal x
        with mu1:
            x = 1
        done.put(True)

    go(worker)
    with mu2:
        x = 2
    done.get()


def norace_mutex_pure_happens_before():
    """TestNoRaceMutexPureHappensBefore: the goroutine writes under the lock first; the main
    goroutine takes the lock later and then writes freely."""
    mu = threading.Lock()
    x = 0
    written = threading.Event()

    def worker():
        nonlocal x
        with mu:
            x = 1
        written.set()

    go(worker)
    written.wait()
    with mu:
        pass
    x = 2


def race_mutex_semaphore_like():
    """TestRaceMutexSemaphore-like: an unlocked read races with a locked write."""
    mu = threading.Lock()
    x = 0
    done = chan()

    def worker():
        nonlocal x
        with mu:
            x += 1
        done.put(True)

    go(worker)
    _ = x
    done.get()


def norace_rlock_reentrant():
    """A reentrant lock held twice still publishes on its final release."""
    mu = threading.RLock()
    x = 0
    done = chan()

    def worker():
        nonlocal x
        with mu, mu:
            x += 1
        done.put(True)

    go(worker)
    with mu:
        x += 1
    done.get()


def norace_cond():
    """TestNoRaceCond: a condition variable hands the value over."""
    x = 0
    ready = False
    cond = threading.Condition()

    def worker():
        nonlocal x, ready
        x = 1
        with cond:
            ready = True
            cond.notify()

    go(worker)
    with cond:
        while not ready:
            cond.wait()
    x = 2


def race_cond_check_outside():
    """TestRaceCond-like: the flag is read without holding the condition's lock."""
    x = 0
    ready = False
    cond = threading.Condition()

    def worker():
        nonlocal x, ready
        x = 1
        with cond:
            ready = True
            cond.notify()

    go(worker)
    while not ready:
        time.sleep(0.001)
    x = 2


def norace_wait_group_join():
    """TestNoRaceWaitGroup: workers joined before their results are read."""
    n = 4
    results = [0] * n
    threads = [threading.Thread(target=results.__setitem__, args=(i, i * i)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 14


def race_wait_group_missing_join():
    """TestRaceWaitGroup-like: one worker is never joined."""
    total = Point()
    threads = []
    for _ in range(2):

        def worker():
            total.x += 1

        t = threading.Thread(target=worker)
        threads.append(t)
        t.start()
    threads[0].join()
    time.sleep(0.02)
    _ = total.x
    threads[1].join()


def norace_event():
    """An event set after the write orders the waiter's read."""
    box = Point()
    ev = threading.Event()

    def worker():
        box.x = 5
        ev.set()

    go(worker)
    ev.wait()
    assert box.x == 5


def race_event_set_too_early():
    """The event is set before the write it is meant to publish."""
    box = Point()
    ev = threading.Event()

    def worker():
        ev.set()
        box.x = 5

    go(worker)
    ev.wait()
    _ = box.x


def norace_semaphore():
    """A semaphore of one permit as a mutex."""
    sem = threading.Semaphore(1)
    box = Point()
    done = chan()

    def worker():
        with sem:
            box.x += 1
        done.put(True)

    go(worker)
    with sem:
        box.x += 1
    done.get()


def norace_barrier():
    """Writes before a barrier are seen by reads after it."""
    b = threading.Barrier(2)
    slots = [Point(), Point()]
    done = chan()

    def worker():
        slots[1].x = 1
        b.wait()
        _ = slots[0].x
        done.put(True)

    go(worker)
    slots[0].x = 1
    b.wait()
    _ = slots[1].x
    done.get()


def norace_thread_start_join():
    """Start and join order everything (Go's go statement and WaitGroup.Wait)."""
    box = Point()
    box.x = 1
    t = threading.Thread(target=lambda: setattr(box, "y", box.x + 1))
    t.start()
    t.join()
    box.x = box.y


# ---------------------------------------------------------------- map_test, slice_test


def norace_map_distinct_keys():
    """Python's single dict stores are atomic (README): distinct keys from two goroutines."""
    m: dict[int, int] = {}
    done = chan()

    def worker():
        m[1] = 1
        done.put(True)

    go(worker)
    m[2] = 2
    done.get()


def norace_map_same_key_atomic_store():
    """TestRaceMapRW translated by Python's policy: ``m[1] = 1`` against a read of ``m[1]`` is
    one atomic C operation each, not a data race in Python (documented difference from Go)."""
    m = {1: 0}
    done = chan()

    def worker():
        m[1] = 1
        done.put(True)

    go(worker)
    _ = m[1]
    done.get()


def race_map_rmw():
    """TestRaceMapRWArray-like: m[k] += 1 in two goroutines loses updates."""
    m = {"k": 0}
    done = chan(2)

    def worker():
        m["k"] += 1
        done.put(True)

    go(worker)
    go(worker)
    done.get()
    done.get()


def race_map_range_insert():
    """TestRaceMapRange-like: ranging over a map while another goroutine inserts."""
    m = {i: i for i in range(5)}
    done = chan()

    def worker():
        m[99] = 1
        done.put(True)

    go(worker)
    time.sleep(0.01)
    for _ in m:
        pass
    done.get()


def norace_map_range_after_join():
    """The insert is joined before the range."""
    m = {i: i for i in range(5)}
    t = threading.Thread(target=m.__setitem__, args=(99, 1))
    t.start()
    t.join()
    for _ in m:
        pass


def race_map_delete_range():
    """TestRaceMapDeletePartKey-like: delete during iteration."""
    m = {i: i for i in range(5)}
    done = chan()

    def worker():
        del m[0]
        done.put(True)

    go(worker)
    time.sleep(0.01)
    _ = sum(v for v in m.values())
    done.get()


def race_slice_item_vs_range():
    """TestRaceSliceRange-like: ranging over a slice while another goroutine assigns an item."""
    s = [0, 1, 2, 3]
    done = chan()

    def worker():
        s[2] = 42
        done.put(True)

    go(worker)
    time.sleep(0.01)
    for _ in s:
        pass
    done.get()


def norace_slice_distinct_items():
    """TestNoRaceSliceWriteSlice-like: goroutines own distinct items."""
    s = [0, 0]
    done = chan(2)

    def worker(i):
        s[i] = i + 1
        done.put(True)

    go(worker, 0)
    go(worker, 1)
    done.get()
    done.get()
    assert s == [1, 2]


def race_slice_item_rmw():
    """TestRaceSliceSlice-like: the same item incremented by two goroutines."""
    s = [0]
    done = chan(2)

    def worker():
        s[0] += 1
        done.put(True)

    go(worker)
    go(worker)
    done.get()
    done.get()


def race_slice_append_vs_range():
    """TestRaceAppendRW-like: append while another goroutine iterates."""
    s = [1, 2, 3]
    done = chan()

    def worker():
        s.append(4)
        done.put(True)

    go(worker)
    time.sleep(0.01)
    for _ in s:
        pass
    done.get()


def norace_append_both():
    """Two appends are each one atomic list operation."""
    s: list[int] = []
    done = chan(2)
    go(lambda: (s.append(1), done.put(True)))
    go(lambda: (s.append(2), done.put(True)))
    done.get()
    done.get()


# ---------------------------------------------------------------- executors and futures


def norace_executor_result():
    """A future's result is ordered after its work."""
    box = Point()
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        fut = ex.submit(lambda: setattr(box, "x", 3))
        fut.result()
    box.x += 1


def race_executor_two_items():
    """Two work items of one executor are unordered, even on one worker."""
    box = Point()

    def bump():
        box.x += 1

    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        ex.submit(bump)
        ex.submit(bump)


def race_setattr_builtin():
    """setattr()/getattr() with a name are the same accesses as the attribute syntax."""
    box = Point()

    def bump():
        box.x = box.x + 1

    ts = [threading.Thread(target=bump) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def norace_future_done_callback():
    """A done callback sees what completed the future, even when added after completion."""
    box = Point()
    seen = []
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        fut = ex.submit(lambda: setattr(box, "x", 7))
        concurrent.futures.wait([fut])
        time.sleep(0.01)

    def callback(f):
        seen.append(box.x)

    fut.add_done_callback(callback)
    assert seen == [7]


# ---------------------------------------------------------------- asyncio


async def norace_asyncio_lock_around_update():
    """An update kept whole under an asyncio.Lock."""
    box = Point()
    lock = asyncio.Lock()

    async def bump():
        async with lock:
            v = box.x
            await asyncio.sleep(0)
            box.x = v + 1

    await asyncio.gather(bump(), bump())


async def race_asyncio_read_outside_lock():
    """A read outside the lock, an await, then a write inside it: a lost update."""
    box = Point()
    lock = asyncio.Lock()

    async def bump():
        v = box.x
        async with lock:
            await asyncio.sleep(0)
            box.x = v + 1

    await asyncio.gather(bump(), bump())


async def norace_asyncio_no_await():
    """x += 1 with no await inside is one step of the task."""
    box = Point()

    async def bump():
        box.x += 1
        await asyncio.sleep(0)

    await asyncio.gather(bump(), bump())


def norace_call_soon_threadsafe_handoff():
    """An object made in a worker thread and handed to the loop with call_soon_threadsafe."""
    got = []

    async def main():
        loop = asyncio.get_running_loop()
        fut = loop.create_future()

        def worker():
            box = Point(1)
            box.y = 2
            loop.call_soon_threadsafe(fut.set_result, box)

        threading.Thread(target=worker).start()
        box = await fut
        box.x += box.y
        got.append(box.x)

    asyncio.run(main())
    assert got == [3]


def norace_run_coroutine_threadsafe():
    """A thread submits a coroutine to the loop and reads what it wrote from the returned future."""
    box = Point()
    loop = asyncio.new_event_loop()
    t = threading.Thread(target=loop.run_forever)
    t.start()

    async def work():
        box.x = 41
        return box

    result = asyncio.run_coroutine_threadsafe(work(), loop).result()
    result.x += 1
    loop.call_soon_threadsafe(loop.stop)
    t.join()
    loop.close()


def norace_run_in_executor_result():
    """A task reads what a run_in_executor function wrote, after awaiting it."""
    box = Point()

    async def main():
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, setattr, box, "x", 5)
        box.x += 1

    asyncio.run(main())


async def norace_asyncio_bounded_queue_as_mutex():
    """asyncio.Queue(maxsize=1) used as a mutex across awaits."""
    box = Point()
    mtx: asyncio.Queue = asyncio.Queue(maxsize=1)

    async def bump():
        await mtx.put(1)
        v = box.x
        await asyncio.sleep(0)
        box.x = v + 1
        await mtx.get()

    await asyncio.gather(bump(), bump())


# ---------------------------------------------------------------- per-thread and per-context storage


def norace_threading_local():
    """threading.local attributes are each thread's own."""
    local = threading.local()
    done = chan(2)

    def worker(v):
        local.value = v
        local.value += 1
        done.put(True)

    go(worker, 1)
    go(worker, 2)
    done.get()
    done.get()


class ContextLocal:
    """A Local like the web libraries': attributes live in a ContextVar-held dict."""

    def __init__(self) -> None:
        object.__setattr__(self, "_var", contextvars.ContextVar("local"))

    def __getattr__(self, name):
        try:
            return self._var.get()[name]
        except (LookupError, KeyError):
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        data = dict(self._var.get({}))
        data[name] = value
        self._var.set(data)


def norace_contextvar_local():
    """Each thread sets and reads its own context's value through a ContextVar-backed Local."""
    local = ContextLocal()
    done = chan(2)

    def worker(v):
        local.user = v
        assert local.user == v
        done.put(True)

    go(worker, "a")
    go(worker, "b")
    done.get()
    done.get()


# ---------------------------------------------------------------- real-code patterns


def race_worker_group_stats():
    """Three workers fed by a queue += on one stats object (the issue's worker-group program)."""

    class Stats:
        def __init__(self) -> None:
            self.done = 0

    stats = Stats()
    q: queue.Queue = queue.Queue()
    for i in range(3000):
        q.put(i)

    def worker():
        while True:
            try:
                q.get_nowait()
            except queue.Empty:
                return
            sum(range(300))
            stats.done += 1

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def race_nonlocal_counter():
    """A nonlocal counter bumped by two threads."""
    count = 0

    def bump():
        nonlocal count
        for _ in range(10):
            count += 1

    ts = [threading.Thread(target=bump) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def race_result_slot_after_wakeup():
    """asgiref's pattern: a result slot stored after the future that wakes its reader resolved."""
    slot = [None]
    fut: concurrent.futures.Future = concurrent.futures.Future()

    def worker():
        previous = slot[0]
        fut.set_result(1)
        slot[0] = (previous, "context")

    go(worker)
    fut.result()
    _ = slot[0]


# ---------------------------------------------------------------- atomic_test: observing a flag
#
# Go's atomic load that observes a store is synchronized after it (TestNoRaceAtomicLoadStore…),
# so a flag polled until it shows the writer's signal orders what follows, as a blocking wait
# would. Each primitive has a clean poll and a racy one: a write made after the signal.


def _poll(seen) -> None:
    while not seen():
        time.sleep(0.001)


def norace_event_is_set_poll():
    """threading.Event.is_set() seen True orders after set(), like wait() returning."""
    box = Point()
    ev = threading.Event()

    def worker():
        box.x = 2
        ev.set()

    go(worker)
    _poll(ev.is_set)
    box.x *= 10


def race_event_is_set_late_write():
    """The worker writes after setting the flag: the poller's read is unordered with it."""
    box = Point()
    ev = threading.Event()

    def worker():
        ev.set()
        box.x = 2

    go(worker)
    _poll(ev.is_set)
    _ = box.x


def norace_semaphore_try_acquire_poll():
    """Semaphore.acquire(blocking=False) succeeding orders after the release it took."""
    box = Point()
    sem = threading.Semaphore(0)

    def worker():
        box.x = 2
        sem.release()

    go(worker)
    _poll(lambda: sem.acquire(blocking=False))
    box.x *= 10


def race_semaphore_try_acquire_late_write():
    box = Point()
    sem = threading.Semaphore(0)

    def worker():
        sem.release()
        box.x = 2

    go(worker)
    _poll(lambda: sem.acquire(blocking=False))
    _ = box.x


def norace_bounded_semaphore_try_acquire_poll():
    """BoundedSemaphore: the same, through its own release()."""
    box = Point()
    sem = threading.BoundedSemaphore(1)
    sem.acquire()

    def worker():
        box.x = 2
        sem.release()

    go(worker)
    _poll(lambda: sem.acquire(blocking=False))
    box.x *= 10


def race_bounded_semaphore_try_acquire_late_write():
    box = Point()
    sem = threading.BoundedSemaphore(1)
    sem.acquire()

    def worker():
        sem.release()
        box.x = 2

    go(worker)
    _poll(lambda: sem.acquire(blocking=False))
    _ = box.x


def norace_future_done_poll():
    """concurrent.futures.Future.done() seen True orders after its completion, like result()."""
    box = Point()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:

        def work():
            box.x = 2

        fut = pool.submit(work)
        _poll(fut.done)
        box.x *= 10


def race_future_done_late_write():
    """A write after set_result() is not published by the future."""
    box = Point()
    fut: concurrent.futures.Future = concurrent.futures.Future()

    def worker():
        fut.set_result(None)
        box.x = 2

    go(worker)
    _poll(fut.done)
    _ = box.x


def norace_thread_is_alive_poll():
    """Thread.is_alive() seen False is what join() returning sees."""
    box = Point()
    t = threading.Thread(target=lambda: setattr(box, "x", 2))
    t.start()
    _poll(lambda: not t.is_alive())
    box.x *= 10


def race_thread_is_alive_other_thread():
    """Seeing one thread finished says nothing about another."""
    box = Point()
    t1 = threading.Thread(target=lambda: None)
    t2 = threading.Thread(target=lambda: setattr(box, "x", 2))
    t1.start()
    t2.start()
    _poll(lambda: not t1.is_alive())
    time.sleep(0.02)
    _ = box.x
    t2.join()


def norace_lock_seen_free():
    """Lock.locked() seen False observes the last release, like a successful try-lock."""
    box = Point()
    mu = threading.Lock()
    mu.acquire()

    def worker():
        box.x = 2
        mu.release()

    go(worker)
    _poll(lambda: not mu.locked())
    box.x *= 10


def race_lock_seen_free_late_write():
    box = Point()
    mu = threading.Lock()
    mu.acquire()

    def worker():
        mu.release()
        box.x = 2

    go(worker)
    _poll(lambda: not mu.locked())
    time.sleep(0.02)
    _ = box.x


async def norace_asyncio_event_is_set_poll():
    """asyncio.Event.is_set() seen True orders after set(): the reader's later overwrite is
    not a lost update, since its read is ordered before the poller's write."""
    box = Point()
    ev = asyncio.Event()

    async def reader():
        v = box.x
        ev.set()
        await asyncio.sleep(0.02)
        box.x = v + 1

    async def poller():
        while not ev.is_set():
            await asyncio.sleep(0)
        box.x = 10

    await asyncio.gather(reader(), poller())


async def race_asyncio_event_not_observed():
    """The same, but the poller writes without observing the flag: the reader's update is lost."""
    box = Point()
    ev = asyncio.Event()

    async def reader():
        v = box.x
        ev.set()
        await asyncio.sleep(0.02)
        box.x = v + 1

    async def poller():
        for _ in range(3):
            await asyncio.sleep(0)
        box.x = 10

    await asyncio.gather(reader(), poller())
