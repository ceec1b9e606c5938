"""The shell's tokenizer: operators, words (quotes, `$...` expansions, backquotes) and
here-documents, read on demand so that the parser can nest itself for `$(...)`.

Syntax errors carry what dash and bash need to word them
(`Syntax error: "fi" unexpected (expecting "then")`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .shell_nodes import (
    Arith,
    CommandSub,
    HereDoc,
    Lit,
    Node,
    Param,
    Part,
    Quoted,
    Tilde,
    Word,
)

RESERVED = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
     "{", "}", "!", "in"}
)  # fmt: skip
OPERATORS = (
    "&>>", "<<-", "<<<", "&&", "||", ";;", "<<", ">>", "<&", ">&", "<>", ">|", "&>",
    ";", "&", "|", "<", ">", "(", ")",
)  # fmt: skip
REDIRECTIONS = frozenset({"<<-", "<<<", "<<", ">>", "<&", ">&", "<>", ">|", "&>>", "&>", "<", ">"})
TERMINATORS = frozenset({"then", "else", "elif", "fi", "do", "done", "esac", "}"})
METACHARS = frozenset(" \t\n;&|<>()")
SPECIAL_PARAMS = frozenset("?$#@*!-0123456789")
_PARAM_OPS = (":-", ":=", ":?", ":+", "-", "=", "?", "+", "##", "#", "%%", "%", "//", "/", ":")


def is_name(text: str) -> bool:
    return (
        bool(text)
        and (text[0].isalpha() or text[0] == "_")
        and all(c.isalnum() or c == "_" for c in text)
        and text.isascii()
    )


@dataclass(frozen=True)
class Token:
    kind: str  # WORD, OP, NEWLINE, EOF, IO_NUMBER
    text: str
    pos: int
    word: Word | None = None

    def reserved(self) -> str | None:
        if self.kind == "WORD" and self.word is not None:
            lit = self.word.literal()
            if lit in RESERVED:
                return lit
        return None

    def is_op(self, *ops: str) -> bool:
        return self.kind == "OP" and self.text in ops


class ShellSyntaxError(Exception):
    """A syntax error, worded as dash (`dash_message`) or bash (`bash_message`) print it."""

    def __init__(
        self,
        line: int,
        *,
        token: Token | None = None,
        expecting: str | None = None,
        message: str = "",
        source_line: str = "",
    ) -> None:
        super().__init__(message or (token.text if token else ""))
        self.line = line
        self.token = token
        self.expecting = expecting
        self.message = message
        self.source_line = source_line

    def dash_message(self) -> str:
        if self.message:
            return f"Syntax error: {self.message}"
        tok = self.token
        assert tok is not None
        if tok.kind == "EOF":
            name = "end of file"
        elif tok.kind == "NEWLINE":
            name = "newline"
        elif tok.kind == "IO_NUMBER" or tok.text in REDIRECTIONS:
            name = "redirection"
        elif tok.kind == "OP" or tok.reserved():
            name = f'"{tok.text}"'
        else:
            name = "word"
        text = f"Syntax error: {name} unexpected"
        if self.expecting:
            text += f' (expecting "{self.expecting}")'
        return text

    def bash_message(self) -> str:
        tok = self.token
        if tok is None or tok.kind == "EOF":
            if self.message.startswith("Unterminated"):
                return "unexpected EOF while looking for matching `''"
            return "syntax error: unexpected end of file"
        text = "newline" if tok.kind == "NEWLINE" else tok.text
        return f"syntax error near unexpected token `{text}'"


class Lexer:
    """Tokens of `source` from `pos`; the parser (a subclass) asks for one at a time."""

    def __init__(self, source: str, pos: int = 0) -> None:
        self.src = source
        self.pos = pos
        self._peeked: Token | None = None
        self._heredocs: list[HereDoc] = []
        # whether a here-document ran to the end of the text without its delimiter (an
        # interactive shell then reads more lines)
        self.heredoc_open = False

    # hooks of the parser ------------------------------------------------------------------------

    def parse_all(self) -> Node | None:
        raise NotImplementedError

    def _subst_body(self) -> Node | None:
        raise NotImplementedError

    def heredoc_body(self) -> Word:
        parts = self._parts(lambda i: False, dq=True, heredoc=True)
        return Word(tuple(parts), self.src)

    # errors ------------------------------------------------------------------------------------

    def _line(self, pos: int) -> int:
        return self.src.count("\n", 0, min(pos, len(self.src))) + 1

    def _source_line(self, pos: int) -> str:
        start = self.src.rfind("\n", 0, pos) + 1
        end = self.src.find("\n", pos)
        return self.src[start : end if end >= 0 else len(self.src)]

    def _unexpected(self, tok: Token, expecting: str | None = None) -> ShellSyntaxError:
        return ShellSyntaxError(
            self._line(tok.pos),
            token=tok,
            expecting=expecting,
            source_line=self._source_line(tok.pos),
        )

    def _fail(self, message: str) -> ShellSyntaxError:
        eof = Token("EOF", "", len(self.src))
        return ShellSyntaxError(
            self._line(self.pos), token=eof, message=message, source_line=self._source_line(0)
        )

    # tokens ------------------------------------------------------------------------------------

    def _peek(self) -> Token:
        if self._peeked is None:
            self._peeked = self._lex()
        return self._peeked

    def _next(self) -> Token:
        tok = self._peek()
        self._peeked = None
        return tok

    def _lex(self) -> Token:
        src, n = self.src, len(self.src)
        while True:
            while self.pos < n and src[self.pos] in " \t":
                self.pos += 1
            if src.startswith("\\\n", self.pos):
                self.pos += 2
                continue
            if self.pos < n and src[self.pos] == "#":
                end = src.find("\n", self.pos)
                self.pos = n if end < 0 else end
            break
        start = self.pos
        if start >= n:
            for doc in self._heredocs:
                doc.body = Word(())
                self.heredoc_open = True
            self._heredocs.clear()
            return Token("EOF", "", start)
        if src[start] == "\n":
            self.pos += 1
            self._read_heredocs()
            return Token("NEWLINE", "\n", start)
        for op in OPERATORS:
            if src.startswith(op, start):
                self.pos += len(op)
                return Token("OP", op, start)
        word = self._word()
        text = src[start : self.pos]
        lit = word.literal()
        if lit is not None and lit.isdigit() and self.pos < n and src[self.pos] in "<>":
            return Token("IO_NUMBER", text, start, word)
        return Token("WORD", text, start, word)

    def _read_heredocs(self) -> None:
        src, n = self.src, len(self.src)
        for doc in self._heredocs:
            lines: list[str] = []
            ended = False
            while self.pos < n:
                end = src.find("\n", self.pos)
                line = src[self.pos : n if end < 0 else end]
                self.pos = n if end < 0 else end + 1
                if doc.strip_tabs:
                    line = line.lstrip("\t")
                if line == doc.delimiter:
                    ended = True
                    break
                lines.append(line + "\n")
            self.heredoc_open = self.heredoc_open or not ended
            body = "".join(lines)
            doc.body = Word((Quoted(body),)) if doc.quoted else type(self)(body).heredoc_body()
        self._heredocs.clear()

    # words -------------------------------------------------------------------------------------

    def _word(self) -> Word:
        start = self.pos
        src = self.src
        parts: list[Part] = []
        if src[start] == "~":
            end = start + 1
            if end >= len(src) or src[end] == "/" or src[end] in METACHARS:
                parts.append(Tilde())
                self.pos = end
        parts += self._parts(lambda i: src[i] in METACHARS, dq=False)
        return Word(tuple(parts), src[start : self.pos])

    def _parts(self, stop: Callable[[int], bool], *, dq: bool, heredoc: bool = False) -> list[Part]:
        src, n = self.src, len(self.src)
        parts: list[Part] = []
        buf: list[str] = []

        def flush() -> None:
            if buf:
                text = "".join(buf)
                parts.append(Quoted(text) if dq else Lit(text))
                buf.clear()

        escapable = "$`\\" if heredoc else '$`"\\'
        while self.pos < n and not stop(self.pos):
            c = src[self.pos]
            if c == "\\":
                nxt = src[self.pos + 1 : self.pos + 2]
                if nxt == "\n":
                    self.pos += 2
                elif not nxt or (dq and nxt not in escapable):
                    buf.append("\\")
                    self.pos += 1
                else:
                    flush()
                    parts.append(Quoted(nxt))
                    self.pos += 2
            elif c == "'" and not dq:
                end = src.find("'", self.pos + 1)
                if end < 0:
                    raise self._fail("Unterminated quoted string")
                flush()
                parts.append(Quoted(src[self.pos + 1 : end]))
                self.pos = end + 1
            elif c == '"' and not dq:
                flush()
                self.pos += 1
                inner = self._parts(lambda i: src[i] == '"', dq=True)
                if self.pos >= n:
                    raise self._fail("Unterminated quoted string")
                self.pos += 1
                parts += inner or [Quoted("")]
            elif c == "$":
                part = self._dollar(dq)
                if part is None:
                    buf.append("$")
                    self.pos += 1
                else:
                    flush()
                    parts.append(part)
            elif c == "`":
                flush()
                parts.append(self._backquote(dq))
            else:
                buf.append(c)
                self.pos += 1
        flush()
        return parts

    def _dollar(self, dq: bool) -> Part | None:
        src, i = self.src, self.pos
        nxt = src[i + 1 : i + 2]
        if src.startswith("$((", i):
            end = self._arith_end(i + 3)
            if end is not None:
                self.pos = i + 3
                expr = self._parts(lambda k: k >= end, dq=True)
                self.pos = end + 2
                return Arith(Word(tuple(expr), src[i + 3 : end]), dq)
        if nxt == "(":
            sub = type(self)(src, i + 2)
            body = sub._subst_body()
            self.pos = sub.pos
            return CommandSub(body, dq)
        if nxt == "{":
            return self._brace_param(dq)
        if nxt and (nxt.isalpha() or nxt == "_") and nxt.isascii():
            j = i + 1
            while j < len(src) and (src[j].isalnum() or src[j] == "_") and src[j].isascii():
                j += 1
            self.pos = j
            return Param(src[i + 1 : j], quoted=dq)
        if nxt and nxt in SPECIAL_PARAMS:
            self.pos = i + 2
            return Param(nxt, quoted=dq)
        return None

    def _arith_end(self, start: int) -> int | None:
        depth = 0
        src = self.src
        for j in range(start, len(src)):
            if src[j] == "(":
                depth += 1
            elif src[j] == ")":
                if depth == 0:
                    return j if src.startswith("))", j) else None
                depth -= 1
        raise self._fail("Missing '))'")

    def _backquote(self, dq: bool) -> CommandSub:
        src, n = self.src, len(self.src)
        j = self.pos + 1
        buf: list[str] = []
        while j < n and src[j] != "`":
            if src[j] == "\\" and j + 1 < n and src[j + 1] in ("$`\\" + ('"' if dq else "")):
                buf.append(src[j + 1])
                j += 2
            else:
                buf.append(src[j])
                j += 1
        if j >= n:
            raise self._fail("EOF in backquote substitution")
        self.pos = j + 1
        return CommandSub(type(self)("".join(buf)).parse_all(), dq)

    def _brace_param(self, dq: bool) -> Param:
        src, n = self.src, len(self.src)
        j = self.pos + 2
        length = False
        if src.startswith("#", j) and j + 1 < n and src[j + 1] != "}":
            length = True
            j += 1
        k = j
        if k < n and (src[k].isalpha() or src[k] == "_"):
            while k < n and (src[k].isalnum() or src[k] == "_"):
                k += 1
        elif k < n and src[k].isdigit():
            while k < n and src[k].isdigit():
                k += 1
        elif k < n and src[k] in SPECIAL_PARAMS:
            k += 1
        name = src[j:k]
        self.pos = k
        if not name:
            return self._bad_param(dq)
        if length:
            if not src.startswith("}", k):
                return self._bad_param(dq)
            self.pos = k + 1
            return Param(name, "len", quoted=dq)
        if src.startswith("}", k):
            self.pos = k + 1
            return Param(name, quoted=dq)
        op = next((o for o in _PARAM_OPS if src.startswith(o, k)), None)
        if op is None:
            return self._bad_param(dq)
        self.pos = k + len(op)
        arg2: Word | None = None
        if op in ("/", "//", ":"):
            arg = self._param_word(dq, "/" if op != ":" else ":")
            if src.startswith("/" if op != ":" else ":", self.pos):
                self.pos += 1
                arg2 = self._param_word(dq, "")
            op = "sub" if op == ":" else op
        else:
            arg = self._param_word(dq, "")
        if not src.startswith("}", self.pos):
            raise self._fail("Missing '}'")
        self.pos += 1
        return Param(name, op, arg, arg2, quoted=dq)

    def _param_word(self, dq: bool, also_stop: str) -> Word:
        src = self.src
        start = self.pos

        def stop(i: int) -> bool:
            return src[i] == "}" or (bool(also_stop) and src[i] == also_stop)

        parts = self._parts(stop, dq=dq)
        if self.pos >= len(src):
            raise self._fail("Missing '}'")
        return Word(tuple(parts), src[start : self.pos])

    def _bad_param(self, dq: bool) -> Param:
        end = self.src.find("}", self.pos)
        if end < 0:
            raise self._fail("Missing '}'")
        self.pos = end + 1
        return Param("", "bad", quoted=dq)

    # grammar -----------------------------------------------------------------------------------
