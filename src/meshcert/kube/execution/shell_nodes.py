"""The syntax tree of a shell script: words made of parts, commands made of words."""

from __future__ import annotations

from dataclasses import dataclass, field

# word parts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    """Unquoted literal text: subject to pathname expansion."""

    text: str


@dataclass(frozen=True)
class Quoted:
    """Literal text from quotes or a backslash: never split or globbed."""

    text: str


@dataclass(frozen=True)
class Param:
    """`$name` or `${name op arg}`; `op` is "" or one of - = ? + (with or without :), # ## % %%,
    `len` (${#name}), `/` `//` (replace, arg2 = replacement), `sub` (${name:arg:arg2}), `bad`."""

    name: str
    op: str = ""
    arg: Word | None = None
    arg2: Word | None = None
    quoted: bool = False


@dataclass(frozen=True)
class CommandSub:
    """`$(...)` or backquotes."""

    body: Node | None
    quoted: bool = False


@dataclass(frozen=True)
class Arith:
    """`$((...))`."""

    expr: Word
    quoted: bool = False


@dataclass(frozen=True)
class Tilde:
    """A leading `~` (the home directory)."""


Part = Lit | Quoted | Param | CommandSub | Arith | Tilde


@dataclass(frozen=True)
class Word:
    parts: tuple[Part, ...]
    source: str = ""

    def literal(self) -> str | None:
        """The text when the word is one unquoted literal (reserved words, names)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Lit):
            return self.parts[0].text
        return None

    def is_quoted(self) -> bool:
        return any(isinstance(p, Quoted) for p in self.parts)

    def plain(self) -> str:
        """The literal text with quotes removed (here-doc delimiters)."""
        return "".join(p.text for p in self.parts if isinstance(p, Lit | Quoted))


# commands --------------------------------------------------------------------------------------


@dataclass
class HereDoc:
    """A here-document body, filled in when the lexer reaches the next line."""

    delimiter: str
    strip_tabs: bool
    quoted: bool
    body: Word | None = None


@dataclass(frozen=True)
class Redirect:
    fd: int | None
    op: str
    target: Word
    heredoc: HereDoc | None = None


@dataclass(frozen=True)
class Assignment:
    name: str
    value: Word


@dataclass(frozen=True)
class Simple:
    assignments: tuple[Assignment, ...]
    words: tuple[Word, ...]
    redirects: tuple[Redirect, ...]
    line: int


@dataclass(frozen=True)
class Pipeline:
    commands: tuple[Node, ...]
    negate: bool
    line: int


@dataclass(frozen=True)
class AndOr:
    first: Node
    rest: tuple[tuple[str, Node], ...]


@dataclass(frozen=True)
class Sequence:
    items: tuple[tuple[Node, bool], ...]  # (command, run in background)


@dataclass(frozen=True)
class Group:
    body: Node


@dataclass(frozen=True)
class Subshell:
    body: Node


@dataclass(frozen=True)
class If:
    branches: tuple[tuple[Node, Node], ...]
    otherwise: Node | None


@dataclass(frozen=True)
class Loop:
    condition: Node
    body: Node
    until: bool


@dataclass(frozen=True)
class For:
    name: str
    words: tuple[Word, ...] | None
    body: Node
    line: int


@dataclass(frozen=True)
class Case:
    word: Word
    arms: tuple[tuple[tuple[Word, ...], Node | None], ...]


@dataclass(frozen=True)
class FunctionDef:
    name: str
    body: Node


@dataclass(frozen=True)
class Redirected:
    """A compound command with redirections."""

    body: Node
    redirects: tuple[Redirect, ...] = field(default=())


Node = (
    Simple | Pipeline | AndOr | Sequence | Group | Subshell | If | Loop | For | Case
    | FunctionDef | Redirected
)  # fmt: skip
