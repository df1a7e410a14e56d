"""The statements that store: assignments (plain, annotated, augmented, unpacking, chained)
and ``del``. A mixin of :class:`perfkit.race.rewrite.Rewriter`, which supplies the helpers it
calls (``_site``, ``_call``, ``_cell``, ``_is_global``...).

A store to an item that the same value, or an earlier statement of the same function, read is a
read-modify-write (``_pk_si_rmw``); every other item store is one atomic ``_pk_si``.
"""

from __future__ import annotations

import ast
import copy
from typing import Any, Protocol

PREFIX = "_pk_"
_ITEM_READ_METHODS = frozenset({"get", "setdefault", "pop"})
_IOP = {
    ast.Add: "iadd",
    ast.Sub: "isub",
    ast.Mult: "imul",
    ast.Div: "itruediv",
    ast.FloorDiv: "ifloordiv",
    ast.Mod: "imod",
    ast.Pow: "ipow",
    ast.LShift: "ilshift",
    ast.RShift: "irshift",
    ast.BitOr: "ior",
    ast.BitXor: "ixor",
    ast.BitAnd: "iand",
    ast.MatMult: "imatmul",
}


def _sig(sub: ast.Subscript) -> tuple[str, str]:
    return ast.dump(sub.value), ast.dump(sub.slice)


def item_reads(node: ast.AST | None) -> set[tuple[str, str]]:
    """Items an expression reads: ``c[k]``, ``c.get(k)``, ``k in c``."""
    out: set[tuple[str, str]] = set()
    if node is None:
        return out
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript) and isinstance(sub.ctx, ast.Load):
            out.add(_sig(sub))
        elif (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr in _ITEM_READ_METHODS
            and sub.args
        ):
            out.add((ast.dump(sub.func.value), ast.dump(sub.args[0])))
        elif isinstance(sub, ast.Compare) and len(sub.ops) == 1 and isinstance(sub.ops[0], (ast.In, ast.NotIn)):
            out.add((ast.dump(sub.comparators[0]), ast.dump(sub.left)))
    return out


class RewriterHost(Protocol):
    """What :class:`StoreRewriter` needs of the class it is mixed into (``rewrite.Rewriter``, an
    ``ast.NodeTransformer``); its methods take ``self`` as this, so mypy checks both sides."""

    tmp: int
    item_reads: list[set[tuple[str, str]]]

    def visit(self, node: ast.AST) -> Any: ...
    def _is_super(self, value: ast.expr) -> bool: ...
    def _call(
        self, name: str, args: list[ast.expr], node: ast.AST, keywords: list[ast.keyword] | None = None
    ) -> ast.Call: ...
    def _mangle(self, name: str) -> str: ...
    def _site(self, node: ast.AST, text: str = "") -> ast.Constant: ...
    def _text(self, node: ast.expr) -> str: ...
    def _slice(self, node: ast.expr) -> ast.expr: ...
    def _is_global(self, name: str) -> bool: ...
    def _g(self) -> ast.Name: ...
    def _cell(self, name: str) -> str | None: ...
    def _cell_read(self, node: ast.Name, marker: str) -> ast.Call: ...
    def _cell_write(self, value: ast.expr, target: ast.Name, marker: str, node: ast.AST) -> ast.Call: ...
    def _stash(self, expr: ast.expr, out: list[ast.stmt]) -> ast.expr: ...
    def _cleanup(self, stmts: list[ast.stmt], node: ast.stmt) -> list[ast.stmt]: ...
    # StoreRewriter's own, called through such a ``self``
    def _store(
        self: RewriterHost, target: ast.expr, value: ast.expr, node: ast.stmt, rmw: bool
    ) -> list[ast.stmt] | None: ...
    def _instrumented(self: RewriterHost, target: ast.expr) -> bool: ...
    def _unpack(
        self, target: ast.expr, value: ast.expr, node: ast.stmt, rmw_sigs: set[tuple[str, str]]
    ) -> list[ast.stmt]: ...
    def _is_rmw(self, target: ast.expr, value_reads: set[tuple[str, str]]) -> bool: ...


