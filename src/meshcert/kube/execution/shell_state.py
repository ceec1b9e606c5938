"""The state of a shell process: variables, positional parameters, open descriptors, and the
exceptions that carry `exit`, `return`, `break` and `continue` out of nested commands."""

from __future__ import annotations

from dataclasses import dataclass, field

from .programs import InputStream, NullSink, Sink
from .shell_nodes import Node


class ShellExit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code & 0xFF


class LoopControl(Exception):
    def __init__(self, kind: str, count: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.count = count


class FunctionReturn(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code & 0xFF


class Streams:
    """The open file descriptors of a command: 0 is an input, others are sinks."""

    def __init__(self, fds: dict[int, InputStream | Sink]) -> None:
        self.fds = fds

    @property
    def stdin(self) -> InputStream:
        value = self.fds.get(0)
        return value if isinstance(value, InputStream) else InputStream()

    def sink(self, fd: int) -> Sink:
        value = self.fds.get(fd)
        return NullSink() if value is None or isinstance(value, InputStream) else value

    @property
    def stdout(self) -> Sink:
        return self.sink(1)

    @property
    def stderr(self) -> Sink:
        return self.sink(2)

    def copy(self) -> Streams:
        return Streams(dict(self.fds))


@dataclass
class ShellState:
    vars: dict[str, str]
    exported: set[str]
    positional: list[str]
    arg0: str
    cwd: str
    status: int = 0
    functions: dict[str, Node] = field(default_factory=dict)
    options: set[str] = field(default_factory=set)
    locals: list[dict[str, str | None]] = field(default_factory=list)

    def copy(self) -> ShellState:
        return ShellState(
            dict(self.vars),
            set(self.exported),
            list(self.positional),
            self.arg0,
            self.cwd,
            self.status,
            dict(self.functions),
            set(self.options),
            [dict(frame) for frame in self.locals],
        )
