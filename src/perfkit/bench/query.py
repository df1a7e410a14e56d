"""Parse benchstat's filter and projection expressions (Go's ``benchproc/syntax``).

Filters::

    expr     = andExpr {"OR" andExpr}
    andExpr  = match {"AND"? match}
    match    = "(" expr ")" | "-" match | "*" | key ":" value | key ":" "(" value {"OR" value} ")"
    value    = word | "/" regexp "/"

Projections::

    expr     = part {","? part}
    part     = key | key "@" order | key "@" "(" word {word} ")"

A word is a bare word (``[^-*"():@,][^ ():@,]*``) or a double-quoted Go string. ``-`` and ``*``
are operators only at the start of a word, so ``foo-bar`` is one word. Regular expressions use
Go's RE2 syntax; the common subset is translated to Python's ``re``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["FieldSpec", "FilterMatch", "FilterOp", "QuerySyntaxError", "parse_filter", "parse_projection"]

_OPS = "():@,"
_START_OPS = _OPS + "-*"


class QuerySyntaxError(ValueError):
    """A malformed expression: the query, the offset of the problem, and what is wrong."""

    def __init__(self, query: str, offset: int, message: str) -> None:
        super().__init__(message)
        self.query, self.offset, self.message = query, offset, message

    def __str__(self) -> str:
        return f"syntax error at column {self.offset + 1} of {self.query!r}: {self.message}"


@dataclass
class FilterMatch:
    """``key:value`` or ``key:/regexp/``."""

    key: str
    regexp: re.Pattern[str] | None
    literal: str
    offset: int

    def match(self, value: str) -> bool:
        return self.regexp.search(value) is not None if self.regexp is not None else self.literal == value


@dataclass
class FilterOp:
    """``AND`` (no operands: matches everything), ``OR`` or ``NOT`` (one operand)."""

    op: str
    exprs: list[FilterMatch | FilterOp] = field(default_factory=list)


Filter = FilterMatch | FilterOp


@dataclass
class FieldSpec:
    """One projection field: a key and its order (``first``, ``fixed``, ``alpha``, ``num``)."""

    key: str
    order: str = "first"
    fixed: list[str] = field(default_factory=list)
    key_offset: int = 0
    order_offset: int = 0


@dataclass
class _Tok:
    kind: str  # "w" word, "q" quoted word, "r" regexp, "A" AND, "O" OR, an operator, "" at the end
    offset: int
    text: str
    regexp: re.Pattern[str] | None = None


def _is_space(ch: str) -> bool:
    return ch.isspace() and not "\x1c" <= ch <= "\x1f"


_GO_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"'}


def _go_unquote(body: str) -> str:
    """The contents of a Go double-quoted string literal (without its quotes)."""
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\n":
            raise ValueError("newline in string")
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        i += 1
        esc = body[i : i + 1]
        if esc in _GO_ESCAPES:
            out.append(_GO_ESCAPES[esc])
            i += 1
        elif esc in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[esc]
            digits = body[i + 1 : i + 1 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError("bad escape")
            out.append(chr(int(digits, 16)))
            i += 1 + width
        elif esc and esc in "01234567":
            digits = body[i : i + 3]
            if len(digits) != 3 or not all(c in "01234567" for c in digits) or int(digits, 8) > 255:
                raise ValueError("bad escape")
            out.append(chr(int(digits, 8)))
            i += 3
        else:
            raise ValueError("bad escape")
    return "".join(out)


_POSIX = {"alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ", "cntrl": "\\x00-\\x1f\\x7f",
          "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
          "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f"}  # fmt: skip


def _compile_go_regexp(expr: str) -> re.Pattern[str]:
    """Go RE2 syntax -> Python re (``\\z``, ``\\Q...\\E`` and POSIX classes translated)."""
    expr = re.sub(r"\\Q(.*?)(?:\\E|$)", lambda m: re.escape(m.group(1)), expr)
    expr = re.sub(r"\[:(\^?)([a-z]+):\]", lambda m: _POSIX_class(m.group(1), m.group(2)), expr)
    expr = re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", expr)
    return re.compile(expr)


def _POSIX_class(negate: str, name: str) -> str:
    if name not in _POSIX:
        raise re.error(f"invalid character class range: [:{negate}{name}:]")
    if negate:
        raise re.error(f"negated POSIX class [:^{name}:] is not supported")
    return _POSIX[name]


def _regexp_until_slash(text: str) -> int:
    """Index of the ``/`` closing a regexp at top level (outside [] and ()), or -1."""
    brackets = parens = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if brackets == 0 and parens == 0 and ch == "/":
            return i
        if ch == "[":
            brackets += 1
        elif ch == "]":
            brackets = max(0, brackets - 1)
        elif ch == "(" and brackets == 0:
            parens += 1
        elif ch == ")" and brackets == 0:
            parens -= 1
        elif ch == "\\":
            i += 1
        i += 1
    return -1


class _Lexer:
    """Tokens of one query; remembers the first error (later ones follow from it)."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.error: QuerySyntaxError | None = None

    def fail(self, offset: int, message: str) -> _Tok:
        if self.error is None:
            self.error = QuerySyntaxError(self.query, offset, message)
        return _Tok("", len(self.query), "")

    def skip(self, pos: int) -> int:
        q = self.query
        while pos < len(q) and _is_space(q[pos]) and q[pos] not in _START_OPS:
            pos += 1
        return pos

    def next(self, pos: int, allow_regexp: bool) -> tuple[_Tok, int]:
        """The token at ``pos`` and the position after it."""
        q = self.query
        if self.error is not None:
            return _Tok("", len(q), ""), len(q)
        pos = self.skip(pos)
        if pos >= len(q):
            return _Tok("", pos, ""), pos
        ch = q[pos]
        if ch in _START_OPS:
            return _Tok(ch, pos, ch), pos + 1
        if allow_regexp and ch == "/":
            return self._regexp(pos)
        if ch == '"':
            return self._quoted(pos)
        end = pos
        while end < len(q) and not _is_space(q[end]) and q[end] not in _OPS:
            end += 1
        word = q[pos:end]
        kind = {"AND": "A", "OR": "O"}.get(word, "w")
        return _Tok(kind, pos, word), end

    def _quoted(self, pos: int) -> tuple[_Tok, int]:
        q = self.query
        end = pos + 1
        while end < len(q) and (q[end] != '"' or q[end - 1] == "\\"):
            end += 1
        if end >= len(q):
            return self.fail(pos, "missing end quote"), len(q)
        try:
            word = _go_unquote(q[pos + 1 : end])
        except ValueError:
            return self.fail(pos, "bad escape sequence"), len(q)
        return _Tok("q", pos, word), end + 1

    def _regexp(self, pos: int) -> tuple[_Tok, int]:
        q = self.query
        close = _regexp_until_slash(q[pos + 1 :])
        if close < 0:
            return self.fail(pos, 'missing close "/"'), len(q)
        expr = q[pos + 1 : pos + 1 + close]
        try:
            compiled = _compile_go_regexp(expr)
        except re.error as exc:
            return self.fail(pos, f"error parsing regexp: {exc}: `{expr}`"), len(q)
        after = pos + 2 + close
        if after < len(q) and not (_is_space(q[after]) or q[after] in _START_OPS):
            return self.fail(after, 'regexp must be followed by space or an operator (unescaped "/"?)'), len(q)
        return _Tok("r", pos, expr, compiled), after

    def check(self) -> None:
        if self.error is not None:
            raise self.error