class StoreRewriter:
    """Rewrites of the storing statements; see the module docstring."""

    def _store(
        self: RewriterHost, target: ast.expr, value: ast.expr, node: ast.stmt, rmw: bool
    ) -> list[ast.stmt] | None:
        """Statements storing ``value`` (already rewritten) into one simple target, or None."""
        if isinstance(target, ast.Attribute) and not self._is_super(target.value):
            base = self.visit(target.value)
            call = self._call("sa", [value, base, ast.Constant(self._mangle(target.attr)), self._site(target)], node)
            return [ast.copy_location(ast.Expr(call), node)]
        if isinstance(target, ast.Subscript):
            text = self._text(target.value)
            base = self.visit(target.value)
            key = self._slice(self.visit(target.slice))
            fn = "si_rmw" if rmw else "si"
            call = self._call(fn, [value, base, key, self._site(target, text)], node)
            return [ast.copy_location(ast.Expr(call), node)]
        if isinstance(target, ast.Name) and self._is_global(target.id):
            gw = self._call("gw", [value, self._g(), ast.Constant(target.id), self._site(target)], node)
            return [ast.copy_location(ast.Assign([target], gw), node)]
        marker = self._cell(target.id) if isinstance(target, ast.Name) else None
        if marker is not None and isinstance(target, ast.Name):
            return [ast.copy_location(ast.Assign([target], self._cell_write(value, target, marker, node)), node)]
        return None

    def _instrumented(self: RewriterHost, target: ast.expr) -> bool:
        for sub in ast.walk(target):
            if isinstance(sub, (ast.Attribute, ast.Subscript)) and isinstance(sub.ctx, ast.Store):
                return True
            if (
                isinstance(sub, ast.Name)
                and isinstance(sub.ctx, ast.Store)
                and (self._is_global(sub.id) or self._cell(sub.id) is not None)
            ):
                return True
        return False

    def _unpack(
        self: RewriterHost, target: ast.expr, value: ast.expr, node: ast.stmt, rmw_sigs: set[tuple[str, str]]
    ) -> list[ast.stmt]:
        """Assign ``value`` to a possibly nested target, routing instrumented parts via temporaries."""
        simple = self._store(target, value, node, self._is_rmw(target, rmw_sigs))
        if simple is not None:
            return simple
        if isinstance(target, (ast.Tuple, ast.List)) and self._instrumented(target):
            post: list[ast.stmt] = []
            elts = []
            for elt in target.elts:
                inner = elt.value if isinstance(elt, ast.Starred) else elt
                if isinstance(inner, ast.Name) and not self._is_global(inner.id) and self._cell(inner.id) is None:
                    elts.append(elt)
                    continue
                self.tmp += 1
                name = f"{PREFIX}t{self.tmp}"
                tmp_store = ast.Name(name, ast.Store())
                elts.append(ast.Starred(tmp_store, ast.Store()) if isinstance(elt, ast.Starred) else tmp_store)
                post += self._unpack(inner, ast.Name(name, ast.Load()), node, rmw_sigs)
                post.append(ast.copy_location(ast.Delete([ast.Name(name, ast.Del())]), node))
            assign = ast.Assign([type(target)(elts, ast.Store())], value)
            return [ast.copy_location(assign, node), *post]
        assign = ast.Assign([self.visit(target)], value)
        return [ast.copy_location(assign, node)]

    def _is_rmw(self: RewriterHost, target: ast.expr, value_reads: set[tuple[str, str]]) -> bool:
        if not isinstance(target, ast.Subscript):
            return False
        sig = _sig(target)
        return sig in value_reads or sig in self.item_reads[-1]

    def visit_Assign(self: RewriterHost, node: ast.Assign) -> list[ast.stmt]:
        reads = item_reads(node.value)
        value = self.visit(node.value)
        if len(node.targets) == 1:
            out = self._unpack(node.targets[0], value, node, reads)
        elif not any(self._instrumented(t) for t in node.targets):
            node.targets = [self.visit(t) for t in node.targets]
            node.value = value
            out = [node]
        else:
            out = []
            src = self._stash(value, out)
            for t in node.targets:
                out += self._unpack(t, copy.copy(src), node, reads)
            out = self._cleanup(out, node)
        self.item_reads[-1].update(reads)
        return out

    def visit_AnnAssign(self: RewriterHost, node: ast.AnnAssign) -> ast.stmt | list[ast.stmt]:
        if node.value is None:
            return node
        reads = item_reads(node.value)
        value = self.visit(node.value)
        self.item_reads[-1].update(reads)
        if isinstance(node.target, ast.Name) and not self._is_global(node.target.id) and not self._cell(node.target.id):
            node.value = value
            return node
        out = self._store(node.target, value, node, self._is_rmw(node.target, reads))
        if out is None:
            node.value = value
            return node
        return out

    def visit_AugAssign(self: RewriterHost, node: ast.AugAssign) -> ast.stmt | list[ast.stmt]:
        target = node.target
        op = ast.Attribute(ast.Name(PREFIX + "iop", ast.Load()), _IOP[type(node.op)], ast.Load())
        out: list[ast.stmt] = []
        if isinstance(target, ast.Attribute) and not self._is_super(target.value):
            base = self._stash(self.visit(target.value), out)
            attr = ast.Constant(self._mangle(target.attr))
            site = self._site(target)
            read = self._call("ga", [base, attr, site], node)
            new = ast.copy_location(ast.Call(op, [read, self.visit(node.value)], []), node)
            out.append(ast.copy_location(ast.Expr(self._call("sa", [new, copy.copy(base), attr, site], node)), node))
            return self._cleanup(out, node)
        if isinstance(target, ast.Subscript):
            text = self._text(target.value)
            base = self._stash(self.visit(target.value), out)
            key = self._stash(self._slice(self.visit(target.slice)), out)
            site = self._site(target, text)
            read = self._call("gi", [base, key, site], node)
            new = ast.copy_location(ast.Call(op, [read, self.visit(node.value)], []), node)
            store = self._call("si_rmw", [new, copy.copy(base), copy.copy(key), site], node)
            out.append(ast.copy_location(ast.Expr(store), node))
            return self._cleanup(out, node)
        if isinstance(target, ast.Name) and self._is_global(target.id):
            site = self._site(target)
            read = self._call("gr", [self._g(), ast.Constant(target.id), site], node)
            new = ast.copy_location(ast.Call(op, [read, self.visit(node.value)], []), node)
            gw = self._call("gw", [new, self._g(), ast.Constant(target.id), site], node)
            return ast.copy_location(ast.Assign([ast.Name(target.id, ast.Store())], gw), node)
        marker = self._cell(target.id) if isinstance(target, ast.Name) else None
        if marker is not None and isinstance(target, ast.Name):
            read = self._cell_read(ast.copy_location(ast.Name(target.id, ast.Load()), target), marker)
            new = ast.copy_location(ast.Call(op, [read, self.visit(node.value)], []), node)
            write = self._cell_write(new, target, marker, node)
            return ast.copy_location(ast.Assign([ast.Name(target.id, ast.Store())], write), node)
        node.target = self.visit(target)
        node.value = self.visit(node.value)
        return node

    def visit_Delete(self: RewriterHost, node: ast.Delete) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for target in node.targets:
            if isinstance(target, ast.Attribute) and not self._is_super(target.value):
                call = self._call(
                    "da", [self.visit(target.value), ast.Constant(self._mangle(target.attr)), self._site(target)], node
                )
                out.append(ast.copy_location(ast.Expr(call), node))
            elif isinstance(target, ast.Subscript):
                text = self._text(target.value)
                args = [self.visit(target.value), self._slice(self.visit(target.slice)), self._site(target, text)]
                out.append(ast.copy_location(ast.Expr(self._call("di", args, node)), node))
            elif isinstance(target, ast.Name) and self._is_global(target.id):
                out.append(ast.copy_location(ast.Delete([target]), node))
                call = self._call("gwr", [self._g(), ast.Constant(target.id), self._site(target)], node)
                out.append(ast.copy_location(ast.Expr(call), node))
            else:
                out.append(ast.copy_location(ast.Delete([self.visit(target)]), node))
        return out
