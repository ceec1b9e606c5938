"""The basic programs of a container image: echo, printf, cat, env, hostname, sleep, seq, test,
true/false, date, tee, which, xargs, whoami, id, uname, pwd.

Behaviour, flags and messages follow GNU coreutils (what `kubectl exec` into a Debian or
Ubuntu based image shows); echo also takes busybox's `-e`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from .conditions import TestSyntaxError, run_test, test_message
from .environment import CLUSTER_DOMAIN, hostname_of, pod_ip
from .filesystem import FileSystemError
from .options import UsageError, parse_options
from .programs import ExecContext, ProgramNotFound, Sink

_ESCAPES = {"\\": "\\", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r",
            "t": "\t", "v": "\v", '"': '"'}  # fmt: skip
_ESCAPE = re.compile(r"\\(0[0-7]{0,3}|[0-7]{1,3}|x[0-9a-fA-F]{1,2}|c|.)", re.S)
_DIRECTIVE = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([diouxXeEfFgGcsb%])|%")


def usage_error(ctx: ExecContext, exc: UsageError, code: int = 1, usage: str = "") -> int:
    ctx.err(f"{ctx.program}: {exc.message}\n{usage}")
    ctx.err(f"Try '{ctx.program} --help' for more information.\n")
    return code


def read_operand(ctx: ExecContext, name: str) -> bytes:
    """The bytes of a file operand (`-` is stdin); FileSystemError when it cannot be read."""
    return ctx.stdin if name == "-" else ctx.read_file(name)


def unescape(text: str, *, octal_needs_zero: bool = True) -> tuple[str, bool]:
    r"""Interpret backslash escapes; returns (text, stopped) where \c stops the output."""
    out: list[str] = []
    pos = 0
    for m in _ESCAPE.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        code = m.group(1)
        if code == "c":
            return "".join(out), True
        if code[0] == "x":
            out.append(chr(int(code[1:], 16)))
        elif code[0] == "0" or (code[0] in "1234567" and not octal_needs_zero):
            digits = code[1:] if code[0] == "0" and octal_needs_zero else code
            out.append(chr(int(digits or "0", 8) & 0xFF))
        elif code in _ESCAPES:
            out.append(_ESCAPES[code])
        else:
            out.append("\\" + code)
    out.append(text[pos:])
    return "".join(out), False


def echo(ctx: ExecContext) -> int:
    args = ctx.argv[1:]
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for letter in args.pop(0)[1:]:
            if letter == "n":
                newline = False
            else:
                escapes = letter == "e"
    text = " ".join(args)
    if escapes:
        text, stopped = unescape(text)
        if stopped:
            ctx.out(text)
            return 0
    ctx.out(text + ("\n" if newline else ""))
    return 0


def _numeric(ctx: ExecContext, arg: str, *, floating: bool = False) -> tuple[float | int, bool]:
    text = arg.strip()
    if len(text) >= 2 and text[0] in "'\"":
        return ord(text[1]), True
    try:
        if floating:
            return float(text or "0"), True
        if re.fullmatch(r"[-+]?0[xX][0-9a-fA-F]+", text):
            return int(text, 16), True
        if re.fullmatch(r"[-+]?0[0-7]+", text):
            return int(text, 8), True
        return int(text or "0"), True
    except ValueError:
        m = re.match(r"[-+]?\d+(\.\d*)?" if floating else r"[-+]?\d+", text)
        if m:
            ctx.err(f"{ctx.program}: '{arg}': value not completely converted\n")
            value = m.group(0)
            return (float(value) if floating else int(value)), False
        ctx.err(f"{ctx.program}: '{arg}': expected a numeric value\n")
        return 0, False


class _Arguments:
    """printf's arguments, consumed by the directives of one pass over the format."""

    def __init__(self, args: list[str]) -> None:
        self.args = args
        self.used = 0

    def take(self) -> str | None:
        if self.used < len(self.args):
            self.used += 1
            return self.args[self.used - 1]
        return None


