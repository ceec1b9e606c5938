"""The shell's recursive-descent parser (the POSIX sh grammar, the commonly used part).

Reads one complete command (a line) at a time, as dash does, so a syntax error on a later
line comes after the earlier lines ran. `$(...)` is parsed by a nested parser over the same
text; list endings and error wording follow dash's parser.
"""

from __future__ import annotations

from .shell_nodes import (
    AndOr,
    Assignment,
    Case,
    For,
    FunctionDef,
    Group,
    HereDoc,
    If,
    Lit,
    Loop,
    Node,
    Pipeline,
    Redirect,
    Redirected,
    Sequence,
    Simple,
    Subshell,
    Word,
)
from .shell_tokens import REDIRECTIONS, TERMINATORS, Lexer, ShellSyntaxError, Token, is_name


class Parser(Lexer):
    """Parses `source` from `pos`; `next_command` yields one top-level line at a time."""

    def next_command(self) -> Node | None:
        """The next complete command (ends at a newline), or None at the end of the text."""
        while self._peek().kind == "NEWLINE":
            self._next()
        if self._peek().kind == "EOF":
            return None
        node = self._list(top=True)
        tok = self._peek()
        if tok.kind == "NEWLINE":
            self._next()
        elif tok.kind != "EOF":
            raise self._unexpected(tok)
        return node

    def parse_all(self) -> Node | None:
        items: list[tuple[Node, bool]] = []
        while (node := self.next_command()) is not None:
            items.append((node, False))
        if not items:
            return None
        return items[0][0] if len(items) == 1 else Sequence(tuple(items))

    def _subst_body(self) -> Node | None:
        """Parse up to the `)` closing a `$(`; leaves `pos` after it."""
        body = self._list(may_be_empty=True)
        tok = self._next()
        if not tok.is_op(")"):
            raise self._unexpected(tok, ")")
        return body

    def _linebreak(self) -> None:
        while self._peek().kind == "NEWLINE":
            self._next()

    def _at_end(self, tok: Token) -> bool:
        """Whether `tok` ends a list (EOF, a closing keyword, `)` or `;;`)."""
        if tok.kind == "EOF":
            return True
        if tok.kind == "OP":
            return tok.text in (")", ";;")
        return tok.reserved() in TERMINATORS

    def _list(self, *, top: bool = False, may_be_empty: bool = False) -> Node | None:
        """A compound list; like dash, only a list that has begun ends at a closing keyword
        (so `if then` reports "then" itself as unexpected)."""
        if not top:
            self._linebreak()
        items: list[tuple[Node, bool]] = []
        while True:
            tok = self._peek()
            if tok.kind == "EOF" or ((items or may_be_empty) and self._at_end(tok)):
                break
            node = self._and_or()
            tok = self._peek()
            if tok.is_op(";", "&"):
                self._next()
                items.append((node, tok.text == "&"))
                if top and self._peek().kind == "NEWLINE":
                    break
                if not top:
                    self._linebreak()
                continue
            items.append((node, False))
            if tok.kind == "NEWLINE" and not top:
                self._linebreak()
                continue
            break
        if not items:
            return None
        if len(items) == 1 and not items[0][1]:
            return items[0][0]
        return Sequence(tuple(items))

    def _required_list(self, expecting: str) -> Node:
        node = self._list()
        if node is None:
            raise self._unexpected(self._peek(), expecting)
        return node

    def _expect(self, word: str) -> None:
        tok = self._peek()
        if tok.reserved() == word or tok.is_op(word):
            self._next()
            return
        raise self._unexpected(tok, word)

    def _and_or(self) -> Node:
        first = self._pipeline()
        rest: list[tuple[str, Node]] = []
        while self._peek().is_op("&&", "||"):
            op = self._next().text
            self._linebreak()
            rest.append((op, self._pipeline()))
        return AndOr(first, tuple(rest)) if rest else first

    def _pipeline(self) -> Node:
        tok = self._peek()
        negate = tok.reserved() == "!"
        if negate:
            self._next()
        commands = [self._command()]
        while self._peek().is_op("|"):
            self._next()
            self._linebreak()
            commands.append(self._command())
        if len(commands) == 1 and not negate:
            return commands[0]
        return Pipeline(tuple(commands), negate, self._line(tok.pos))

    def _command(self) -> Node:
        tok = self._peek()
        word = tok.reserved()
        node: Node
        if word is not None:
            compound = {
                "if": self._if,
                "for": self._for,
                "while": self._loop,
                "until": self._loop,
                "case": self._case,
                "{": self._group,
            }.get(word)
            if compound is None:
                raise self._unexpected(tok)
            node = compound()
        elif tok.is_op("("):
            self._next()
            node = Subshell(self._required_list(")"))
            self._expect(")")
        else:
            return self._simple()
        redirects = self._redirects()
        return Redirected(node, redirects) if redirects else node

    def _redirects(self) -> tuple[Redirect, ...]:
        out = []
        while True:
            tok = self._peek()
            if tok.kind == "IO_NUMBER" or (tok.kind == "OP" and tok.text in REDIRECTIONS):
                out.append(self._redirect())
            else:
                return tuple(out)

    def _redirect(self) -> Redirect:
        fd: int | None = None
        if self._peek().kind == "IO_NUMBER":
            fd = int(self._next().text)
        op = self._next().text
        tok = self._peek()
        if tok.kind != "WORD" or tok.word is None:
            raise self._unexpected(tok)
        self._next()
        target = tok.word
        if op in ("<<", "<<-"):
            doc = HereDoc(target.plain(), op == "<<-", target.is_quoted())
            self._heredocs.append(doc)
            return Redirect(fd, op, target, doc)
        return Redirect(fd, op, target)

    def _simple(self) -> Node:
        first = self._peek()
        assignments: list[Assignment] = []
        words: list[Word] = []
        redirects: list[Redirect] = []
        while True:
            tok = self._peek()
            if tok.kind == "IO_NUMBER" or (tok.kind == "OP" and tok.text in REDIRECTIONS):
                redirects.append(self._redirect())
                continue
            if tok.kind != "WORD" or tok.word is None:
                break
            self._next()
            assignment = None if words else _assignment(tok.word)
            if assignment is not None:
                assignments.append(assignment)
                continue
            words.append(tok.word)
            if len(words) == 1 and not assignments and not redirects and self._peek().is_op("("):
                return self._function(tok)
        if not (assignments or words or redirects):
            raise self._unexpected(first)
        return Simple(tuple(assignments), tuple(words), tuple(redirects), self._line(first.pos))

    def _function(self, name: Token) -> Node:
        self._next()
        self._expect(")")
        self._linebreak()
        if not is_name(name.text):
            raise self._unexpected(name)
        return FunctionDef(name.text, self._command())

    def _if(self) -> Node:
        self._next()
        branches: list[tuple[Node, Node]] = []
        otherwise: Node | None = None
        while True:
            cond = self._required_list("then")
            self._expect("then")
            body = self._required_list("fi")
            branches.append((cond, body))
            word = self._peek().reserved()
            if word == "elif":
                self._next()
                continue
            if word == "else":
                self._next()
                otherwise = self._required_list("fi")
            self._expect("fi")
            return If(tuple(branches), otherwise)

    def _loop(self) -> Node:
        until = self._next().text == "until"
        cond = self._required_list("do")
        self._expect("do")
        body = self._required_list("done")
        self._expect("done")
        return Loop(cond, body, until)

    def _for(self) -> Node:
        start = self._next()
        tok = self._next()
        if tok.kind != "WORD" or not is_name(tok.text):
            raise self._fail("Bad for loop variable")
        words: list[Word] | None = None
        self._linebreak()
        if self._peek().reserved() == "in":
            self._next()
            words = []
            while self._peek().kind == "WORD":
                word = self._next().word
                assert word is not None
                words.append(word)
            sep = self._peek()
            if not (sep.is_op(";") or sep.kind == "NEWLINE"):
                raise self._unexpected(sep, "do")
            self._next()
        elif self._peek().is_op(";"):
            self._next()
        self._linebreak()
        self._expect("do")
        body = self._required_list("done")
        self._expect("done")
        return For(tok.text, None if words is None else tuple(words), body, self._line(start.pos))

    def _case(self) -> Node:
        self._next()
        tok = self._next()
        if tok.kind != "WORD" or tok.word is None:
            raise self._unexpected(tok)
        self._linebreak()
        self._expect("in")
        self._linebreak()
        arms: list[tuple[tuple[Word, ...], Node | None]] = []
        while self._peek().reserved() != "esac":
            if self._peek().is_op("("):
                self._next()
            patterns: list[Word] = []
            while True:
                pat = self._next()
                if pat.kind != "WORD" or pat.word is None:
                    raise self._unexpected(pat, ")" if patterns else None)
                patterns.append(pat.word)
                if not self._peek().is_op("|"):
                    break
                self._next()
            self._expect(")")
            body = self._list(may_be_empty=True)
            arms.append((tuple(patterns), body))
            if self._peek().is_op(";;"):
                self._next()
                self._linebreak()
            else:
                break
        self._expect("esac")
        return Case(tok.word, tuple(arms))

    def _group(self) -> Node:
        self._next()
        body = self._required_list("}")
        self._expect("}")
        return Group(body)


def _assignment(word: Word) -> Assignment | None:
    first = word.parts[0] if word.parts else None
    if not isinstance(first, Lit) or "=" not in first.text:
        return None
    name, _, rest = first.text.partition("=")
    if not is_name(name):
        return None
    parts = ((Lit(rest),) if rest else ()) + word.parts[1:]
    return Assignment(name, Word(parts, word.source[len(name) + 1 :]))


def parse(source: str) -> Node | None:
    """The whole script as one tree (raises ShellSyntaxError)."""
    return Parser(source).parse_all()


__all__ = ["Parser", "ShellSyntaxError", "parse"]
