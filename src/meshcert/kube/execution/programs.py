"""Programs that run inside containers: the registry, and what a running program sees.

A program is a function `(ExecContext) -> exit code`. It reads `ctx.stdin`, writes bytes to
`ctx.stdout` / `ctx.stderr`, and reaches the container's files, environment, pod and cluster
through the context. `ProgramRegistry` maps names to programs, optionally only for images
matching a pattern (`registry.register("istioctl", fn, images=("*istio/istioctl*",))`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import posixpath
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .filesystem import FileSystem, FileSystemError, normalize

if TYPE_CHECKING:
    from ..cluster import Cluster

Obj = dict[str, Any]
Program = Callable[["ExecContext"], int]

# Directories a bare program name may be exec'd from by absolute path.
BIN_DIRS = frozenset(
    {"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}
)
MAX_EXEC_SECONDS = 300.0


class Sink(Protocol):
    """Where a program's output goes."""

    def write(self, data: bytes) -> None: ...


class BufferSink:
    """Collects output in memory."""

    def __init__(self) -> None:
        self._data = bytearray()

    def write(self, data: bytes) -> None:
        self._data.extend(data)

    def getvalue(self) -> bytes:
        return bytes(self._data)


class NullSink:
    """`/dev/null`."""

    def write(self, data: bytes) -> None:
        return None


class FileSink:
    """Appends to a file of the container's file system (the file is created on open)."""

    def __init__(self, fs: FileSystem, path: str, *, append: bool = False) -> None:
        self.fs = fs
        self.path = path
        fs.write(path, b"", append=append)

    def write(self, data: bytes) -> None:
        self.fs.append(self.path, data)


class LogSink:
    """The container's log (what `/proc/1/fd/1` leads to): one log line per output line."""

    def __init__(self, ctx: ExecContext) -> None:
        self._ctx = ctx
        self._partial = b""

    def write(self, data: bytes) -> None:
        *lines, self._partial = (self._partial + data).split(b"\n")
        for line in lines:
            self._ctx.log(line.decode("utf-8", "replace"))


class InputStream:
    """A program's stdin: bytes that are consumed as they are read."""

    def __init__(self, data: bytes = b"") -> None:
        self._data = data
        self._pos = 0

    def read(self) -> bytes:
        """Everything not read yet."""
        out = self._data[self._pos :]
        self._pos = len(self._data)
        return out

    def readline(self) -> bytes:
        """The next line with its newline (b"" at the end)."""
        end = self._data.find(b"\n", self._pos)
        end = len(self._data) if end < 0 else end + 1
        out = self._data[self._pos : end]
        self._pos = end
        return out


@dataclass(frozen=True)
class ExecResult:
    """What an exec produced: both streams and the exit code."""

    stdout: bytes
    stderr: bytes
    exit_code: int


class ExecTimeout(Exception):
    """The exec ran past its time budget or was cancelled (the client went away)."""