def printf(ctx: ExecContext) -> int:
    if len(ctx.argv) < 2:
        ctx.err("printf: missing operand\nTry 'printf --help' for more information.\n")
        return 1
    fmt = ctx.argv[1]
    args = _Arguments(ctx.argv[2:])
    status = 0
    out: list[str] = []
    while True:
        args.used = 0
        pos = 0
        for m in _DIRECTIVE.finditer(fmt):
            chunk, stopped = unescape(fmt[pos : m.start()], octal_needs_zero=False)
            out.append(chunk)
            if stopped:
                ctx.out("".join(out))
                return status
            pos = m.end()
            conv = m.group(4)
            if conv is None or conv == "%":
                out.append("%")
                continue
            flags, width, precision = m.group(1), m.group(2) or "", m.group(3)
            if width == "*":
                width = str(int(_numeric(ctx, args.take() or "0")[0]))
            if precision == "*":
                precision = str(int(_numeric(ctx, args.take() or "0")[0]))
            spec = "%" + flags + width + ("." + precision if precision is not None else "")
            arg = args.take()
            if conv in "sb":
                text = arg or ""
                if conv == "b":
                    text, stopped = unescape(text)
                    if stopped:
                        out.append((spec + "s") % text)
                        ctx.out("".join(out))
                        return status
                out.append((spec + "s") % text)
            elif conv == "c":
                out.append((spec + "s") % (arg or "")[:1])
            else:
                floating = conv in "eEfFgG"
                value, ok = _numeric(ctx, arg or "0", floating=floating)
                status = status if ok else 1
                pyconv = "d" if conv in "iu" else conv
                out.append((spec + pyconv) % value)
        chunk, stopped = unescape(fmt[pos:], octal_needs_zero=False)
        out.append(chunk)
        if stopped or not args.used or args.used >= len(args.args):
            break
        args = _Arguments(args.args[args.used :])
    ctx.out("".join(out))
    return status


def cat(ctx: ExecContext) -> int:
    try:
        opts = parse_options(ctx.argv, {"n": "number", "--number": "number", "u": "unbuffered"})
    except UsageError as exc:
        return usage_error(ctx, exc)
    status = 0
    line_no = 0
    for name in opts.operands or ["-"]:
        if name == "-" and not opts.has("number"):
            # stream stdin: write what arrives as it arrives (`kubectl exec -i POD -- cat`)
            while chunk := ctx.input.read_some():
                ctx.stdout.write(chunk)
            continue
        try:
            data = read_operand(ctx, name)
        except FileSystemError as exc:
            ctx.err(f"cat: {name}: {exc.reason}\n")
            status = 1
            continue
        if opts.has("number"):
            numbered = []
            for line in data.splitlines(keepends=True):
                line_no += 1
                numbered.append(f"{line_no:6d}\t".encode() + line)
            data = b"".join(numbered)
        ctx.stdout.write(data)
    return status


def env(ctx: ExecContext) -> int:
    args = ctx.argv[1:]
    variables = dict(ctx.env)
    while args and args[0].startswith("-") and args[0] != "-":
        flag = args.pop(0)
        if flag in ("-i", "--ignore-environment"):
            variables = {}
        elif flag in ("-u", "--unset") and args:
            variables.pop(args.pop(0), None)
        elif flag == "--":
            break
        else:
            return usage_error(ctx, UsageError(f"invalid option -- '{flag.lstrip('-')[:1]}'"), 125)
    if args and args[0] == "-":
        args.pop(0)
        variables = {}
    while args and "=" in args[0] and not args[0].startswith("="):
        name, _, value = args.pop(0).partition("=")
        variables[name] = value
    if not args:
        ctx.out("".join(f"{k}={v}\n" for k, v in variables.items()))
        return 0
    try:
        return ctx.run(args, env=variables)
    except ProgramNotFound:
        ctx.err(f"env: '{args[0]}': No such file or directory\n")
        return 127


