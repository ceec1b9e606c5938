"""Reading the shell scripts of solutions and scenario steps into commands: one command per
line (a trailing `\\` continues it), `#` comments, `&&` chains, here-documents (`<<EOF`,
`<<'EOF'`, `<<-EOF`) as the command's stdin, `cat <<EOF | CMD` and `cat > FILE <<EOF`.

No variables, substitutions, loops or other pipes: solutions are the commands a candidate
types, and what this reader cannot take apart is refused with the line it is on.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass


class ScriptError(ValueError):
    pass


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    stdin: str | None  # a here-document's text
    line: int
    text: str
    output: str | None = None  # `cat > FILE <<EOF`: the file written


def _heredoc(words: list[str]) -> tuple[list[str], str | None, bool]:
    """Remove a here-document operator from `words`: (rest, delimiter, strip tabs)."""
    for i, word in enumerate(words):
        if word.startswith("<<"):
            strip = word.startswith("<<-")
            delimiter = word[3:] if strip else word[2:]
            rest = words[:i] + words[i + 1 :]
            if not delimiter:
                if i + 1 >= len(words):
                    raise ScriptError("a here-document without a delimiter")
                delimiter = words[i + 1]
                rest = words[:i] + words[i + 2 :]
                if delimiter.startswith("-") and not strip:  # `<<-EOF` read as `<<`, `-EOF`
                    strip, delimiter = True, delimiter[1:]
            return rest, delimiter, strip
    return words, None, False


def _words(line: str) -> list[str]:
    """Shell words, with the operators `;`, `|`, `&&`, `>`, `<<`... as words of their own."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def parse_script(text: str) -> list[Command]:
    lines = text.splitlines()
    commands: list[Command] = []
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        i += 1
        while line.rstrip().endswith("\\") and i < len(lines):
            line = line.rstrip()[:-1] + " " + lines[i]
            i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            words = _words(line)
        except ValueError as exc:
            raise ScriptError(f"line {start + 1}: {exc}") from exc
        words, delimiter, strip = _heredoc(words)
        stdin = None
        if delimiter is not None:
            body: list[str] = []
            while i < len(lines) and (lines[i].lstrip("\t") if strip else lines[i]) != delimiter:
                body.append(lines[i].lstrip("\t") if strip else lines[i])
                i += 1
            if i >= len(lines):
                raise ScriptError(f"line {start + 1}: here-document {delimiter} never ends")
            i += 1
            stdin = "\n".join(body) + "\n"
        commands.extend(_split(words, stdin, start + 1, line.strip()))
    return commands


def _split(words: list[str], stdin: str | None, line: int, text: str) -> list[Command]:
    if "|" in words:
        bar = words.index("|")
        if words[:1] != ["cat"] or bar != 1 or stdin is None or "|" in words[bar + 1 :]:
            raise ScriptError(f"line {line}: only `cat <<EOF | command` may use a pipe")
        words = words[bar + 1 :]
    if words[:2] == ["cat", ">"] and len(words) == 3 and stdin is not None:
        return [Command(("cat",), stdin, line, text, output=words[2])]
    parts: list[list[str]] = [[]]
    for word in words:
        if word == "&&":
            parts.append([])
        elif word in (";", "||", "&", ">", ">>", "<"):
            raise ScriptError(f"line {line}: {word!r} is not supported in solutions")
        else:
            parts[-1].append(word)
    if any(not p for p in parts):
        raise ScriptError(f"line {line}: an empty command")
    for part in parts:
        if any("$" in w or "`" in w for w in part):
            raise ScriptError(f"line {line}: shell variables and substitutions are not "
                              "supported in solutions")  # fmt: skip
    # the here-document feeds the command it is written on: the last of an && chain
    return [Command(tuple(p), stdin if n == len(parts) - 1 else None, line, text)
            for n, p in enumerate(parts)]  # fmt: skip


__all__ = ["Command", "ScriptError", "parse_script"]
