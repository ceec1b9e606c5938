"""Line-oriented programs: head, tail, wc, sort, uniq, cut, tr (GNU flags and messages)."""

from __future__ import annotations

import re
import string

from .coreutils import read_operand, unescape, usage_error
from .filesystem import FileSystemError
from .options import UsageError, parse_options
from .programs import ExecContext

CHAR_CLASSES = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\n\r\f\v", "blank": r" \t", "punct": r"!-/:-@\[-`{-~", "xdigit": "0-9A-Fa-f",
    "cntrl": r"\x00-\x1f\x7f", "print": " -~", "graph": "!-~",
}  # fmt: skip


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def split_lines(text: str) -> list[str]:
    """Lines without their newlines (a missing final newline does not add an empty line)."""
    if not text:
        return []
    return (text[:-1] if text.endswith("\n") else text).split("\n")


def _count_arg(ctx: ExecContext, value: str, what: str) -> tuple[int, str] | None:
    """`N`, `-N` or `+N` as (N, sign); prints GNU's message for anything else."""
    m = re.fullmatch(r"([-+]?)(\d+)([kKmMbB]?)", value.strip())
    if m is None:
        ctx.err(f"{ctx.program}: invalid number of {what}: '{value}'\n")
        return None
    scale = {"": 1, "b": 512, "k": 1024, "m": 1024 * 1024}[m.group(3).lower()]
    return int(m.group(2)) * scale, m.group(1)


def _head_tail(ctx: ExecContext, *, tail: bool) -> int:
    argv = list(ctx.argv)
    if len(argv) > 1 and re.fullmatch(r"[-+]\d+", argv[1]) and (argv[1][0] == "-" or tail):
        argv[1:2] = ["-n", argv[1][1:] if argv[1][0] == "-" else argv[1]]
    spec = {"n:": "lines", "c:": "bytes", "q": "quiet", "v": "verbose", "--lines=": "lines",
            "--bytes=": "bytes", "--quiet": "quiet", "--silent": "quiet", "--verbose": "verbose",
            "f": "follow", "F": "follow", "--follow": "follow"}  # fmt: skip
    try:
        opts = parse_options(argv, spec)
    except UsageError as exc:
        return usage_error(ctx, exc)
    bytes_mode = opts.has("bytes")
    raw = opts.last("bytes" if bytes_mode else "lines", "10") or "10"
    parsed = _count_arg(ctx, raw, "bytes" if bytes_mode else "lines")
    if parsed is None:
        return 1
    count, sign = parsed
    files = opts.operands or ["-"]
    headers = (len(files) > 1 and not opts.has("quiet")) or opts.has("verbose")
    status = 0
    for index, name in enumerate(files):
        try:
            data = read_operand(ctx, name)
        except FileSystemError as exc:
            ctx.err(f"{ctx.program}: cannot open '{name}' for reading: {exc.reason}\n")
            status = 1
            continue
        if headers:
            label = "standard input" if name == "-" else name
            ctx.out(("\n" if index else "") + f"==> {label} <==\n")
        ctx.stdout.write(_slice(data, count, sign, bytes_mode=bytes_mode, tail=tail))
    return status


def _slice(data: bytes, count: int, sign: str, *, bytes_mode: bool, tail: bool) -> bytes:
    units: list[bytes] = (
        [data[i : i + 1] for i in range(len(data))]
        if bytes_mode
        else [u for u in re.split(b"(?<=\n)", data) if u]
    )
    if tail:
        if sign == "+":
            chosen = units[max(count - 1, 0) :]
        else:
            chosen = units[len(units) - count :] if count else []
    else:
        chosen = units[: max(len(units) - count, 0)] if sign == "-" else units[:count]
    return b"".join(chosen)


def head(ctx: ExecContext) -> int:
    return _head_tail(ctx, tail=False)


def tail(ctx: ExecContext) -> int:
    return _head_tail(ctx, tail=True)


def wc(ctx: ExecContext) -> int:
    spec = {"l": "lines", "w": "words", "c": "bytes", "m": "chars", "L": "longest",
            "--lines": "lines", "--words": "words", "--bytes": "bytes", "--chars": "chars",
            "--max-line-length": "longest"}  # fmt: skip
    try:
        opts = parse_options(ctx.argv, spec)
    except UsageError as exc:
        return usage_error(ctx, exc)
    wanted = [k for k in ("lines", "words", "chars", "bytes", "longest") if opts.has(k)]
    wanted = wanted or ["lines", "words", "bytes"]
    files = opts.operands or ["-"]
    rows: list[tuple[list[int], str]] = []
    status = 0
    regular_total, from_stdin = 0, False
    for name in files:
        try:
            data = read_operand(ctx, name)
        except FileSystemError as exc:
            ctx.err(f"wc: {name}: {exc.reason}\n")
            status = 1
            continue
        if name == "-":
            from_stdin = True
        else:
            regular_total += len(data)
        text = decode(data)
        counts = {
            "lines": data.count(b"\n"),
            "words": len(data.split()),
            "chars": len(text),
            "bytes": len(data),
            "longest": max((len(line) for line in text.split("\n")), default=0),
        }
        rows.append(([counts[k] for k in wanted], "" if name == "-" else name))
    if len(files) > 1:
        totals = [sum(r[0][i] for r in rows) for i in range(len(wanted))]
        rows.append((totals, "total"))
    if len(wanted) == 1 and len(files) == 1:
        width = 1
    else:
        width = max(len(str(regular_total)), 7 if from_stdin else 1)
    for numbers, label in rows:
        line = " ".join(f"{n:>{width}}" for n in numbers)
        ctx.out(line + (f" {label}" if label else "") + "\n")
    return status


def _field_number(text: str, default: int | None) -> int | None:
    m = re.match(r"\d+", text)
    return int(m.group(0)) if m else default


def _key(line: str, opts_key: str | None, sep: str | None) -> str:
    if not opts_key:
        return line
    start_s, _, end_s = opts_key.partition(",")
    start = _field_number(start_s, 1) or 1
    end = _field_number(end_s, None)
    fields = line.split(sep) if sep else line.split()
    return (sep or " ").join(fields[start - 1 : end])


def _number_of(text: str) -> float:
    m = re.match(r"\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)", text)
    return float(m.group(1)) if m else 0.0


def sort(ctx: ExecContext) -> int:
    spec = {"r": "reverse", "n": "numeric", "g": "numeric", "u": "unique", "f": "fold",
            "k:": "key", "t:": "sep", "b": "blanks", "s": "stable", "--reverse": "reverse",
            "--numeric-sort": "numeric", "--unique": "unique", "--ignore-case": "fold",
            "--key=": "key", "--field-separator=": "sep"}  # fmt: skip
    try:
        opts = parse_options(ctx.argv, spec)
    except UsageError as exc:
        return usage_error(ctx, exc, 2)
    lines: list[str] = []
    for name in opts.operands or ["-"]:
        try:
            lines += split_lines(decode(read_operand(ctx, name)))
        except FileSystemError as exc:
            ctx.err(f"sort: cannot read: {name}: {exc.reason}\n")
            return 2
    key_spec, sep = opts.last("key"), opts.last("sep")

    def key(line: str) -> tuple[float | str, str]:
        k = _key(line, key_spec, sep)
        if opts.has("fold"):
            k = k.upper()
        return (_number_of(k) if opts.has("numeric") else k), line

    ordered = sorted(lines, key=key, reverse=opts.has("reverse"))
    if opts.has("unique"):
        seen: set[float | str] = set()
        unique = []
        for line in ordered:
            k = key(line)[0]
            if k not in seen:
                seen.add(k)
                unique.append(line)
        ordered = unique
    ctx.out("".join(line + "\n" for line in ordered))
    return 0


def uniq(ctx: ExecContext) -> int:
    spec = {"c": "count", "d": "repeated", "u": "unique", "i": "icase", "--count": "count",
            "--repeated": "repeated", "--unique": "unique", "--ignore-case": "icase"}  # fmt: skip
    try:
        opts = parse_options(ctx.argv, spec)
    except UsageError as exc:
        return usage_error(ctx, exc)
    name = opts.operands[0] if opts.operands else "-"
    try:
        lines = split_lines(decode(read_operand(ctx, name)))
    except FileSystemError as exc:
        ctx.err(f"uniq: {name}: {exc.reason}\n")
        return 1
    groups: list[tuple[str, int]] = []
    for line in lines:
        same = groups and (
            groups[-1][0].lower() == line.lower() if opts.has("icase") else groups[-1][0] == line
        )
        if same:
            groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        else:
            groups.append((line, 1))
    out = []
    for line, n in groups:
        if (opts.has("repeated") and n < 2) or (opts.has("unique") and n > 1):
            continue
        out.append(f"{n:7d} {line}\n" if opts.has("count") else f"{line}\n")
    ctx.out("".join(out))
    return 0


def _ranges(spec: str) -> list[tuple[int, int | None]] | str:
    out: list[tuple[int, int | None]] = []
    for item in spec.split(","):
        m = re.fullmatch(r"(\d*)(-?)(\d*)", item)
        if m is None or not (m.group(1) or m.group(3)):
            return "invalid field range"
        start = int(m.group(1)) if m.group(1) else 1
        end = (int(m.group(3)) if m.group(3) else None) if m.group(2) else start
        if start == 0 or end == 0:
            return "fields are numbered from 1"
        out.append((start, end))
    return out


def cut(ctx: ExecContext) -> int:
    spec = {"d:": "delim", "f:": "fields", "c:": "chars", "b:": "chars", "s": "only",
            "--delimiter=": "delim", "--fields=": "fields", "--characters=": "chars",
            "--bytes=": "chars", "--only-delimited": "only", "--complement": "complement",
            "--output-delimiter=": "outdelim"}  # fmt: skip
    try:
        opts = parse_options(ctx.argv, spec)
    except UsageError as exc:
        return usage_error(ctx, exc)
    list_spec = opts.last("fields") or opts.last("chars")
    if list_spec is None:
        ctx.err("cut: you must specify a list of bytes, characters, or fields\n")
        ctx.err("Try 'cut --help' for more information.\n")
        return 1
    delim = opts.last("delim", "\t") or "\t"
    if len(delim) != 1:
        ctx.err("cut: the delimiter must be a single character\n")
        ctx.err("Try 'cut --help' for more information.\n")
        return 1
    ranges = _ranges(list_spec)
    if isinstance(ranges, str):
        ctx.err(f"cut: {ranges}\nTry 'cut --help' for more information.\n")
        return 1
    by_field = opts.has("fields")
    out_delim = opts.last("outdelim", delim if by_field else "") or ""

    def chosen(count: int) -> list[int]:
        picked = [i for i in range(1, count + 1) if any(s <= i <= (e or count) for s, e in ranges)]
        if opts.has("complement"):
            picked = [i for i in range(1, count + 1) if i not in picked]
        return picked

    status = 0
    for name in opts.operands or ["-"]:
        try:
            text = decode(read_operand(ctx, name))
        except FileSystemError as exc:
            ctx.err(f"cut: {name}: {exc.reason}\n")
            status = 1
            continue
        for line in split_lines(text):
            if by_field:
                if delim not in line:
                    if not opts.has("only"):
                        ctx.out(line + "\n")
                    continue
                parts = line.split(delim)
                ctx.out(out_delim.join(parts[i - 1] for i in chosen(len(parts))) + "\n")
            else:
                ctx.out(out_delim.join(line[i - 1] for i in chosen(len(line))) + "\n")
    return status


_TR_CLASSES = {
    "alpha": string.ascii_letters, "digit": string.digits, "alnum": string.ascii_letters
    + string.digits, "upper": string.ascii_uppercase, "lower": string.ascii_lowercase,
    "space": " \t\n\r\f\v", "blank": " \t", "punct": string.punctuation,
    "xdigit": string.hexdigits, "cntrl": "".join(map(chr, [*range(32), 127])),
    "print": "".join(map(chr, range(32, 127))), "graph": "".join(map(chr, range(33, 127))),
}  # fmt: skip


def _tr_set(text: str) -> list[str]:
    """The characters of a tr SET: classes, ranges and backslash escapes."""
    out: list[str] = []
    chars: list[str] = []
    i = 0
    while i < len(text):
        m = re.match(r"\[:(\w+):\]", text[i:])
        if m and m.group(1) in _TR_CLASSES:
            out += chars + list(_TR_CLASSES[m.group(1)])
            chars = []
            i += m.end()
            continue
        m = re.match(r"\\([0-7]{1,3}|.)", text[i:], re.S)
        if m:
            code = m.group(1)
            chars.append(chr(int(code, 8)) if code.isdigit() else unescape("\\" + code)[0])
            i += m.end()
        else:
            chars.append(text[i])
            i += 1
        if len(chars) >= 3 and chars[-2] == "-" and text[i - 1 : i] != "-":
            low, high = chars[-3], chars[-1]
            chars[-3:] = [chr(c) for c in range(ord(low), ord(high) + 1)]
    return out + chars


def tr(ctx: ExecContext) -> int:
    spec = {"d": "delete", "s": "squeeze", "c": "complement", "C": "complement",
            "--delete": "delete", "--squeeze-repeats": "squeeze",
            "--complement": "complement"}  # fmt: skip
    try:
        opts = parse_options(ctx.argv, spec)
    except UsageError as exc:
        return usage_error(ctx, exc)
    sets = opts.operands
    needs_two = not opts.has("delete") and not (opts.has("squeeze") and len(sets) == 1)
    if not sets or (needs_two and len(sets) < 2):
        after = f" after '{sets[0]}'" if sets else ""
        extra = "\nTwo strings must be given when translating." if sets else ""
        ctx.err(f"tr: missing operand{after}{extra}\nTry 'tr --help' for more information.\n")
        return 1
    text = decode(ctx.stdin)
    first = _tr_set(sets[0])
    complement = opts.has("complement")

    def in_first(c: str) -> bool:
        return (c in first) != complement

    if opts.has("delete"):
        text = "".join(c for c in text if not in_first(c))
        squeeze = _tr_set(sets[1]) if len(sets) > 1 else []
    elif len(sets) > 1:
        second = _tr_set(sets[1])
        if second:
            table = {c: second[min(i, len(second) - 1)] for i, c in enumerate(first)}
            text = "".join(
                (second[-1] if complement and in_first(c) else table.get(c, c)) for c in text
            )
        squeeze = second
    else:
        squeeze = first
    if opts.has("squeeze"):
        text = re.sub("|".join(f"(?:{re.escape(c)})+" for c in set(squeeze)) or "(?!)",
                      lambda m: m.group(0)[0], text)  # fmt: skip
    ctx.out(text)
    return 0