def hostname(ctx: ExecContext) -> int:
    args = ctx.argv[1:]
    host = hostname_of(ctx.pod)
    if not args:
        ctx.out(host + "\n")
        return 0
    flag = args[0]
    if flag in ("-i", "--ip-address", "-I", "--all-ip-addresses"):
        ip = pod_ip(ctx.pod)
        ctx.out(ip + (" \n" if flag.startswith("-I") or flag == "--all-ip-addresses" else "\n"))
        return 0
    if flag in ("-s", "--short"):
        ctx.out(host.split(".")[0] + "\n")
        return 0
    if flag in ("-f", "--fqdn", "--long"):
        sub = (ctx.pod.get("spec") or {}).get("subdomain")
        fqdn = f"{host}.{sub}.{ctx.namespace}.svc.{CLUSTER_DOMAIN}" if sub else host
        ctx.out(fqdn + "\n")
        return 0
    if flag.startswith("-"):
        return usage_error(ctx, UsageError(f"invalid option -- '{flag[1:2]}'"))
    ctx.err("hostname: you must be root to change the host name\n")
    return 1


_NUMBER = re.compile(r"^-\.?\d")
_DURATION = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$")


def sleep(ctx: ExecContext) -> int:
    args = ctx.argv[1:]
    if not args:
        ctx.err("sleep: missing operand\nTry 'sleep --help' for more information.\n")
        return 1
    total = 0.0
    for arg in args:
        if arg in ("infinity", "inf"):
            total = float("inf")
            continue
        m = _DURATION.match(arg)
        if m is None:
            ctx.err(f"sleep: invalid time interval '{arg}'\n")
            ctx.err("Try 'sleep --help' for more information.\n")
            return 1
        total += float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    ctx.sleep(total)
    return 0


def seq(ctx: ExecContext) -> int:
    argv = list(ctx.argv)
    split = 1
    while split < len(argv) and argv[split].startswith("-") and not _NUMBER.match(argv[split]):
        split += 2 if argv[split] in ("-s", "-f") else 1
    try:
        opts = parse_options(
            argv[:split],
            {"s:": "sep", "w": "equal", "f:": "format", "--separator=": "sep",
             "--equal-width": "equal", "--format=": "format"},
        )  # fmt: skip
    except UsageError as exc:
        return usage_error(ctx, exc)
    opts.operands += argv[split:]
    operands = opts.operands
    if not operands:
        ctx.err("seq: missing operand\nTry 'seq --help' for more information.\n")
        return 1
    if len(operands) > 3:
        ctx.err(f"seq: extra operand '{operands[3]}'\nTry 'seq --help' for more information.\n")
        return 1
    numbers: list[Decimal] = []
    for arg in operands:
        try:
            numbers.append(Decimal(arg))
        except InvalidOperation:
            ctx.err(f"seq: invalid floating point argument: '{arg}'\n")
            ctx.err("Try 'seq --help' for more information.\n")
            return 1
    first, step, last = Decimal(1), Decimal(1), numbers[-1]
    if len(numbers) >= 2:
        first = numbers[0]
    if len(numbers) == 3:
        step = numbers[1]
        if step == 0:
            ctx.err(f"seq: invalid Zero increment value: '{operands[1]}'\n")
            ctx.err("Try 'seq --help' for more information.\n")
            return 1
    shown = [operands[0]] if len(operands) >= 2 else []
    if len(operands) == 3:
        shown.append(operands[1])
    places = max((len(a.split(".")[1]) if "." in a else 0 for a in shown), default=0)
    values: list[str] = []
    value = first
    fmt = opts.last("format")
    while (step > 0 and value <= last) or (step < 0 and value >= last):
        if fmt:
            values.append(fmt.replace("%g", f"{float(value):g}").replace("%%", "%"))
        else:
            values.append(f"{value:.{places}f}")
        value += step
        if len(values) % 10000 == 0:
            ctx.budget.check()
    if opts.has("equal"):
        width = max((len(v) for v in values), default=0)
        values = [("-" + v[1:].zfill(width - 1)) if v.startswith("-") else v.zfill(width)
                  for v in values]  # fmt: skip
    if values:
        ctx.out(_seq_join(values, opts.last("sep", "\n") or ""))
    return 0


def _seq_join(values: list[str], sep: str) -> str:
    return sep.join(values) + "\n"


def test(ctx: ExecContext) -> int:
    try:
        return 0 if run_test(ctx.argv, ctx.fs, ctx.cwd) else 1
    except TestSyntaxError as exc:
        ctx.err(f"{ctx.program}: {test_message(exc, 'gnu')}\n")
        return 2


def true(ctx: ExecContext) -> int:
    return 0


