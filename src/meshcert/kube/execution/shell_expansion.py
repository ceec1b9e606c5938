"""Word expansion: parameters, command substitution, arithmetic, field splitting, pathnames.

A word becomes segments (text, quoted, split); unquoted expansion results are split on IFS,
fields with unquoted glob characters are matched against the container's files, and `"$@"`
makes one field per positional parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .arithmetic import ArithmeticFailure, evaluate
from .filesystem import FileSystemError, normalize
from .shell_nodes import Arith, CommandSub, Lit, Param, Part, Quoted, Tilde, Word

if TYPE_CHECKING:
    from .shell import Shell

Seg = tuple[str, bool, bool]  # (text, quoted, split)
_BREAK: Seg = ("", True, True)  # field boundary from "$@" (quoted and split never meet otherwise)
_MAGIC = re.compile(r"[*?\[]")
_CLASSES = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\n\r\f\v", "blank": r" \t", "punct": r"!-/:-@\[-`{-~", "xdigit": "0-9A-Fa-f",
    "cntrl": r"\x00-\x1f\x7f", "print": r" -~", "graph": r"!-~",
}  # fmt: skip


def glob_to_regex(pattern: str) -> str:
    """A shell pattern (`*`, `?`, `[...]`, backslash escapes) as a Python regular expression."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = i + 1
            if j < n and pattern[j] in "!^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                end = pattern.find(":]", j + 2) if pattern.startswith("[:", j) else -1
                j = end + 2 if end >= 0 else j + 1
            if j >= n:
                out.append(r"\[")
            else:
                out.append(_bracket(pattern[i + 1 : j]))
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _bracket(content: str) -> str:
    negate = content[:1] in ("!", "^")
    if negate:
        content = content[1:]
    out: list[str] = []
    i = 0
    while i < len(content):
        if content.startswith("[:", i) and ":]" in content[i:]:
            end = content.index(":]", i)
            out.append(_CLASSES.get(content[i + 2 : end], ""))
            i = end + 2
            continue
        c = content[i]
        if c == "-" and 0 < i < len(content) - 1:
            out.append("-")
        else:
            out.append(re.escape(c))
        i += 1
    return "[" + ("^" if negate else "") + "".join(out) + "]"


def matches(pattern: str, text: str) -> bool:
    return re.fullmatch(glob_to_regex(pattern), text, re.S) is not None


def escape_pattern(text: str) -> str:
    return re.sub(r"([*?\[\\])", r"\\\1", text)


class ExpansionError(Exception):
    """A fatal expansion error (bad substitution, unset parameter, bad arithmetic)."""


class WordExpander:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    # public ------------------------------------------------------------------------------------

    def fields(self, words: Iterable[Word]) -> list[str]:
        out: list[str] = []
        for word in words:
            for field in self._split(self._segments(word)):
                out += self._glob_field(field)
        return out

    def single(self, word: Word | None) -> str:
        if word is None:
            return ""
        return "".join(text for text, _, _ in self._segments(word, keep_at=False))

    def pattern(self, word: Word | None) -> str:
        if word is None:
            return ""
        return "".join(
            escape_pattern(text) if quoted else text
            for text, quoted, _ in self._segments(word, keep_at=False)
        )

    # segments ----------------------------------------------------------------------------------

    def _segments(self, word: Word, *, keep_at: bool = True) -> list[Seg]:
        segs: list[Seg] = []
        for part in word.parts:
            segs += self._part(part, keep_at)
        return segs

    def _part(self, part: Part, keep_at: bool) -> list[Seg]:
        if isinstance(part, Lit):
            return [(part.text, False, False)]
        if isinstance(part, Quoted):
            return [(part.text, True, False)]
        if isinstance(part, Tilde):
            return [(self.shell.state.vars.get("HOME", "/root"), True, False)]
        if isinstance(part, CommandSub):
            text = self.shell.command_substitution(part.body)
            return [(text, part.quoted, not part.quoted)]
        if isinstance(part, Arith):
            number = self.arithmetic(self.single(part.expr))
            return [(str(number), part.quoted, not part.quoted)]
        if part.name == "@" and part.op == "" and part.quoted and keep_at:
            segs: list[Seg] = []
            for i, arg in enumerate(self.shell.state.positional):
                if i:
                    segs.append(_BREAK)
                segs.append((arg, True, False))
            return segs
        value = self._param(part)
        return [(value, part.quoted, not part.quoted)]

    def arithmetic(self, text: str) -> int:
        try:
            return evaluate(text, self.shell.lookup, self.shell.assign)
        except ArithmeticFailure as exc:
            if self.shell.dialect == "bash":
                raise ExpansionError(f"{text}: {exc.message}") from None
            raise ExpansionError(
                f'arithmetic expression: {exc.message}: "{exc.expression}"'
            ) from None

    def _param(self, p: Param) -> str:
        shell = self.shell
        if p.op == "bad":
            raise ExpansionError(
                "Bad substitution" if shell.dialect == "sh" else "bad substitution"
            )
        value = shell.lookup(p.name)
        op = p.op
        unset = value is None
        use_default = unset or (op.startswith(":") and value == "")
        strict = "u" in shell.state.options and p.name not in ("@", "*")
        if op in ("", "len", "#", "##", "%", "%%", "/", "//", "sub") and unset and strict:
            what = "unbound variable" if shell.dialect == "bash" else "parameter not set"
            raise ExpansionError(f"{p.name}: {what}")
        text = value or ""
        if op == "":
            return text
        if op == "len":
            return str(len(text))
        if op in (":-", "-"):
            return self.single(p.arg) if use_default else text
        if op in (":=", "="):
            if use_default:
                text = self.single(p.arg)
                shell.assign(p.name, text)
            return text
        if op in (":?", "?"):
            if use_default:
                message = self.single(p.arg) or "parameter not set"
                raise ExpansionError(f"{p.name}: {message}")
            return text
        if op in (":+", "+"):
            return "" if use_default else self.single(p.arg)
        if op in ("#", "##", "%", "%%"):
            return _trim(text, self.pattern(p.arg), op)
        if op in ("/", "//"):
            return self._replace(text, p)
        return self._substring(text, p)

    def _replace(self, text: str, p: Param) -> str:
        pattern = self.pattern(p.arg)
        replacement = self.single(p.arg2)
        anchor = ""
        if pattern[:1] in ("#", "%"):
            anchor, pattern = pattern[0], pattern[1:]
        rx = glob_to_regex(pattern)
        if anchor == "#":
            rx = "^" + rx
        elif anchor == "%":
            rx = rx + "$"
        if not pattern and not anchor:
            return text
        count = 0 if p.op == "//" else 1
        return re.sub(rx, lambda _m: replacement, text, count=count, flags=re.S)

    def _substring(self, text: str, p: Param) -> str:
        offset = self.arithmetic(self.single(p.arg))
        if offset < 0:
            offset = max(len(text) + offset, 0)
        if p.arg2 is None:
            return text[offset:]
        length = self.arithmetic(self.single(p.arg2))
        end = offset + length if length >= 0 else len(text) + length
        return text[offset:end] if end >= offset else ""

    # fields ------------------------------------------------------------------------------------

    def _split(self, segs: list[Seg]) -> list[list[tuple[str, bool]]]:
        ifs = self.shell.state.vars.get("IFS", " \t\n")
        white = "".join(c for c in ifs if c in " \t\n")
        other = "".join(c for c in ifs if c not in " \t\n")
        ws = f"[{re.escape(white)}]*" if white else ""
        separator = re.compile(
            (f"{ws}[{re.escape(other)}]{ws}" + (f"|[{re.escape(white)}]+" if white else ""))
            if other
            else f"[{re.escape(white)}]+"
        )
        fields: list[list[tuple[str, bool]]] = []
        current: list[tuple[str, bool]] | None = None
        for seg in segs:
            text, quoted, split = seg
            if seg is _BREAK:
                fields.append(current or [])
                current = None
                continue
            if not split or not ifs:
                if text or quoted:
                    current = (current or []) + [(text, quoted)]
                continue
            pos = 0
            for m in separator.finditer(text):
                piece = text[pos : m.start()]
                if piece:
                    current = (current or []) + [(piece, False)]
                if current is not None or m.group(0).strip(white):
                    fields.append(current or [])
                current = None
                pos = m.end()
            if text[pos:]:
                current = (current or []) + [(text[pos:], False)]
        if current is not None:
            fields.append(current)
        return fields

    def _glob_field(self, field: list[tuple[str, bool]]) -> list[str]:
        literal = "".join(text for text, _ in field)
        if "f" in self.shell.state.options or not any(
            not quoted and _MAGIC.search(text) for text, quoted in field
        ):
            return [literal]
        pattern = "".join(text if not quoted else escape_pattern(text) for text, quoted in field)
        return self._glob(pattern) or [literal]

    def _glob(self, pattern: str) -> list[str]:
        fs = self.shell.ctx.fs
        cwd = self.shell.state.cwd
        bases = ["/"] if pattern.startswith("/") else [""]
        for comp in [c for c in pattern.split("/") if c]:
            found: list[str] = []
            for base in bases:
                if _MAGIC.search(comp):
                    try:
                        names = fs.listdir(normalize(base or ".", cwd))
                    except FileSystemError:
                        continue
                    rx = glob_to_regex(comp)
                    for name in names:
                        if name.startswith(".") and not comp.startswith("."):
                            continue
                        if re.fullmatch(rx, name, re.S):
                            found.append(_join(base, name))
                else:
                    candidate = _join(base, re.sub(r"\\(.)", r"\1", comp))
                    if fs.exists(normalize(candidate, cwd)):
                        found.append(candidate)
            bases = found
        return sorted(bases) if bases != [""] else []


def _join(base: str, name: str) -> str:
    if base == "":
        return name
    return base + name if base.endswith("/") else f"{base}/{name}"


def _trim(text: str, pattern: str, op: str) -> str:
    rx = re.compile(glob_to_regex(pattern), re.S)
    n = len(text)
    if op in ("#", "##"):
        sizes = range(n + 1) if op == "#" else range(n, -1, -1)
        for i in sizes:
            if rx.fullmatch(text[:i]):
                return text[i:]
        return text
    sizes = range(n, -1, -1) if op == "%" else range(n + 1)
    for i in sizes:
        if rx.fullmatch(text[i:]):
            return text[:i]
    return text
