"""Redirections of the shell: `>`, `>>`, `<`, `2>&1`, here-documents, `/dev/*` and the files
of the container, with dash's and bash's messages when a file cannot be opened."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from .filesystem import FileSystemError, normalize
from .programs import InputStream, NullSink, Sink
from .shell_expansion import ExpansionError
from .shell_nodes import Redirect
from .shell_state import ShellExit, Streams

if TYPE_CHECKING:
    from .shell import Shell


def redirect(shell: Shell, redirects: tuple[Redirect, ...], io: Streams) -> Streams | int:
    """The streams after `redirects`, or the failure status (the message is written)."""
    if not redirects:
        return io
    out = io.copy()
    failed = 2 if shell.dialect == "sh" else 1
    for r in redirects:
        try:
            _apply(shell, r, out)
        except ExpansionError as exc:
            shell.diag(str(exc), io)
            raise ShellExit(2) from None
        except FileSystemError as exc:
            shell.diag(_message(shell, r, exc), io)
            return failed
        except _BadDescriptor as exc:
            shell.diag(f"{exc.fd}: Bad file descriptor", io)
            return failed
    return out


def _message(shell: Shell, r: Redirect, exc: FileSystemError) -> str:
    target = exc.path
    if shell.dialect == "bash":
        return f"{target}: {exc.reason}"
    if r.op in ("<", "<>"):
        return f"cannot open {target}: No such file"
    parent = posixpath.dirname(normalize(target, shell.state.cwd))
    if exc.reason != "Is a directory" and not shell.ctx.fs.is_dir(parent):
        return f"cannot create {target}: Directory nonexistent"
    return f"cannot create {target}: {exc.reason}"


def _apply(shell: Shell, r: Redirect, out: Streams) -> None:
    op = r.op
    if op in ("<<", "<<-"):
        body = r.heredoc.body if r.heredoc is not None else None
        text = shell.expander.single(body)
        out.fds[0 if r.fd is None else r.fd] = InputStream(_encode(text))
        return
    target = shell.expander.single(r.target)
    if op == "<<<":
        out.fds[0 if r.fd is None else r.fd] = InputStream(_encode(target + "\n"))
    elif op in ("<", "<>"):
        fd = 0 if r.fd is None else r.fd
        if op == "<>" and not shell.ctx.fs.exists(target, shell.state.cwd):
            shell.ctx.fs.write(target, b"", shell.state.cwd)
        out.fds[fd] = InputStream(_read(shell, target, out))
    elif op in (">", ">|", ">>"):
        out.fds[1 if r.fd is None else r.fd] = _open(shell, target, op == ">>", out)
    elif op in ("&>", "&>>"):
        sink = _open(shell, target, op == "&>>", out)
        out.fds[1] = out.fds[2] = sink
    else:  # >& and <&
        fd = (1 if op == ">&" else 0) if r.fd is None else r.fd
        if target == "-":
            out.fds.pop(fd, None)
        elif target.isdigit():
            source = out.fds.get(int(target))
            if source is None:
                raise _BadDescriptor(target)
            out.fds[fd] = source
        elif op == ">&" and r.fd is None:
            sink = _open(shell, target, False, out)
            out.fds[1] = out.fds[2] = sink
        else:
            raise _BadDescriptor(target)


def _special(shell: Shell, target: str, io: Streams) -> InputStream | Sink | None:
    path = normalize(target, shell.state.cwd)
    for prefix in ("/dev/fd/", "/proc/self/fd/"):
        if path.startswith(prefix) and path[len(prefix) :].isdigit():
            number = int(path[len(prefix) :])
            return io.fds.get(number) or NullSink()
    names = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
    if path in names:
        return io.fds.get(names[path]) or NullSink()
    return None


def _open(shell: Shell, target: str, append: bool, io: Streams) -> Sink:
    special = _special(shell, target, io)
    if special is not None:
        return special if not isinstance(special, InputStream) else NullSink()
    path = normalize(target, shell.state.cwd)
    try:
        return shell.ctx.open_output(path, append=append)
    except FileSystemError as exc:
        raise FileSystemError(target, exc.reason) from None


def _read(shell: Shell, target: str, io: Streams) -> bytes:
    special = _special(shell, target, io)
    if isinstance(special, InputStream):
        return special.read()
    if special is not None:
        return b""
    try:
        return shell.ctx.read_file(normalize(target, shell.state.cwd))
    except FileSystemError as exc:
        raise FileSystemError(target, exc.reason) from None


class _BadDescriptor(Exception):
    def __init__(self, fd: str) -> None:
        super().__init__(fd)
        self.fd = fd


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