# -------------------------------------------------------------------------------------- filters
class _FilterParser:
    def __init__(self, query: str) -> None:
        self.lex = _Lexer(query)

    def expr(self, pos: int) -> tuple[Filter, int]:
        terms = []
        while True:
            term, pos = self.and_expr(pos)
            terms.append(term)
            tok, after = self.lex.next(pos, False)
            if tok.kind != "O":
                break
            pos = after
        return (terms[0] if len(terms) == 1 else FilterOp("OR", terms)), pos

    def and_expr(self, pos: int) -> tuple[Filter, int]:
        term, pos = self.match(pos)
        terms = [term]
        while True:
            tok, after = self.lex.next(pos, False)
            if tok.kind == "A":
                pos = after
            elif tok.kind in ("(", "-", "*", "w", "q"):
                term, pos = self.match(pos)
                terms.append(term)
            elif tok.kind in (")", "O", ""):
                break
            else:
                self.lex.fail(tok.offset, f"unexpected {tok.text!r}")
                return FilterOp("AND"), len(self.lex.query)
        return (terms[0] if len(terms) == 1 else FilterOp("AND", terms)), pos

    def match(self, start: int) -> tuple[Filter, int]:
        lex = self.lex
        tok, pos = lex.next(start, False)
        if tok.kind == "(":
            inner, pos = self.expr(pos)
            close, after = lex.next(pos, False)
            if close.kind != ")":
                lex.fail(close.offset, 'missing ")"')
            return inner, after
        if tok.kind == "-":
            inner, pos = self.match(pos)
            return FilterOp("NOT", [inner]), pos
        if tok.kind == "*":
            return FilterOp("AND"), pos
        if tok.kind in ("w", "q"):
            colon, pos = lex.next(pos, False)
            if colon.kind != ":":
                lex.fail(tok.offset, "expected key:value")
                return FilterOp("AND"), len(lex.query)
            value, pos = lex.next(pos, True)
            if value.kind in ("w", "q", "r"):
                return self._leaf(tok, value), pos
            if value.kind == "(":
                terms: list[Filter] = []
                while True:
                    value, after = lex.next(pos, True)
                    if value.kind not in ("w", "q", "r"):
                        lex.fail(value.offset, "expected value")
                        return FilterOp("AND"), len(lex.query)
                    terms.append(self._leaf(tok, value))
                    sep, after2 = lex.next(after, True)
                    if sep.kind == ")":
                        return FilterOp("OR", terms), after2
                    if sep.kind != "O":
                        lex.fail(sep.offset, "value list must be separated by OR")
                        return FilterOp("AND"), len(lex.query)
                    pos = after2
            lex.fail(tok.offset, "expected key:value")
            return FilterOp("AND"), len(lex.query)
        lex.fail(tok.offset, "expected key:value or subexpression")
        return FilterOp("AND"), len(lex.query)

    @staticmethod
    def _leaf(key: _Tok, value: _Tok) -> FilterMatch:
        if value.kind == "r":
            return FilterMatch(key.text, value.regexp, "", key.offset)
        return FilterMatch(key.text, None, value.text, key.offset)


