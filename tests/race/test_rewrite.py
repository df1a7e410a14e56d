"""The rewriter keeps the program's meaning: every snippet gives the same result rewritten or not.

Each snippet leaves its answer in ``result``; it runs once compiled normally and once rewritten,
single-threaded (no race can be reported), and both answers must be equal.
"""

from __future__ import annotations

import ast
import asyncio
import textwrap
import traceback

import pytest

from perfkit.race.rewrite import compile_rewritten

SNIPPETS = {
    "super_and_class_cell": """
        class Base:
            tag = "base"
            def __init__(self):
                self.made = ["base"]
        class Child(Base):
            def __init__(self):
                super().__init__()
                self.made.append("child")
                self.parent_tag = super().tag
                self.cls = __class__.__name__
        c = Child()
        result = (c.made, c.parent_tag, c.cls)
    """,
    "name_mangling": """
        class Vault:
            def __init__(self):
                self.__secret = 1
                self.__secret += 41
            def peek(self):
                return self.__secret
        v = Vault()
        result = (v.peek(), v._Vault__secret, hasattr(v, "__secret"))
    """,
    "decorators": """
        import functools
        class Registry:
            def __init__(self):
                self.seen = {}
            def add(self, name):
                def deco(f):
                    self.seen[name] = f
                    return f
                return deco
        reg = Registry()
        @reg.add("one")
        @functools.lru_cache(maxsize=None)
        def one():
            return 1
        result = (sorted(reg.seen), one(), one.cache_info().hits)
    """,
    "walrus_and_comprehensions": """
        data = {"a": 1, "b": 2, "c": 3}
        doubled = [y for x in data.values() if (y := x * 2) > 2]
        pairs = {k: v for k, v in data.items() if v != 2}
        nested = [[i * j for j in range(3)] for i in range(3)]
        gen = sum(data[k] for k in data)
        result = (doubled, y, pairs, nested, gen, sorted({v % 2 for v in data.values()}))
    """,
    "match_statement": """
        import enum
        class Color(enum.Enum):
            RED = 1
            BLUE = 2
        class Point:
            __match_args__ = ("x", "y")
            def __init__(self, x, y):
                self.x, self.y = x, y
        def where(p):
            match p:
                case Point(x=0, y=0):
                    return "origin"
                case Point(x, y) if x == y:
                    return f"diagonal {x}"
                case Color.RED:
                    return "red"
                case {"kind": kind, **rest}:
                    return f"{kind} {sorted(rest)}"
                case [first, *others]:
                    return first + len(others)
                case _:
                    return "other"
        result = [where(p) for p in (Point(0, 0), Point(2, 2), Color.RED, {"kind": "k", "z": 1}, [5, 6, 7], 3)]
    """,
    "fstrings": """
        class Obj:
            a = 5
        d = {"k": "v"}
        o = Obj()
        width = 6
        result = f"{o.a} {d['k']!r:>{width}} {o.a * 2:03d} {[o.a][0]}"
    """,
    "augmented_assignment_evaluates_target_once": """
        calls = []
        class Box:
            n = 0
        box = Box()
        def get():
            calls.append("get")
            return box
        def key():
            calls.append("key")
            return "x"
        d = {"x": 1}
        get().n += 5
        d[key()] += 10
        lst = [1, 2]
        lst += [3]
        lst[-1] *= 2
        result = (box.n, d, lst, calls)
    """,
    "evaluation_order": """
        log = []
        def f(tag, value=None):
            log.append(tag)
            return value
        class T:
            pass
        t = T()
        d = {}
        f("target", d)[f("key", "k")] = f("value", 1)
        f("obj", t).attr = f("rhs", 2)
        result = (log, d, t.attr)
    """,
    "unpacking_and_chained_assignment": """
        class O:
            pass
        o = O()
        d = {}
        o.a, (o.b, d["c"]), *o.rest = 1, (2, 3), 4, 5
        o.x = d["y"] = [7]
        first, *o.tail = [1, 2, 3]
        result = (o.a, o.b, d, o.rest, o.x is d["y"], first, o.tail)
    """,
    "deletes_and_slices": """
        class O:
            pass
        o = O()
        o.a = 1
        del o.a
        lst = list(range(10))
        lst[1:3] = ["a", "b", "c"]
        del lst[::3]
        part = lst[1:-1:2]
        d = {"a": 1, "b": 2}
        del d["a"]
        result = (hasattr(o, "a"), lst, part, d)
    """,
    "globals": """
        counter = 0
        def bump(n):
            global counter
            counter += n
            counter = counter * 1
            return counter
        def read():
            return counter
        def missing():
            global nothing_here
            try:
                return nothing_here
            except NameError as e:
                return str(e)
        bump(2)
        bump(3)
        result = (counter, read(), missing(), len([1]))
    """,
    "in_operator": """
        d = {"a": 1}
        s = {1, 2}
        result = ("a" in d, "b" not in d, 2 in s, 3 in [1, 2, 3], "ell" in "hello")
    """,
    "class_body_leaves_no_temporaries": """
        class Config:
            base = {"x": 1}
            base["x"] += 1
            derived = base["x"] * 2
        result = (Config.derived, sorted(k for k in vars(Config) if not k.startswith("__")))
    """,
    "closures_lambdas_properties": """
        class Temp:
            def __init__(self):
                self._c = 0
            @property
            def c(self):
                return self._c
            @c.setter
            def c(self, v):
                self._c = v * 2
        t = Temp()
        t.c = 4
        def make():
            count = 0
            def inc():
                nonlocal count
                count += 1
                return count
            return inc
        inc = make()
        inc()
        k = (lambda x, y=t.c: x + y)(1)
        result = (t.c, inc(), k)
    """,
    "slots_and_defaultdict": """
        import collections
        class P:
            __slots__ = ("x",)
        p = P()
        p.x = 1
        p.x += 1
        dd = collections.defaultdict(list)
        dd["a"].append(1)
        dd["b"] += [2]
        result = (p.x, dict(dd))
    """,
    "annotations_untouched": """
        from __future__ import annotations
        import typing
        class Holder:
            value: typing.List[int] = []
        def f(x: typing.Dict[str, int], y: Holder.value = None) -> typing.Optional[int]:
            return None
        top: typing.List[int] = [1]
        result = (f.__annotations__, Holder.__annotations__, top)
    """,
}


