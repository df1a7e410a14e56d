"""Rewrite a module's AST so every shared access goes through :mod:`perfkit.race.runtime`.

What is rewritten (everything else is left as compiled by Python):

* ``obj.attr`` loads → ``_pk_ga(obj, "attr", SITE)``, stores → ``_pk_sa(value, obj, "attr", SITE)``
  (value first, as Python evaluates it); method calls ``obj.m()`` keep their native lookup;
* ``c[k]`` loads/stores/deletes → ``_pk_gi`` / ``_pk_si`` / ``_pk_di``; a store whose value, or an
  earlier statement of the same function, reads the same item is a read-modify-write (``_pk_si_rmw``);
* augmented assignment → read, ``operator.i<op>``, write, with the target evaluated once;
* module globals that some function declares ``global`` → ``_pk_gr`` / ``_pk_gw``;
* container methods that Python runs atomically (``append``, ``get``, ``setdefault``…) → ``_pk_mc``;
* the iterable of ``for`` loops and comprehensions → ``_pk_it`` (iteration reads the structure);
* ``a in b`` → ``_pk_inop`` (a read of item ``a`` of a dict or set).

Annotations, ``match`` patterns and names of imported modules are never touched, private names
are mangled as the compiler would, and every new node carries the original line number.
"""

from __future__ import annotations

import ast
from importlib import import_module
from types import CodeType
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from . import runtime, scopes, stores

# submodules by importlib: `from . import x` would import all of perfkit here (see _boot)
runtime = import_module(".runtime", __package__)
scopes = import_module(".scopes", __package__)
stores = import_module(".stores", __package__)
StoreRewriter = stores.StoreRewriter
_item_reads = stores.item_reads
PREFIX = stores.PREFIX


HELPERS = (
    "ga",
    "sa",
    "da",
    "gr",
    "gw",
    "gwr",
    "gi",
    "si",
    "si_rmw",
    "di",
    "mc",
    "it",
    "itm",
    "inop",
    "iop",
    "Cell",
    "cr",
    "cw",
    "sattr",
)
CONTAINER_METHODS = frozenset(
    {
        "get",
        "setdefault",
        "pop",
        "popitem",
        "clear",
        "update",
        "append",
        "extend",
        "insert",
        "remove",
        "sort",
        "reverse",
        "add",
        "discard",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
        "appendleft",
        "popleft",
        "extendleft",
        "rotate",
    }
)
_ATTR_BUILTINS = {"getattr": "ga", "setattr": "sattr"}
_VIEW_METHODS = frozenset({"keys", "values", "items"})


