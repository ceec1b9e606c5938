"""A small cobra-like command tree for istioctl: commands with subcommands, flags anywhere on
the line (`--flag=value`, `--flag value`, `-f value`, `-y`), repeatable flags, global flags,
generated help and cobra's error messages (`Error: unknown flag: --foo`).

A command's `run(inv)` gets an `Invocation` and returns the exit code; raise `UsageError` for a
message printed as `Error: ...` with exit code 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meshcert.kube.cluster import Cluster


class UsageError(Exception):
    """A user error: printed as `Error: <message>`, exit code 1."""


@dataclass(frozen=True)
class Flag:
    name: str
    short: str = ""
    kind: str = "str"  # str | bool | list | int
    default: Any = None
    help: str = ""

    def takes_value(self) -> bool:
        return self.kind != "bool"


@dataclass
class Command:
    name: str
    short: str
    run: Callable[[Invocation], int] | None = None
    flags: tuple[Flag, ...] = ()
    subcommands: dict[str, Command] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    max_args: int | None = None
    usage: str = ""

    def add(self, command: Command) -> Command:
        self.subcommands[command.name] = command
        for alias in command.aliases:
            self.subcommands[alias] = command
        return command

    def child(self, name: str) -> Command | None:
        return self.subcommands.get(name)


@dataclass
class Invocation:
    """One run of a command: its positional args and flag values, output and the cluster."""

    cluster: Cluster
    path: list[str]
    args: list[str]
    opts: dict[str, Any]
    stdout: Callable[[str], None]
    stderr: Callable[[str], None]
    read_file: Callable[[str], bytes]
    stdin: Callable[[], bytes]

    def out(self, text: str) -> None:
        self.stdout(text)

    def err(self, text: str) -> None:
        self.stderr(text)

    def flag(self, name: str) -> Any:
        return self.opts.get(name)


GLOBAL_FLAGS = (
    Flag("context", help="Kubernetes configuration context"),
    Flag("kubeconfig", "c", help="Kubernetes configuration file"),
    Flag("istioNamespace", "i", default="istio-system", help="Istio system namespace"),
    Flag("namespace", "n", help="Kubernetes namespace"),
    Flag("vklog", kind="int", default=0, help="number for the log level verbosity"),
    Flag("help", "h", kind="bool", default=False, help="help for this command"),
)


def _flag_table(command: Command, globals_: tuple[Flag, ...]) -> dict[str, Flag]:
    table: dict[str, Flag] = {}
    for flag in (*globals_, *command.flags):
        table["--" + flag.name] = flag
        if flag.short:
            table["-" + flag.short] = flag
    return table


def parse(
    root: Command, argv: list[str], globals_: tuple[Flag, ...] = GLOBAL_FLAGS
) -> tuple[Command, list[str], list[str], dict[str, Any]]:
    """(command, its path, positional args, flag values) for `argv` (without the program)."""
    command, path = root, [root.name]
    args: list[str] = []
    opts: dict[str, Any] = {}
    i = 0
    only_args = False
    while i < len(argv):
        token = argv[i]
        i += 1
        if only_args or token == "-" or not token.startswith("-"):
            if token == "--" and not only_args:
                only_args = True
                continue
            child = command.child(token) if not args and not only_args else None
            if child is not None:
                command = child
                path.append(child.name)
            else:
                args.append(token)
            continue
        if token == "--":
            only_args = True
            continue
        table = _flag_table(command, globals_)
        name, eq, value = token.partition("=")
        if not name.startswith("--") and len(name) > 2:
            # -yf file, -nfoo: a short flag with its value or more short flags attached
            first = table.get(name[:2])
            if first is None:
                raise UsageError(f"unknown shorthand flag: '{name[1]}' in {token}")
            if first.takes_value():
                name, value, eq = name[:2], token[2:].removeprefix("="), "="
            else:
                _store(opts, first, True)
                argv = [*argv[:i], "-" + token[2:], *argv[i:]]
                continue
        flag = table.get(name)
        if flag is None:
            if name.startswith("--"):
                raise UsageError(f"unknown flag: {name}")
            raise UsageError(f"unknown shorthand flag: '{name[1:]}' in {token}")
        if flag.takes_value():
            if not eq:
                if i >= len(argv):
                    raise UsageError(f"flag needs an argument: {name}")
                value = argv[i]
                i += 1
            _store(opts, flag, value)
        else:
            _store(opts, flag, value.lower() not in ("false", "0") if eq else True)
    return command, path, args, opts


def _store(opts: dict[str, Any], flag: Flag, value: Any) -> None:
    if flag.kind == "list":
        parts = [value] if flag.name in ("set", "values") else str(value).split(",")
        opts.setdefault(flag.name, []).extend(parts)
    elif flag.kind == "int":
        try:
            opts[flag.name] = int(value)
        except ValueError as exc:
            raise UsageError(
                f'invalid argument "{value}" for "--{flag.name}" flag: strconv.ParseInt: '
                f'parsing "{value}": invalid syntax'
            ) from exc
    else:
        opts[flag.name] = value


def defaults(
    command: Command, opts: dict[str, Any], globals_: tuple[Flag, ...] = GLOBAL_FLAGS
) -> dict[str, Any]:
    out = {f.name: f.default for f in (*globals_, *command.flags)}
    for flag in (*globals_, *command.flags):
        if flag.kind == "list" and out[flag.name] is None:
            out[flag.name] = []
    out.update(opts)
    return out


def help_text(command: Command, path: list[str], globals_: tuple[Flag, ...] = GLOBAL_FLAGS) -> str:
    lines = [command.short, "", "Usage:"]
    full = " ".join(path)
    if command.run is not None:
        lines.append(f"  {full} {command.usage}".rstrip())
    unique = {c.name: c for c in command.subcommands.values()}
    if unique:
        lines.append(f"  {full} [command]")
        lines += ["", "Available Commands:"]
        width = max(len(n) for n in unique) + 2
        for name in sorted(unique):
            lines.append(f"  {name.ljust(width)} {unique[name].short}")
    if command.flags:
        lines += ["", "Flags:"]
        lines += _flag_lines(command.flags)
    lines += ["", "Global Flags:"]
    lines += _flag_lines(globals_)
    if unique:
        lines += ["", f'Use "{full} [command] --help" for more information about a command.']
    return "\n".join(lines) + "\n"


def _flag_lines(flags: tuple[Flag, ...]) -> list[str]:
    rows = []
    for flag in flags:
        short = f"-{flag.short}, " if flag.short else "    "
        kind = (
            ""
            if flag.kind == "bool"
            else (
                " stringArray"
                if flag.kind == "list"
                else f" {'int' if flag.kind == 'int' else 'string'}"
            )
        )
        rows.append((f"  {short}--{flag.name}{kind}", flag.help))
    width = max(len(r[0]) for r in rows) + 3
    return [f"{left.ljust(width)}{text}" for left, text in rows]
