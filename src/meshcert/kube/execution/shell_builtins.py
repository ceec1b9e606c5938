"""Shell builtins: the commands that change the shell itself (cd, export, exit, set, read, ...).

They exist only inside `sh`/`bash` (as in a real container: `kubectl exec pod -- cd /` fails),
and word their errors as dash or bash do.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .conditions import TestSyntaxError, run_test, test_message
from .filesystem import FileSystemError, normalize
from .shell import Shell
from .shell_state import FunctionReturn, LoopControl, ShellExit, Streams
from .shell_syntax import Parser, ShellSyntaxError
from .shell_tokens import is_name

Builtin = Callable[[Shell, list[str], Streams], int]


def _out(io: Streams, text: str) -> None:
    io.stdout.write(text.encode("utf-8", "surrogateescape"))


def _number(shell: Shell, io: Streams, name: str, text: str) -> int | None:
    stripped = text.lstrip("-+")
    if stripped.isdigit():
        return int(text)
    if shell.dialect == "bash":
        shell.diag(f"{name}: {text}: numeric argument required", io)
    else:
        shell.diag(f"{name}: Illegal number: {text}", io)
    return None


def _true(shell: Shell, argv: list[str], io: Streams) -> int:
    return 0


def _false(shell: Shell, argv: list[str], io: Streams) -> int:
    return 1


def _cd(shell: Shell, argv: list[str], io: Streams) -> int:
    st = shell.state
    target = argv[1] if len(argv) > 1 else st.vars.get("HOME", "/")
    if target == "-":
        target = st.vars.get("OLDPWD", st.cwd)
        _out(io, target + "\n")
    path = normalize(target, st.cwd)
    if not shell.ctx.fs.is_dir(path):
        if shell.dialect == "bash":
            reason = "Not a directory" if shell.ctx.fs.exists(path) else "No such file or directory"
            shell.diag(f"cd: {target}: {reason}", io)
            return 1
        shell.diag(f"cd: can't cd to {target}", io)
        return 2
    st.vars["OLDPWD"] = st.cwd
    st.cwd = path
    st.vars["PWD"] = path
    return 0


def _pwd(shell: Shell, argv: list[str], io: Streams) -> int:
    _out(io, shell.state.cwd + "\n")
    return 0


def _bad_name(shell: Shell, io: Streams, builtin: str, name: str) -> int:
    if shell.dialect == "bash":
        shell.diag(f"{builtin}: `{name}': not a valid identifier", io)
        return 1
    shell.diag(f"{builtin}: {name}: bad variable name", io)
    return 2


def _export(shell: Shell, argv: list[str], io: Streams) -> int:
    st = shell.state
    names = [a for a in argv[1:] if a != "-p"]
    if not names:
        for name in sorted(st.exported):
            if name in st.vars:
                prefix = "declare -x" if shell.dialect == "bash" else "export"
                _out(io, f"{prefix} {name}={_quote_value(st.vars[name], shell.dialect)}\n")
        return 0
    status = 0
    for arg in names:
        name, eq, value = arg.partition("=")
        if not is_name(name):
            status = _bad_name(shell, io, "export", arg)
            continue
        if eq:
            st.vars[name] = value
        st.exported.add(name)
    return status


def _quote_value(value: str, dialect: str) -> str:
    if dialect == "bash":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "'" + value.replace("'", "'\\''") + "'"


def _unset(shell: Shell, argv: list[str], io: Streams) -> int:
    functions = "-f" in argv[1:]
    for name in argv[1:]:
        if name in ("-f", "-v"):
            continue
        if functions:
            shell.state.functions.pop(name, None)
        else:
            shell.state.vars.pop(name, None)
            shell.state.exported.discard(name)
    return 0


def _exit(shell: Shell, argv: list[str], io: Streams) -> int:
    if len(argv) < 2:
        raise ShellExit(shell.state.status)
    code = _number(shell, io, "exit", argv[1])
    raise ShellExit(2 if code is None else code)


def _return(shell: Shell, argv: list[str], io: Streams) -> int:
    code = shell.state.status
    if len(argv) > 1:
        number = _number(shell, io, "return", argv[1])
        code = 2 if number is None else number
    if shell.call_depth == 0:
        if shell.dialect == "bash":
            shell.diag("return: can only `return' from a function or sourced script", io)
            return 1
        raise ShellExit(code)
    raise FunctionReturn(code)


def _loop_control(shell: Shell, argv: list[str], io: Streams) -> int:
    count = 1
    if len(argv) > 1:
        number = _number(shell, io, argv[0], argv[1])
        if number is None or number < 1:
            return 1
        count = number
    if shell.loop_depth == 0:
        if shell.dialect == "bash":
            shell.diag(f"{argv[0]}: only meaningful in a `for', `while', or `until' loop", io)
        return 0
    raise LoopControl(argv[0], min(count, shell.loop_depth))


def _set(shell: Shell, argv: list[str], io: Streams) -> int:
    st = shell.state
    args = argv[1:]
    if not args:
        for name in sorted(st.vars):
            _out(io, f"{name}={_quote_value(st.vars[name], 'sh')}\n")
        return 0
    while args:
        arg = args.pop(0)
        if arg == "--":
            st.positional = args
            return 0
        if arg in ("-o", "+o"):
            name = args.pop(0) if args else ""
            option = {"errexit": "e", "nounset": "u", "xtrace": "x", "noglob": "f"}.get(name, name)
            (st.options.add if arg == "-o" else st.options.discard)(option)
            continue
        if arg[:1] in ("-", "+") and len(arg) > 1:
            for letter in arg[1:]:
                (st.options.add if arg[0] == "-" else st.options.discard)(letter)
            continue
        st.positional = [arg, *args]
        return 0
    return 0


def _shift(shell: Shell, argv: list[str], io: Streams) -> int:
    count = 1
    if len(argv) > 1:
        number = _number(shell, io, "shift", argv[1])
        if number is None:
            return 2
        count = number
    if count > len(shell.state.positional):
        if shell.dialect == "bash":
            return 1
        shell.diag("shift: can't shift that many", io)
        raise ShellExit(2)
    shell.state.positional = shell.state.positional[count:]
    return 0


def _read(shell: Shell, argv: list[str], io: Streams) -> int:
    args = argv[1:]
    raw = False
    while args and args[0].startswith("-") and len(args[0]) > 1:
        flag = args.pop(0)
        if flag == "-r":
            raw = True
        elif flag == "-p" and args:
            io.stderr.write(args.pop(0).encode())
    names = args or ["REPLY"]
    text = ""
    ended = False
    while True:
        line = io.stdin.readline().decode("utf-8", "surrogateescape")
        if not line.endswith("\n"):
            ended = True
        else:
            line = line[:-1]
        if not raw and line.endswith("\\") and not ended:
            text += line[:-1]
            continue
        text += line
        break
    if not raw:
        text = re.sub(r"\\(.)", r"\1", text)
    ifs = shell.state.vars.get("IFS", " \t\n")
    white = "".join(c for c in ifs if c in " \t\n")
    values: list[str] = []
    rest = text.strip(white) if white else text
    for index in range(len(names)):
        if index == len(names) - 1:
            values.append(rest.rstrip(white) if white else rest)
            break
        cut = next((i for i, c in enumerate(rest) if c in ifs), -1) if ifs else -1
        if cut < 0:
            values.append(rest)
            rest = ""
            continue
        values.append(rest[:cut])
        rest = rest[cut + 1 :].lstrip(white) if white else rest[cut + 1 :]
    for name, value in zip(names, values + [""] * len(names), strict=False):
        shell.assign(name, value)
    return 1 if ended else 0


def _eval(shell: Shell, argv: list[str], io: Streams) -> int:
    return _run_source(shell, " ".join(argv[1:]), io)


def _run_source(shell: Shell, source: str, io: Streams) -> int:
    parser = Parser(source)
    status = 0
    while True:
        try:
            node = parser.next_command()
        except ShellSyntaxError as exc:
            shell.syntax_error(exc, io, command_string=False)
            raise ShellExit(2) from None
        if node is None:
            return status
        status = shell.execute(node, io)


def _source(shell: Shell, argv: list[str], io: Streams) -> int:
    if len(argv) < 2:
        return 0
    try:
        data = shell.ctx.read_file(normalize(argv[1], shell.state.cwd))
    except FileSystemError:
        if shell.dialect == "bash":
            shell.diag(f"{argv[1]}: No such file or directory", io)
            return 1
        shell.diag(f"{argv[0]}: cannot open {argv[1]}: No such file", io)
        raise ShellExit(2) from None
    return _run_source(shell, data.decode("utf-8", "surrogateescape"), io)


def _local(shell: Shell, argv: list[str], io: Streams) -> int:
    if not shell.state.locals:
        if shell.dialect == "bash":
            shell.diag("local: can only be used in a function", io)
            return 1
        shell.diag("local: not in a function", io)
        return 2
    frame = shell.state.locals[-1]
    for arg in argv[1:]:
        name, eq, value = arg.partition("=")
        if not is_name(name):
            return _bad_name(shell, io, "local", arg)
        if name not in frame:
            frame[name] = shell.state.vars.get(name)
        if eq:
            shell.state.vars[name] = value
    return 0


def _exec(shell: Shell, argv: list[str], io: Streams) -> int:
    if len(argv) < 2:
        return 0
    raise ShellExit(shell.run_program(argv[1:], io))


def _where(shell: Shell, name: str) -> str | None:
    if name in BUILTINS or name in shell.state.functions:
        return name
    if shell.ctx.find(name) is None:
        return None
    if "/" in name:
        return name
    return f"/bin/{name}" if name in ("sh", "bash") else f"/usr/bin/{name}"


def _command(shell: Shell, argv: list[str], io: Streams) -> int:
    args = argv[1:]
    if args and args[0] in ("-v", "-V"):
        status = 0
        for name in args[1:]:
            where = _where(shell, name)
            if where is None:
                status = 127 if shell.dialect == "sh" else 1
            else:
                _out(io, where + "\n")
        return status
    if not args:
        return 0
    builtin = BUILTINS.get(args[0])
    if builtin is not None:
        return builtin(shell, args, io)
    return shell.run_program(args, io)


def _type(shell: Shell, argv: list[str], io: Streams) -> int:
    status = 0
    for name in argv[1:]:
        if name in BUILTINS:
            _out(io, f"{name} is a shell builtin\n")
        elif name in shell.state.functions:
            _out(io, f"{name} is a shell function\n")
        elif (where := _where(shell, name)) is not None:
            _out(io, f"{name} is {where}\n")
        elif shell.dialect == "bash":
            shell.diag(f"type: {name}: not found", io)
            status = 1
        else:
            _out(io, f"{name}: not found\n")
            status = 127
    return status


def _test(shell: Shell, argv: list[str], io: Streams) -> int:
    try:
        return 0 if run_test(argv, shell.ctx.fs, shell.state.cwd) else 1
    except TestSyntaxError as exc:
        shell.diag(f"{argv[0]}: {test_message(exc, shell.dialect)}", io)
        return 2


def _umask(shell: Shell, argv: list[str], io: Streams) -> int:
    if len(argv) == 1:
        _out(io, "0022\n")
    return 0


def _wait(shell: Shell, argv: list[str], io: Streams) -> int:
    return 0


BUILTINS: dict[str, Builtin] = {
    ":": _true,
    "true": _true,
    "false": _false,
    "cd": _cd,
    "pwd": _pwd,
    "export": _export,
    "unset": _unset,
    "exit": _exit,
    "return": _return,
    "break": _loop_control,
    "continue": _loop_control,
    "set": _set,
    "shift": _shift,
    "read": _read,
    "eval": _eval,
    ".": _source,
    "source": _source,
    "local": _local,
    "exec": _exec,
    "command": _command,
    "type": _type,
    "test": _test,
    "[": _test,
    "umask": _umask,
    "wait": _wait,
    "trap": _wait,
    "alias": _wait,
}