def false(ctx: ExecContext) -> int:
    return 1


def date(ctx: ExecContext) -> int:
    now = ctx.cluster.clock.now().astimezone(UTC)
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    for arg in ctx.argv[1:]:
        if arg.startswith("+"):
            fmt = arg[1:]
        elif arg in ("-u", "--utc", "--universal"):
            continue
        elif arg in ("-R", "--rfc-email"):
            fmt = "%a, %d %b %Y %H:%M:%S +0000"
        elif arg in ("-I", "--iso-8601", "-Idate", "--iso-8601=date"):
            fmt = "%Y-%m-%d"
        elif arg in ("-Iseconds", "--iso-8601=seconds"):
            fmt = "%Y-%m-%dT%H:%M:%S+00:00"
        else:
            ctx.err(f"date: invalid date '{arg}'\n")
            return 1
    ctx.out(format_time(now, fmt) + "\n")
    return 0


def format_time(moment: datetime, fmt: str) -> str:
    """strftime with GNU's %N (nanoseconds), %s (epoch) and %e (space-padded day)."""
    out: list[str] = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            if code == "N":
                out.append(f"{moment.microsecond:06d}000")
            elif code == "s":
                out.append(str(int(moment.timestamp())))
            elif code == "e":
                out.append(f"{moment.day:2d}")
            elif code == "Z":
                out.append("UTC")
            else:
                out.append(moment.strftime("%" + code))
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


def tee(ctx: ExecContext) -> int:
    try:
        opts = parse_options(ctx.argv, {"a": "append", "--append": "append", "i": "ignore"})
    except UsageError as exc:
        return usage_error(ctx, exc)
    sinks: list[Sink] = [ctx.stdout]
    status = 0
    for name in opts.operands:
        try:
            sinks.append(ctx.open_output(name, append=opts.has("append")))
        except FileSystemError as exc:
            ctx.err(f"tee: {name}: {exc.reason}\n")
            status = 1
    while data := ctx.input.read_some():
        for sink in sinks:
            sink.write(data)
    return status


def which(ctx: ExecContext) -> int:
    status = 0
    for name in ctx.argv[1:]:
        if ctx.find(name) is None:
            status = 1
        else:
            where = name if "/" in name else f"/usr/bin/{name}"
            ctx.out(f"/bin/{name}\n" if name in ("sh", "bash") else f"{where}\n")
    return status


def xargs(ctx: ExecContext) -> int:
    try:
        opts = parse_options(ctx.argv, {"n:": "max", "I:": "replace", "r": "no-run"},
                             permute=False)  # fmt: skip
    except UsageError as exc:
        return usage_error(ctx, exc)
    command = opts.operands or ["echo"]
    text = ctx.stdin.decode("utf-8", "surrogateescape")
    replace = opts.last("replace")
    if replace is not None:
        batches = [[a.replace(replace, line) for a in command] for line in text.splitlines()]
    else:
        items = text.split()
        size = int(opts.last("max") or 0) or max(len(items), 1)
        batches = [command + items[i : i + size] for i in range(0, len(items), size)]
        if not batches and not opts.has("no-run"):
            batches = [list(command)]
    status = 0
    for argv in batches:
        try:
            code = ctx.run(argv, stdin=b"")
        except ProgramNotFound:
            ctx.err(f"xargs: {argv[0]}: No such file or directory\n")
            return 127
        if code:
            status = 123
    return status


def whoami(ctx: ExecContext) -> int:
    ctx.out("root\n")
    return 0


def id_(ctx: ExecContext) -> int:
    ctx.out("uid=0(root) gid=0(root) groups=0(root)\n")
    return 0


def uname(ctx: ExecContext) -> int:
    parts = {"s": "Linux", "n": hostname_of(ctx.pod), "r": "6.8.0-meshcert", "m": "x86_64"}
    flags = "".join(a.lstrip("-") for a in ctx.argv[1:]) or "s"
    if "a" in flags:
        flags = "snrm"
    ctx.out(" ".join(parts[f] for f in "snrm" if f in flags) + "\n")
    return 0


def pwd(ctx: ExecContext) -> int:
    ctx.out(ctx.cwd + "\n")
    return 0
