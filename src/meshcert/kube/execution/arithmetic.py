"""Shell arithmetic (`$((...))`): C operators on 64-bit signed integers, variables by name."""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(
    r"\s*(?:(?P<num>0[xX][0-9a-fA-F]+|\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|"
    r"(?P<op><<=|>>=|\*\*|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%]=|[&^|]=|[-+*/%<>&^|!~?:=()]))"
)
_BINARY: dict[str, int] = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
    "<": 7, "<=": 7, ">": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9,
    "*": 10, "/": 10, "%": 10, "**": 11,
}  # fmt: skip
_ASSIGN = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="})


class ArithmeticFailure(Exception):
    """A bad expression; `message` in dash's words (e.g. `division by zero`)."""

    def __init__(self, message: str, expression: str) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression


def _wrap(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def _number(text: str, expression: str) -> int:
    try:
        if text[:2].lower() == "0x":
            return int(text, 16)
        if len(text) > 1 and text.startswith("0"):
            return int(text, 8)
        return int(text)
    except ValueError:
        raise ArithmeticFailure("expecting primary", expression) from None


class _Evaluator:
    def __init__(
        self,
        text: str,
        get: Callable[[str], str | None],
        set_: Callable[[str, str], None],
    ) -> None:
        self.text = text
        self.get = get
        self.set = set_
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if m is None:
                raise ArithmeticFailure("expecting primary", text)
            kind = m.lastgroup or "op"
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def fail(self, message: str = "expecting primary") -> ArithmeticFailure:
        return ArithmeticFailure(message, self.text)

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise self.fail()
        self.i += 1
        return tok

    def variable(self, name: str) -> int:
        raw = (self.get(name) or "").strip()
        if not raw:
            return 0
        if re.fullmatch(r"-?(0[xX][0-9a-fA-F]+|\d+)", raw):
            sign = -1 if raw.startswith("-") else 1
            return sign * _number(raw.lstrip("-"), self.text)
        raise ArithmeticFailure(f"Illegal number: {raw}", self.text)

    def run(self) -> int:
        if not self.tokens:
            return 0
        value = self.expr(True)
        if self.peek() is not None:
            raise self.fail()
        return value

    # expr := assignment | ternary
    def expr(self, live: bool) -> int:
        tok = self.peek()
        nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        if tok and tok[0] == "name" and nxt and nxt[0] == "op" and nxt[1] in _ASSIGN:
            self.i += 2
            value = self.expr(live)
            if nxt[1] != "=":
                value = self.apply(nxt[1][:-1], self.variable(tok[1]), value)
            if live:
                self.set(tok[1], str(value))
            return value
        return self.ternary(live)

    def ternary(self, live: bool) -> int:
        cond = self.binary(1, live)
        if self.peek() != ("op", "?"):
            return cond
        self.take()
        yes = self.expr(live and cond != 0)
        if self.take() != ("op", ":"):
            raise self.fail()
        no = self.expr(live and cond == 0)
        return yes if cond else no

    def binary(self, level: int, live: bool) -> int:
        left = self.unary(live)
        while True:
            tok = self.peek()
            if tok is None or tok[0] != "op" or _BINARY.get(tok[1], 0) < level:
                return left
            op = tok[1]
            prec = _BINARY[op]
            self.take()
            if op == "&&":
                right = self.binary(prec + 1, live and left != 0)
                left = int(bool(left) and bool(right))
            elif op == "||":
                right = self.binary(prec + 1, live and left == 0)
                left = int(bool(left) or bool(right))
            else:
                right = self.binary(prec if op == "**" else prec + 1, live)
                left = self.apply(op, left, right) if live else 0

    def apply(self, op: str, a: int, b: int) -> int:
        if op in ("/", "%"):
            if b == 0:
                raise self.fail("division by zero")
            q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
            return _wrap(q if op == "/" else a - q * b)
        table: dict[str, Callable[[int, int], int]] = {
            "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
            "**": lambda x, y: x**y if y >= 0 else 0,
            "<<": lambda x, y: x << (y & 63), ">>": lambda x, y: x >> (y & 63),
            "&": lambda x, y: x & y, "|": lambda x, y: x | y, "^": lambda x, y: x ^ y,
            "<": lambda x, y: int(x < y), "<=": lambda x, y: int(x <= y),
            ">": lambda x, y: int(x > y), ">=": lambda x, y: int(x >= y),
            "==": lambda x, y: int(x == y), "!=": lambda x, y: int(x != y),
        }  # fmt: skip
        return _wrap(table[op](a, b))

    def unary(self, live: bool) -> int:
        kind, text = self.take()
        if kind == "op":
            if text in ("+", "-", "!", "~"):
                value = self.unary(live)
                return {"+": value, "-": _wrap(-value), "!": int(not value), "~": ~value}[text]
            if text in ("++", "--"):
                name = self.take()
                if name[0] != "name":
                    raise self.fail()
                value = _wrap(self.variable(name[1]) + (1 if text == "++" else -1))
                if live:
                    self.set(name[1], str(value))
                return value
            if text == "(":
                value = self.expr(live)
                if self.take() != ("op", ")"):
                    raise self.fail("expecting ')'")
                return value
            raise self.fail()
        if kind == "num":
            return _wrap(_number(text, self.text))
        value = self.variable(text)
        post = self.peek()
        if post in (("op", "++"), ("op", "--")):
            self.take()
            if live:
                self.set(text, str(_wrap(value + (1 if post == ("op", "++") else -1))))
        return value


def evaluate(text: str, get: Callable[[str], str | None], set_: Callable[[str, str], None]) -> int:
    """The value of `text`; `get`/`set_` read and assign shell variables."""
    return _Evaluator(text, get, set_).run()