def parse_filter(query: str) -> Filter:
    """The filter expression as a tree; QuerySyntaxError if malformed (``*`` matches all)."""
    parser = _FilterParser(query)
    tree, pos = parser.expr(0)
    tok, _ = parser.lex.next(pos, False)
    if tok.kind != "":
        parser.lex.fail(tok.offset, f"unexpected {tok.text!r}")
    parser.lex.check()
    return tree


# ---------------------------------------------------------------------------------- projections
def parse_projection(query: str) -> list[FieldSpec]:
    """The fields of a projection expression (``.name,/size@num``); QuerySyntaxError if malformed."""
    lex = _Lexer(query)
    fields: list[FieldSpec] = []
    pos = 0
    while True:
        tok, after = lex.next(pos, False)
        if tok.kind == "":
            break
        if tok.kind == "," and fields:
            pos = after
        spec, pos = _parse_field(lex, pos)
        fields.append(spec)
        if lex.error is not None:
            break
    lex.check()
    return fields


def _parse_field(lex: _Lexer, pos: int) -> tuple[FieldSpec, int]:
    key, after = lex.next(pos, False)
    if key.kind not in ("w", "q"):
        lex.fail(key.offset, "expected key")
        return FieldSpec(""), len(lex.query)
    spec = FieldSpec(key.text, key_offset=key.offset, order_offset=key.offset + len(key.text))
    sep, after2 = lex.next(after, False)
    if sep.kind != "@":
        return spec, after
    order, pos = lex.next(after2, False)
    spec.order_offset = order.offset
    if order.kind in ("w", "q"):
        spec.order = order.text
        return spec, pos
    if order.kind == "(":
        spec.order = "fixed"
        while True:
            word, after = lex.next(pos, False)
            if word.kind in ("w", "q"):
                spec.fixed.append(word.text)
                pos = after
            elif word.kind == ")":
                if not spec.fixed:
                    lex.fail(word.offset, "nothing to match")
                return spec, after
            else:
                lex.fail(word.offset, "missing )")
                return spec, len(lex.query)
    lex.fail(order.offset, "expected named sort order or parenthesized list")
    return spec, len(lex.query)
