"""grep: POSIX basic and extended regular expressions (GNU flavour) over lines, with GNU's
flags, output prefixes, exit statuses (0 match, 1 none, 2 trouble) and messages."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .coreutils import read_operand, usage_error
from .filesystem import FileSystemError
from .options import UsageError, parse_options
from .programs import ExecContext
from .textutils import CHAR_CLASSES, decode, split_lines

_GREP_SPEC = {
    "c": "count", "v": "invert", "i": "icase", "y": "icase", "o": "only", "q": "quiet",
    "s": "silent", "n": "number", "h": "nofile", "H": "withfile", "l": "list", "L": "unlisted",
    "w": "word", "x": "line", "E": "ere", "F": "fixed", "G": "bre", "P": "ere", "r": "recursive",
    "R": "recursive", "e:": "regexp", "f:": "file", "m:": "max", "a": "text", "I": "nobinary",
    "--count": "count", "--invert-match": "invert", "--ignore-case": "icase",
    "--only-matching": "only", "--quiet": "quiet", "--silent": "quiet",
    "--no-messages": "silent", "--line-number": "number", "--no-filename": "nofile",
    "--with-filename": "withfile", "--files-with-matches": "list",
    "--files-without-match": "unlisted", "--word-regexp": "word", "--line-regexp": "line",
    "--extended-regexp": "ere", "--fixed-strings": "fixed", "--basic-regexp": "bre",
    "--perl-regexp": "ere", "--recursive": "recursive", "--regexp=": "regexp", "--file=": "file",
    "--max-count=": "max", "--color=": "color", "--colour=": "color", "--text": "text",
}  # fmt: skip
_GREP_USAGE = "Usage: grep [OPTION]... PATTERNS [FILE]...\n"


def posix_regex(pattern: str, *, extended: bool) -> str:
    """A POSIX basic or extended regular expression (GNU flavour) as a Python one."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        at_start = not out or out[-1] in ("(", "|", "^")
        if c == "\\" and i + 1 < n:
            d = pattern[i + 1]
            if d in "(){}|+?" and not extended:
                out.append(d)
            elif d == "<":
                out.append(r"\b(?=\w)")
            elif d == ">":
                out.append(r"\b(?<=\w)")
            elif d in "wWsSbB" or d.isdigit():
                out.append("\\" + d)
            else:
                out.append(re.escape(d))
            i += 2
            continue
        if c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                end = pattern.find(":]", j + 2) if pattern.startswith("[:", j) else -1
                j = end + 2 if end >= 0 else j + 1
            if j >= n:
                raise re.error("unterminated character set")
            out.append(_bracket(pattern[i + 1 : j]))
            i = j + 1
            continue
        if c in "(){}|+?" and not extended:
            out.append(re.escape(c))
        elif c == "*" and at_start:
            out.append(r"\*")
        elif c == "{" and extended and not re.match(r"\{\d*(,\d*)?\}", pattern[i:]):
            out.append(r"\{")
        elif c in ".^$*+?(){}|":
            out.append(c)
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _bracket(content: str) -> str:
    negate = content.startswith("^")
    if negate:
        content = content[1:]
    out: list[str] = []
    i = 0
    while i < len(content):
        if content.startswith("[:", i) and ":]" in content[i:]:
            end = content.index(":]", i)
            out.append(CHAR_CLASSES.get(content[i + 2 : end], ""))
            i = end + 2
            continue
        c = content[i]
        ranged = c == "-" and 0 < i < len(content) - 1 and content[i - 1] != "-"
        out.append("-" if ranged else re.escape(c))
        i += 1
    return "[" + ("^" if negate else "") + "".join(out) + "]"


def _regex_message(exc: re.error) -> str:
    text = str(exc)
    if "unterminated character set" in text:
        return "Unmatched [, [^, [:, [., or [="
    if "missing )" in text or "unbalanced parenthesis" in text:
        return "Unmatched ( or \\("
    return "Invalid regular expression"


def _walk(ctx: ExecContext, name: str) -> Iterator[str]:
    if ctx.fs.is_dir(ctx.path(name)):
        for child in ctx.fs.listdir(ctx.path(name)):
            yield from _walk(ctx, f"{name.rstrip('/')}/{child}")
    else:
        yield name


def grep(ctx: ExecContext) -> int:
    try:
        opts = parse_options(ctx.argv, _GREP_SPEC)
    except UsageError as exc:
        return usage_error(ctx, exc, 2, _GREP_USAGE)
    operands = opts.operands
    patterns = opts.all("regexp")
    for name in opts.all("file"):
        try:
            patterns += split_lines(decode(read_operand(ctx, name)))
        except FileSystemError as exc:
            ctx.err(f"grep: {name}: {exc.reason}\n")
            return 2
    if not opts.has("regexp") and not opts.has("file"):
        if not operands:
            ctx.err(_GREP_USAGE + "Try 'grep --help' for more information.\n")
            return 2
        patterns = operands.pop(0).split("\n")
    extended = opts.has("ere")
    if opts.has("fixed"):
        sources = [re.escape(p) for p in patterns]
    else:
        try:
            sources = [posix_regex(p, extended=extended) for p in patterns]
        except re.error as exc:
            ctx.err(f"grep: {_regex_message(exc)}\n")
            return 2
    if opts.has("word"):
        sources = [rf"(?<![\w])(?:{s})(?![\w])" for s in sources]
    if opts.has("line"):
        sources = [rf"^(?:{s})$" for s in sources]
    try:
        rx = re.compile("|".join(f"(?:{s})" for s in sources) or "(?:)",
                        re.IGNORECASE if opts.has("icase") else 0)  # fmt: skip
    except re.error as exc:
        ctx.err(f"grep: {_regex_message(exc)}\n")
        return 2
    files = operands or (["."] if opts.has("recursive") else ["-"])
    if opts.has("recursive"):
        files = [f for name in files for f in _walk(ctx, name)]
    show_name = (len(files) > 1 or opts.has("recursive")) and not opts.has("nofile")
    show_name = show_name or opts.has("withfile")
    limit = int(opts.last("max") or -1)
    matched, error = False, False
    for name in files:
        label = "(standard input)" if name == "-" else name
        try:
            text = decode(read_operand(ctx, name))
        except FileSystemError as exc:
            error = True
            if not opts.has("silent"):
                ctx.err(f"grep: {name}: {exc.reason}\n")
            continue
        count = 0
        prefix = f"{label}:" if show_name else ""
        for number, line in enumerate(split_lines(text), 1):
            if count == limit:
                break
            found = rx.search(line) is not None
            if found == opts.has("invert"):
                continue
            count += 1
            matched = True
            if opts.has("quiet"):
                return 0
            if opts.has("count") or opts.has("list") or opts.has("unlisted"):
                continue
            lead = prefix + (f"{number}:" if opts.has("number") else "")
            if opts.has("only"):
                for m in rx.finditer(line):
                    if m.group(0):
                        ctx.out(f"{lead}{m.group(0)}\n")
            else:
                ctx.out(f"{lead}{line}\n")
        if opts.has("count"):
            ctx.out(f"{prefix}{count}\n")
        if opts.has("list") and count:
            ctx.out(f"{label}\n")
        if opts.has("unlisted") and not count:
            ctx.out(f"{label}\n")
    if error and not (opts.has("quiet") and matched):
        return 2
    return 0 if matched else 1
