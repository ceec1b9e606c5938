"""`test` and `[`: file, string and integer conditions, shared by the program and the builtin.

The shell builtin and the coreutils program word their errors differently, so evaluation
raises `TestSyntaxError` with a kind and the offending text, and `test_message` words it as
dash, bash or GNU coreutils do.
"""

from __future__ import annotations

from .filesystem import FileSystem, normalize

UNARY = frozenset(
    [
        "-z",
        "-n",
        "-e",
        "-f",
        "-d",
        "-s",
        "-r",
        "-w",
        "-x",
        "-L",
        "-h",
        "-b",
        "-c",
        "-p",
        "-S",
        "-t",
        "-a",
    ]
)
BINARY = frozenset(
    ["=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef"]
)


class TestSyntaxError(Exception):
    """kind: missing_bracket, bad_number, unexpected, need_argument, two_words."""

    __test__ = False  # not a pytest test class

    def __init__(self, kind: str, detail: str = "", other: str = "") -> None:
        super().__init__(kind, detail)
        self.kind = kind
        self.detail = detail
        self.other = other


def test_message(exc: TestSyntaxError, flavor: str) -> str:
    """The message after `[: ` / `test: ` for `flavor` sh, bash or gnu."""
    d = exc.detail
    table = {
        "sh": {
            "missing_bracket": "missing ]",
            "bad_number": f"Illegal number: {d}",
            "unexpected": f"{d}: unexpected operator",
            "need_argument": f"{d}: argument expected",
            "two_words": f"{exc.other}: unexpected operator",
        },
        "bash": {
            "missing_bracket": "missing `]'",
            "bad_number": f"{d}: integer expression expected",
            "unexpected": "too many arguments",
            "need_argument": f"{d}: unary operator expected",
            "two_words": f"{d}: unary operator expected",
        },
        "gnu": {
            "missing_bracket": "missing ']'",
            "bad_number": f"invalid integer '{d}'",
            "unexpected": f"extra argument '{d}'",
            "need_argument": f"'{d}': unary operator expected",
            "two_words": f"'{d}': unary operator expected",
        },
    }
    return table[flavor][exc.kind]


def run_test(argv: list[str], fs: FileSystem, cwd: str) -> bool:
    """Evaluate `test ARGS` or `[ ARGS ]` (argv[0] is the name); raises TestSyntaxError."""
    args = list(argv[1:])
    if argv and argv[0] == "[":
        if not args or args[-1] != "]":
            raise TestSyntaxError("missing_bracket")
        args.pop()
    return _Evaluation(args, fs, cwd).run()


def _integer(text: str) -> int:
    stripped = text.strip()
    body = stripped[1:] if stripped[:1] in "+-" else stripped
    if not body.isdigit():
        raise TestSyntaxError("bad_number", text)
    return int(stripped)


class _Evaluation:
    def __init__(self, args: list[str], fs: FileSystem, cwd: str) -> None:
        self.args = args
        self.i = 0
        self.fs = fs
        self.cwd = cwd

    def run(self) -> bool:
        if not self.args:
            return False
        if len(self.args) <= 4 and "(" not in self.args[:1]:
            value = self._posix(self.args)
            if value is not None:
                return value
        result = self._or()
        if self.i < len(self.args):
            raise TestSyntaxError("unexpected", self.args[self.i])
        return result

    def _posix(self, a: list[str]) -> bool | None:
        """POSIX's rules by argument count (what makes `[ "$x" ]` safe for any x)."""
        n = len(a)
        if n == 1:
            return a[0] != ""
        if n == 2:
            if a[0] == "!":
                return a[1] == ""
            if a[0] in UNARY:
                return self._unary(a[0], a[1])
            raise TestSyntaxError("two_words", a[0], a[1])
        if n == 3:
            if a[1] in BINARY:
                return self._binary(a[0], a[1], a[2])
            if a[0] == "!":
                inner = self._posix(a[1:])
                return None if inner is None else not inner
            return None
        if a[0] == "!":
            inner = self._posix(a[1:])
            return None if inner is None else not inner
        return None

    def _peek(self) -> str | None:
        return self.args[self.i] if self.i < len(self.args) else None

    def _take(self) -> str:
        tok = self._peek()
        if tok is None:
            raise TestSyntaxError("need_argument", self.args[-1] if self.args else "")
        self.i += 1
        return tok

    def _or(self) -> bool:
        value = self._and()
        while self._peek() == "-o":
            self.i += 1
            right = self._and()
            value = value or right
        return value

    def _and(self) -> bool:
        value = self._not()
        while self._peek() == "-a":
            self.i += 1
            right = self._not()
            value = value and right
        return value

    def _not(self) -> bool:
        if self._peek() == "!":
            self.i += 1
            return not self._not()
        return self._primary()

    def _primary(self) -> bool:
        tok = self._take()
        if tok == "(":
            value = self._or()
            if self._take() != ")":
                raise TestSyntaxError("unexpected", self.args[self.i - 1])
            return value
        nxt = self._peek()
        if nxt in BINARY and self.i + 1 < len(self.args):
            self.i += 1
            return self._binary(tok, nxt, self._take())
        if tok in UNARY and nxt is not None:
            self.i += 1
            return self._unary(tok, nxt)
        return tok != ""

    def _unary(self, op: str, arg: str) -> bool:
        if op == "-z":
            return arg == ""
        if op == "-n":
            return arg != ""
        if op == "-t":
            return False
        path = normalize(arg, self.cwd) if arg else ""
        if not path or not self.fs.exists(path):
            return False
        if op == "-f":
            return self.fs.is_file(path)
        if op == "-d":
            return self.fs.is_dir(path)
        if op == "-s":
            return self.fs.is_dir(path) or self.fs.size(path) > 0
        # -e -a -r -w -x: whatever exists is readable, writable and searchable for root
        return op not in ("-L", "-h", "-b", "-c", "-p", "-S")

    def _binary(self, left: str, op: str, right: str) -> bool:
        if op in ("=", "=="):
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left < right
        if op == ">":
            return left > right
        if op in ("-nt", "-ot", "-ef"):
            return op == "-ef" and normalize(left, self.cwd) == normalize(right, self.cwd)
        a, b = _integer(left), _integer(right)
        return {
            "-eq": a == b,
            "-ne": a != b,
            "-lt": a < b,
            "-le": a <= b,
            "-gt": a > b,
            "-ge": a >= b,
        }[op]
