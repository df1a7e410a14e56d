"""Which names a scope binds: the analysis the rewriter needs to tell a module global from a local.

Python decides at compile time whether a name is local, global or free; the rewriter must decide
the same way (without descending into nested scopes) so it instruments exactly the module globals.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class Scope:
    """The names one scope binds, and those it declares global or nonlocal."""

    kind: str  # module, function, class, comprehension
    locals: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)


def target_names(node: ast.AST, out: set[str]) -> None:
    """Add the names an assignment target (or a comprehension's ``for`` target) binds."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            out.add(sub.id)


def bound_names(body: Sequence[ast.AST] | ast.AST, scope: Scope) -> None:
    """Names a function or class body binds, without descending into nested scopes."""
    stack: list[ast.AST] = [body] if isinstance(body, ast.AST) else list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Global):
            scope.globals.update(node.names)
            continue
        if isinstance(node, ast.Nonlocal):
            scope.nonlocals.update(node.names)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope.locals.add(node.name)
            stack.extend(node.decorator_list)
            if not isinstance(node, ast.ClassDef):
                stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Lambda):
            stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, COMPREHENSIONS):
            # only walrus targets escape a comprehension
            for sub in ast.walk(node):
                if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                    scope.locals.add(sub.target.id)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            scope.locals.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                scope.locals.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            scope.locals.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            scope.locals.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    scope.locals -= scope.globals


def args_names(args: ast.arguments) -> set[str]:
    """Every parameter name of a function or lambda."""
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    if args.vararg:
        names.add(args.vararg.arg)
    if args.kwarg:
        names.add(args.kwarg.arg)
    return names


_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, *COMPREHENSIONS)


def _own_nodes(body: Sequence[ast.AST] | ast.AST) -> Iterator[ast.AST]:
    """Nodes of one scope's body, not descending into nested function scopes (yielded too)."""
    stack: list[ast.AST] = [body] if isinstance(body, ast.AST) else list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _NESTED):
            continue
        stack.extend(ast.iter_child_nodes(node))


_Nested = (
    ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
)


def _free_in(node: _Nested) -> tuple[set[str], set[str]]:
    """Names a nested scope uses from enclosing functions, and those it declares ``nonlocal``."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        scope = Scope("function", locals=args_names(node.args))
        body: Sequence[ast.AST] | ast.AST = node.body
    else:
        scope = Scope("comprehension")
        for gen in node.generators:
            target_names(gen.target, scope.locals)
        body = [node]
    bound_names(body, scope)
    used: set[str] = set()
    nonlocal_: set[str] = set(scope.nonlocals)
    for sub in _own_nodes(body if not isinstance(node, COMPREHENSIONS) else [*node.generators, node]):
        if sub is node:
            continue
        if isinstance(sub, ast.Name):
            used.add(sub.id)
        elif isinstance(sub, _NESTED):
            u, n = _free_in(sub)
            used |= u
            nonlocal_ |= n
    return used - (scope.locals - scope.nonlocals) - scope.globals, nonlocal_


def shared_cells(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, scope: Scope) -> set[str]:
    """This function's variables that nested functions share and that may change while they run.

    A variable is worth observing when a nested scope uses it and it is rebound: declared
    ``nonlocal`` by a nested function, or bound more than once (or by a loop) here. A variable
    bound once before the closure exists cannot race.
    """
    body = node.body if isinstance(node.body, list) else [node.body]
    used: set[str] = set()
    rebound_inside: set[str] = set()
    stores: dict[str, int] = {name: 1 for name in args_names(node.args)}
    for sub in _own_nodes(body):
        if isinstance(sub, _NESTED):
            u, n = _free_in(sub)
            used |= u
            rebound_inside |= n
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            stores[sub.id] = stores.get(sub.id, 0) + 1
        if isinstance(sub, (ast.For, ast.AsyncFor, ast.While)):
            # a binding inside a loop happens again and again
            for t in _own_nodes([*sub.body, *(sub.target,)] if not isinstance(sub, ast.While) else sub.body):
                if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store):
                    stores[t.id] = stores.get(t.id, 0) + 2
        elif isinstance(sub, ast.AugAssign) and isinstance(sub.target, ast.Name):
            stores[sub.target.id] = stores.get(sub.target.id, 0) + 2
    own = scope.locals - scope.globals - scope.nonlocals
    return {name for name in used & own if name in rebound_inside or stores.get(name, 0) > 1}