class Rewriter(StoreRewriter, ast.NodeTransformer):
    """One module's rewrite; sites are registered in :data:`runtime.SITES` as they are made."""

    def __init__(self, filename: str, tree: ast.Module) -> None:
        self.filename = filename
        self.shared_globals: set[str] = set()
        self.module_names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                self.shared_globals.update(node.names)
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.module_names.add(alias.asname or alias.name.split(".")[0])
        module = scopes.Scope("module")
        scopes.bound_names(tree.body, module)
        self.module_names -= {n for n in module.locals if n in self.shared_globals}
        self.scopes: list[scopes.Scope] = [module]
        #: per scope: closure variable -> name of the local holding its :class:`runtime.Cell`
        self.cells: list[dict[str, str]] = [{}]
        self.classes: list[str] = []
        self.funcs: list[str] = ["<module>"]
        self.item_reads: list[set[tuple[str, str]]] = [set()]
        self.tmp = 0

    # ------------------------------------------------------------ helpers

    def _site(self, node: ast.AST, text: str = "") -> ast.Constant:
        return ast.Constant(runtime.add_site(self.filename, getattr(node, "lineno", 0), self.funcs[-1], text))

    def _call(
        self, name: str, args: list[ast.expr], node: ast.AST, keywords: list[ast.keyword] | None = None
    ) -> ast.Call:
        call = ast.Call(ast.Name(PREFIX + name, ast.Load()), args, keywords or [])
        return ast.copy_location(call, node)

    def _mangle(self, name: str) -> str:
        if self.classes and name.startswith("__") and not name.endswith("__"):
            cls = self.classes[-1].lstrip("_")
            if cls:
                return f"_{cls}{name}"
        return name

    def _skip_base(self, value: ast.expr) -> bool:
        """Reads through ``super()`` or an imported module's name are not tracked."""
        if isinstance(value, ast.Name) and value.id in self.module_names and not self._is_global(value.id):
            return True
        return self._is_super(value)

    @staticmethod
    def _is_super(value: ast.expr) -> bool:
        """Stores are tracked even on modules (``mod.counter += 1``), never through ``super()``."""
        return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"

    def _is_global(self, name: str) -> bool:
        if name not in self.shared_globals:
            return False
        innermost = self.scopes[-1]
        for sc in reversed(self.scopes):
            if sc.kind == "module" or name in sc.globals:
                return True
            if name in sc.nonlocals:
                return False
            if sc.kind == "class":
                if sc is innermost and name in sc.locals:
                    return False
                continue
            if name in sc.locals:
                return False
        return True

    def _cell(self, name: str) -> str | None:
        """The marker of the closure variable ``name`` refers to here, if it is observed."""
        last = len(self.scopes) - 1
        for i in range(last, -1, -1):
            sc = self.scopes[i]
            if sc.kind == "module" or name in sc.globals:
                return None
            if name in sc.nonlocals:
                continue
            if sc.kind == "class":
                if i == last and name in sc.locals:
                    return None
                continue
            if name in sc.locals:
                return self.cells[i].get(name)
        return None

    def _cell_read(self, node: ast.Name, marker: str) -> ast.Call:
        args = [ast.Name(node.id, ast.Load()), ast.Name(marker, ast.Load()), ast.Constant(node.id), self._site(node)]
        return self._call("cr", args, node)

    def _cell_write(self, value: ast.expr, target: ast.Name, marker: str, node: ast.AST) -> ast.Call:
        args = [value, ast.Name(marker, ast.Load()), ast.Constant(target.id), self._site(target)]
        return self._call("cw", args, node)

    def _g(self) -> ast.Name:
        return ast.Name(PREFIX + "G", ast.Load())

    def _slice(self, node: ast.expr) -> ast.expr:
        """A subscript's slice as a plain expression (``a:b`` becomes ``slice(a, b)``)."""
        if isinstance(node, ast.Slice):
            parts = [node.lower, node.upper, node.step]
            args = [p if p is not None else ast.Constant(None) for p in parts]
            return ast.copy_location(ast.Call(ast.Name(PREFIX + "slice", ast.Load()), args, []), node)
        if isinstance(node, ast.Tuple) and any(isinstance(e, ast.Slice) for e in node.elts):
            return ast.copy_location(ast.Tuple([self._slice(e) for e in node.elts], ast.Load()), node)
        return node

    def _text(self, node: ast.expr) -> str:
        try:
            text = ast.unparse(node)
        except Exception:
            return ""
        return text if len(text) <= 40 else text[:37] + "..."

    def _stash(self, expr: ast.expr, out: list[ast.stmt]) -> ast.expr:
        """Evaluate ``expr`` once into a temporary unless re-evaluating it is free."""
        if isinstance(expr, (ast.Name, ast.Constant)):
            return expr
        self.tmp += 1
        name = f"{PREFIX}t{self.tmp}"
        out.append(ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], expr), expr))
        return ast.Name(name, ast.Load())

    def _cleanup(self, stmts: list[ast.stmt], node: ast.stmt) -> list[ast.stmt]:
        """Outside functions, temporaries would become globals or class attributes: delete them."""
        if self.scopes[-1].kind == "function":
            return stmts
        names = [
            t.id
            for s in stmts
            if isinstance(s, ast.Assign)
            for t in s.targets
            if isinstance(t, ast.Name) and t.id.startswith(PREFIX + "t")
        ]
        if names:
            stmts.append(ast.copy_location(ast.Delete([ast.Name(n, ast.Del()) for n in names]), node))
        return stmts

    # ------------------------------------------------------------ scopes

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> ast.stmt:
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        node.args.kw_defaults = [self.visit(d) if d is not None else None for d in node.args.kw_defaults]
        scope = scopes.Scope("function", locals=scopes.args_names(node.args))
        scopes.bound_names(node.body, scope)
        shared = scopes.shared_cells(node, scope)
        self.tmp += 1
        marker = f"{PREFIX}cell{self.tmp}"
        self.scopes.append(scope)
        self.cells.append(dict.fromkeys(shared, marker))
        self.funcs.append(name)
        self.item_reads.append(set())
        node.body = self._stmts(node.body)
        self.item_reads.pop()
        self.funcs.pop()
        self.cells.pop()
        self.scopes.pop()
        if shared:
            first = node.body[0] if node.body else node
            make = ast.Call(ast.Name(PREFIX + "Cell", ast.Load()), [ast.Constant(name)], [])
            assign = ast.Assign([ast.Name(marker, ast.Store())], make)
            at = 1 if node.body and _is_docstring(node.body[0]) else 0
            node.body.insert(at, ast.copy_location(assign, first))
        return node

    def _stmts(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in body:
            new = self.visit(stmt)
            if new is None:
                continue
            if isinstance(new, list):
                out.extend(new)
            else:
                out.append(new)
        return out

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
        return self._function(node, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> ast.expr:
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        node.args.kw_defaults = [self.visit(d) if d is not None else None for d in node.args.kw_defaults]
        scope = scopes.Scope("function", locals=scopes.args_names(node.args))
        scopes.bound_names(node.body, scope)
        self.scopes.append(scope)
        self.cells.append({})
        node.body = self.visit(node.body)
        self.cells.pop()
        self.scopes.pop()
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.stmt:
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.bases = [self.visit(b) for b in node.bases]
        node.keywords = [self.visit(k) for k in node.keywords]
        scope = scopes.Scope("class")
        scopes.bound_names(node.body, scope)
        self.scopes.append(scope)
        self.cells.append({})
        self.classes.append(node.name)
        node.body = self._stmts(node.body)
        self.classes.pop()
        self.cells.pop()
        self.scopes.pop()
        return node

    def _comprehension(self, node: _Comprehension, elts: list[str]) -> ast.expr:
        first = node.generators[0]
        first.iter = self._iter(first.iter)
        scope = scopes.Scope("comprehension")
        for gen in node.generators:
            scopes.target_names(gen.target, scope.locals)
        self.scopes.append(scope)
        self.cells.append({})
        for i, gen in enumerate(node.generators):
            if i:
                gen.iter = self._iter(gen.iter)
            gen.target = self.visit(gen.target)
            gen.ifs = [self.visit(x) for x in gen.ifs]
        for name in elts:
            setattr(node, name, self.visit(getattr(node, name)))
        self.cells.pop()
        self.scopes.pop()
        return node

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> ast.expr:
        return self._comprehension(node, ["elt"])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> ast.expr:
        return self._comprehension(node, ["key", "value"])

    # ------------------------------------------------------------ never rewritten

    def visit_arg(self, node: ast.arg) -> ast.arg:
        return node

    def visit_match_case(self, node: ast.match_case) -> ast.match_case:
        if node.guard is not None:
            node.guard = self.visit(node.guard)
        node.body = self._stmts(node.body)
        return node

    def visit_Global(self, node: ast.Global) -> ast.stmt:
        return node

    # ------------------------------------------------------------ expressions

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if not isinstance(node.ctx, ast.Load) or self._skip_base(node.value):
            return self.generic_visit(node)
        value = self.visit(node.value)
        return self._call("ga", [value, ast.Constant(self._mangle(node.attr)), self._site(node)], node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if not isinstance(node.ctx, ast.Load):
            return self.generic_visit(node)
        text = self._text(node.value)
        value = self.visit(node.value)
        key = self._slice(self.visit(node.slice))
        return self._call("gi", [value, key, self._site(node, text)], node)

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load):
            if self._is_global(node.id):
                return self._call("gr", [self._g(), ast.Constant(node.id), self._site(node)], node)
            marker = self._cell(node.id)
            if marker is not None:
                return self._cell_read(node, marker)
        return node

    def visit_Call(self, node: ast.Call) -> ast.expr:
        func = node.func
        if isinstance(func, ast.Attribute) and not self._skip_base(func.value):
            if func.attr in CONTAINER_METHODS:
                text = self._text(func.value)
                base = self.visit(func.value)
                args = [self.visit(a) for a in node.args]
                keywords = [self.visit(k) for k in node.keywords]
                site = self._site(node, text)
                return self._call("mc", [base, ast.Constant(func.attr), site, *args], node, keywords)
            func.value = self.visit(func.value)
        elif isinstance(func, ast.Name) and func.id in _ATTR_BUILTINS and self._builtin(func.id, node):
            # getattr(o, name) / setattr(o, name, v): the same accesses as o.name, by a name known
            # only at run time (proxies and Local classes use them)
            args = [self.visit(a) for a in node.args]
            return self._call(_ATTR_BUILTINS[func.id], [*args, self._site(node)], node)
        elif not isinstance(func, ast.Name):
            node.func = self.visit(func)
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        return node

    def _builtin(self, name: str, call: ast.Call) -> bool:
        """``name`` is the builtin here, called with plain positional arguments of its arity."""
        if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
            return False
        if len(call.args) != (2 if name == "getattr" else 3):
            return False
        return not any(name in sc.locals or name in sc.globals for sc in self.scopes)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            text = self._text(node.comparators[0])
            left = self.visit(node.left)
            right = self.visit(node.comparators[0])
            call = self._call("inop", [left, right, self._site(node, text)], node)
            if isinstance(node.ops[0], ast.NotIn):
                return ast.copy_location(ast.UnaryOp(ast.Not(), call), node)
            return call
        return self.generic_visit(node)

    def _iter(self, node: ast.expr) -> ast.expr:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _VIEW_METHODS
            and not node.args
            and not node.keywords
            and not self._skip_base(node.func.value)
        ):
            text = self._text(node.func.value)
            base = self.visit(node.func.value)
            return self._call("itm", [base, ast.Constant(node.func.attr), self._site(node, text)], node)
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            text = self._text(node)
            return self._call("it", [self.visit(node), self._site(node, text)], node)
        return self.visit(node)

    # ------------------------------------------------------------ statements

    def _record_reads(self, *exprs: ast.AST | None) -> None:
        for e in exprs:
            self.item_reads[-1].update(_item_reads(e))

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        self._record_reads(node.value)
        return self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> ast.AST:
        self._record_reads(node.value)
        return self.generic_visit(node)

    def visit_If(self, node: ast.If) -> ast.stmt:
        self._record_reads(node.test)
        node.test = self.visit(node.test)
        node.body = self._stmts(node.body)
        node.orelse = self._stmts(node.orelse)
        return node

    def visit_While(self, node: ast.While) -> ast.stmt:
        self._record_reads(node.test)
        node.test = self.visit(node.test)
        node.body = self._stmts(node.body)
        node.orelse = self._stmts(node.orelse)
        return node

    def visit_For(self, node: ast.For) -> ast.stmt:
        node.iter = self._iter(node.iter)
        node.target = self.visit(node.target)
        node.body = self._stmts(node.body)
        for sub in ast.walk(node.target):
            marker = self._cell(sub.id) if isinstance(sub, ast.Name) else None
            if marker is not None and isinstance(sub, ast.Name):
                write = self._cell_write(ast.Constant(None), sub, marker, node)
                node.body.insert(0, ast.copy_location(ast.Expr(write), node))
        node.orelse = self._stmts(node.orelse)
        return node


class _Located(Protocol):
    """A node whose class lists ``lineno`` in its ``_attributes`` (statements, expressions...)."""

    lineno: int
    col_offset: int
    end_lineno: int | None
    end_col_offset: int | None


_Comprehension = ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _prologue(node: ast.AST) -> list[ast.stmt]:
    names = [ast.alias(h, PREFIX + h) for h in HELPERS]
    stmts: list[ast.stmt] = [
        ast.ImportFrom("perfkit.race.runtime", names, 0),
        ast.ImportFrom("builtins", [ast.alias("slice", PREFIX + "slice")], 0),
        ast.Assign([ast.Name(PREFIX + "G", ast.Store())], ast.Call(ast.Name("globals", ast.Load()), [], [])),
    ]
    line = getattr(node, "lineno", 1) or 1
    for s in stmts:
        for sub in ast.walk(s):
            if "lineno" in sub._attributes:
                located = cast(_Located, sub)
                located.lineno, located.end_lineno, located.col_offset, located.end_col_offset = line, line, 0, 0
    return stmts


def rewrite_tree(tree: ast.Module, filename: str) -> ast.Module:
    """Rewrite ``tree`` in place and return it."""
    rw = Rewriter(filename, tree)
    body = rw._stmts(tree.body)
    insert = 0
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        insert = 1
    while insert < len(body) and isinstance(stmt := body[insert], ast.ImportFrom) and stmt.module == "__future__":
        insert += 1
    anchor = body[insert] if insert < len(body) else (body[-1] if body else tree)
    if not hasattr(anchor, "lineno"):
        anchor = ast.Pass(lineno=1, col_offset=0, end_lineno=1, end_col_offset=0)
    tree.body = body[:insert] + _prologue(anchor) + body[insert:]
    ast.fix_missing_locations(tree)
    for node in ast.walk(tree):
        # nodes made by other rewriters (pytest's asserts) may lack an end position
        end = getattr(node, "end_lineno", None)
        if "lineno" in node._attributes:
            located = cast(_Located, node)
            if end is None or end < located.lineno:
                located.end_lineno, located.end_col_offset = located.lineno, located.col_offset
    return tree


def compile_rewritten(source: str | bytes, filename: str) -> CodeType:
    """Parse, rewrite and compile a module's source."""
    tree = ast.parse(source, filename)
    return compile(rewrite_tree(tree, filename), filename, "exec", dont_inherit=True)


if TYPE_CHECKING:
    # Rewriter is what StoreRewriter's methods take as ``self``
    _host: type[stores.RewriterHost] = Rewriter