class ProgramNotFound(Exception):
    """No program of that name in the container's image."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Budget:
    """The time an exec may still take; `sleep` waits on it so a cancel ends it early."""

    def __init__(self, seconds: float = MAX_EXEC_SECONDS, cancel: threading.Event | None = None):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.cancel = cancel or threading.Event()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check(self) -> None:
        if self.cancel.is_set() or self.remaining() <= 0:
            raise ExecTimeout()

    def sleep(self, seconds: float) -> None:
        self.check()
        wait = min(max(seconds, 0.0), self.remaining())
        if self.cancel.wait(wait) or seconds > wait:
            raise ExecTimeout()


@dataclass(frozen=True)
class Registration:
    program: Program
    images: tuple[str, ...]

    def matches(self, image: str) -> bool:
        return not self.images or any(fnmatch.fnmatchcase(image, p) for p in self.images)


class ProgramRegistry:
    """Programs by name. The latest registration whose image patterns match wins."""

    def __init__(self) -> None:
        self._by_name: dict[str, list[Registration]] = {}

    def register(self, name: str, program: Program, *, images: Sequence[str] = ()) -> None:
        """Make `program` runnable as `name`; with `images` (fnmatch patterns over the full
        image reference, e.g. `"docker.io/istio/proxyv2:*"`) only in matching containers."""
        self._by_name.setdefault(name, []).append(Registration(program, tuple(images)))

    def lookup(self, name: str, image: str = "") -> Program | None:
        for reg in reversed(self._by_name.get(name, ())):
            if reg.matches(image):
                return reg.program
        return None

    def names(self, image: str = "") -> list[str]:
        return sorted(n for n in self._by_name if self.lookup(n, image) is not None)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._by_name

    def copy(self) -> ProgramRegistry:
        out = ProgramRegistry()
        out._by_name = {k: list(v) for k, v in self._by_name.items()}
        return out


def program_name(path: str) -> str | None:
    """The registry name for argv[0]: `curl`, `/usr/bin/curl` -> `curl`; other paths -> None."""
    if "/" not in path:
        return path
    directory, name = posixpath.split(posixpath.normpath(path))
    return name if directory in BIN_DIRS and name else None


@dataclass(eq=False)
class ExecContext:
    """Everything a program sees while it runs in a container.

    Programs run in a worker thread: hold `cluster.lock` while reading cluster objects.
    """

    argv: list[str]
    input: InputStream
    stdout: Sink
    stderr: Sink
    env: dict[str, str]
    cwd: str
    fs: FileSystem
    cluster: Cluster
    namespace: str
    pod: Obj
    container: str
    image: str
    registry: ProgramRegistry
    budget: Budget = field(default_factory=Budget)
    tty: bool = False

    @property
    def stdin(self) -> bytes:
        """All remaining standard input (reading consumes it)."""
        return self.input.read()

    @property
    def pod_name(self) -> str:
        return str(self.pod["metadata"]["name"])

    @property
    def program(self) -> str:
        """How the program was called, without its directory (for messages)."""
        return posixpath.basename(self.argv[0]) if self.argv else ""

    def out(self, text: str) -> None:
        self.stdout.write(text.encode("utf-8", "surrogateescape"))

    def err(self, text: str) -> None:
        self.stderr.write(text.encode("utf-8", "surrogateescape"))

    def log(self, line: str) -> None:
        """Append lines to this container's log (`kubectl logs`)."""
        self.cluster.logs.append(self.namespace, self.pod_name, self.container, line)

    def sleep(self, seconds: float) -> None:
        self.budget.sleep(seconds)

    def path(self, path: str) -> str:
        return normalize(path, self.cwd)

    def read_file(self, path: str) -> bytes:
        """A file's bytes, with `/dev/null` and `/dev/stdin`; FileSystemError when missing."""
        p = self.path(path)
        if p in ("/dev/null", "/dev/zero"):
            return b""
        if p in ("/dev/stdin", "/proc/self/fd/0", "/dev/fd/0"):
            return self.stdin
        return self.fs.read(p)

    def open_output(self, path: str, *, append: bool = False) -> Sink:
        """A sink writing to `path`; special files: /dev/null, /dev/stdout, /dev/stderr and
        /proc/1/fd/1|2 (the container's log)."""
        p = self.path(path)
        if p == "/dev/null":
            return NullSink()
        if p in ("/dev/stdout", "/proc/self/fd/1", "/dev/fd/1"):
            return self.stdout
        if p in ("/dev/stderr", "/proc/self/fd/2", "/dev/fd/2"):
            return self.stderr
        if p in ("/proc/1/fd/1", "/proc/1/fd/2"):
            return LogSink(self)
        return FileSink(self.fs, p, append=append)

    def find(self, name: str) -> Program | None:
        """The program `name` (or a path to it) would start, if the image has it."""
        key = program_name(name)
        return None if key is None else self.registry.lookup(key, self.image)

    def run(
        self,
        argv: list[str],
        *,
        stdin: InputStream | bytes | None = None,
        stdout: Sink | None = None,
        stderr: Sink | None = None,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> int:
        """Run another program in the same container; ProgramNotFound when there is none."""
        program = self.find(argv[0]) if argv else None
        if program is None:
            raise ProgramNotFound(argv[0] if argv else "")
        self.budget.check()
        if isinstance(stdin, bytes):
            stdin = InputStream(stdin)
        child = dataclasses.replace(
            self,
            argv=list(argv),
            input=self.input if stdin is None else stdin,
            stdout=self.stdout if stdout is None else stdout,
            stderr=self.stderr if stderr is None else stderr,
            env=dict(self.env if env is None else env),
            cwd=self.cwd if cwd is None else cwd,
        )
        try:
            code = program(child)
        except FileSystemError as exc:
            with contextlib.suppress(FileSystemError):
                child.err(f"{child.program}: write error: {exc.reason}\n")
            code = 1
        return code & 0xFF