def _run(source: str, rewritten: bool) -> dict:
    source = textwrap.dedent(source)
    code = compile_rewritten(source, "<snippet>") if rewritten else compile(source, "<snippet>", "exec")
    ns: dict = {"__name__": "snippet"}
    exec(code, ns)
    return ns


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_result(name: str) -> None:
    plain = _run(SNIPPETS[name], rewritten=False)["result"]
    assert _run(SNIPPETS[name], rewritten=True)["result"] == plain


def test_the_rewrite_really_instruments() -> None:
    src = "def f(o, d):\n    o.n += 1\n    d[1] = d.get(1, 0) + 1\n    for k in d:\n        pass\n"
    tree = ast.parse(src)
    from perfkit.race.rewrite import rewrite_tree

    text = ast.unparse(rewrite_tree(tree, "<t>"))
    for helper in ("_pk_ga(", "_pk_sa(", "_pk_si_rmw(", "_pk_mc(", "_pk_it("):
        assert helper in text


def test_async_comprehension_and_await_in_arguments() -> None:
    src = """
        import asyncio
        class Box:
            def __init__(self):
                self.items = {}
        async def agen():
            for i in range(3):
                yield i
        async def value(v):
            await asyncio.sleep(0)
            return v
        async def main():
            b = Box()
            b.items[await value("k")] = [x async for x in agen()]
            b.total = sum(await value(i) for i in range(3)) if False else 3
            return b.items, b.total
        result = asyncio.run(main())
    """
    assert _run(src, True)["result"] == _run(src, False)["result"] == ({"k": [0, 1, 2]}, 3)


def test_exceptions_and_line_numbers_are_preserved() -> None:
    src = "class A:\n    pass\n\na = A()\n\nvalue = a.missing\n"
    with pytest.raises(AttributeError) as plain:
        _run(src, False)
    with pytest.raises(AttributeError) as rewritten:
        _run(src, True)
    assert str(rewritten.value) == str(plain.value)
    frames = [f for f in traceback.extract_tb(rewritten.tb) if f.filename == "<snippet>"]
    assert frames[-1].lineno == 6
    src = "d = {}\n\n\nd['x'] += 1\n"
    with pytest.raises(KeyError) as err:
        _run(src, True)
    assert [f.lineno for f in traceback.extract_tb(err.tb) if f.filename == "<snippet>"][-1] == 4


def test_asyncio_is_importable_after_rewrite() -> None:
    # a rewritten module that merely uses asyncio must not disturb the event loop
    src = "import asyncio\nasync def f():\n    return 1\nresult = asyncio.run(f())\n"
    assert _run(src, True)["result"] == 1
    asyncio.run(asyncio.sleep(0))
