"""Programs that run inside containers: the registry, and what a running program sees.

A program is a function `(ExecContext) -> exit code`. It reads `ctx.stdin`, writes bytes to
`ctx.stdout` / `ctx.stderr`, and reaches the container's files, environment, pod and cluster
through the context. `ProgramRegistry` maps names to programs, optionally only for images
matching a pattern (`registry.register("istioctl", fn, images=("*istio/istioctl*",))`),
tried against the image as written and its normalised full reference.

Standard input is an `InputStream`: all at once for a plain exec, or live (fed by the
client while the program runs) for `kubectl exec -i`; `ctx.input.read_some()` streams it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import posixpath
import threading
import time
from collections import deque
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
    """A program's stdin: bytes consumed as they are read, possibly still arriving.

    `InputStream(data)` holds all its bytes and is closed (a file, a pipe whose writer is
    done). `InputStream.live()` is fed from another thread (`feed`, `end_of_file`, `close`):
    readers block until there is something to read, as on a pipe or a terminal. A terminal's
    Ctrl-D is `end_of_file()`: the next read ends there (once), later reads go on. Waiting
    readers give up when the attached budget runs out, is cancelled or interrupted
    (`interrupt()`, Ctrl-C on a terminal). Thread-safe.
    """

    def __init__(self, data: bytes = b"", *, closed: bool = True) -> None:
        self._cond = threading.Condition()
        # Segments end at an end-of-file mark; the last one is still open.
        self._segments: deque[bytearray] = deque([bytearray(data)])
        self._closed = closed
        self.live = not closed
        self.tty = False
        self.budget: Budget | None = None
        self.interrupted = threading.Event()

    @classmethod
    def live_stream(cls) -> InputStream:
        """An open stream that is fed while programs read it."""
        return cls(closed=False)

    # the writer's side ---------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        if not data:
            return
        with self._cond:
            if not self._closed:
                self._segments[-1].extend(data)
                self._cond.notify_all()

    def end_of_file(self) -> None:
        """A one-time end of file (Ctrl-D on a terminal): the reader sees EOF once."""
        with self._cond:
            if not self._closed:
                self._segments.append(bytearray())
                self._cond.notify_all()

    def close(self) -> None:
        """No more input, ever."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def interrupt(self) -> None:
        """Ctrl-C: the running program (or a read waiting for input) is interrupted, and
        input not read yet is dropped (as a terminal flushes its queue on SIGINT)."""
        with self._cond:
            self.interrupted.set()
            self._segments = deque([bytearray()])
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    # the reader's side ---------------------------------------------------------------------

    def _wait(self, ready: Callable[[], bool]) -> None:
        """Block (holding the lock) until `ready()`, the end of input, or the budget ends."""
        while not (ready() or len(self._segments) > 1 or self._closed):
            budget = self.budget
            if budget is not None:
                budget.check()
                self._cond.wait(min(0.1, max(budget.remaining(), 0.001)))
            else:
                if self.interrupted.is_set():
                    raise ExecInterrupted()
                self._cond.wait(0.1)

    def _take(self, end: int | None = None) -> bytes:
        head = self._segments[0]
        if end is None or end >= len(head):
            out = bytes(head)
            head.clear()
            if len(self._segments) > 1:
                self._segments.popleft()  # the end-of-file mark is consumed with the data
            return out
        out = bytes(head[:end])
        del head[:end]
        return out

    def read(self) -> bytes:
        """Everything up to the end of input (blocks until then)."""
        with self._cond:
            self._wait(lambda: False)
            return self._take()

    def readline(self) -> bytes:
        """The next line with its newline; at the end of input what is left (b"" if none)."""
        with self._cond:
            self._wait(lambda: b"\n" in self._segments[0])
            end = self._segments[0].find(b"\n")
            return self._take(None if end < 0 else end + 1)

    def read_some(self) -> bytes:
        """What has arrived (blocks until something has); b"" at the end of input."""
        with self._cond:
            self._wait(lambda: bool(self._segments[0]))
            head = self._segments[0]
            if head:
                out = bytes(head)
                head.clear()
                return out
            if len(self._segments) > 1:
                self._segments.popleft()
            return b""


@dataclass(frozen=True)
class ExecResult:
    """What an exec produced: both streams and the exit code."""

    stdout: bytes
    stderr: bytes
    exit_code: int


class ExecTimeout(Exception):
    """The exec ran past its time budget or was cancelled (the client went away)."""


class ExecInterrupted(ExecTimeout):
    """Ctrl-C on the exec's terminal (SIGINT): the running program stops (exit code 130)."""


class ProgramNotFound(Exception):
    """No program of that name in the container's image."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Budget:
    """The time an exec may still take; `sleep` waits on it so a cancel ends it early.

    `interrupt` is set by Ctrl-C on the exec's terminal: `check` and `sleep` then raise
    ExecInterrupted (whoever handles it clears the event). `restart` gives a fresh budget
    (each command of an interactive shell gets its own).

    `virtual` counts the simulated seconds programs of this exec have spent (`pass_time`):
    a simulated request that takes 5 s may be waited for scaled down (or not at all in tests),
    and `time` reports the simulated duration.
    """

    def __init__(
        self,
        seconds: float = MAX_EXEC_SECONDS,
        cancel: threading.Event | None = None,
        interrupt: threading.Event | None = None,
    ):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.cancel = cancel or threading.Event()
        self.interrupt = interrupt or threading.Event()
        self.virtual = 0.0
        self.waited = 0.0

    def pass_time(self, seconds: float, waited: float = 0.0) -> None:
        """Record `seconds` of simulated time, of which the caller waited `waited` for real."""
        self.virtual += max(seconds, 0.0)
        self.waited += max(waited, 0.0)

    def elapsed_since(self, mark: tuple[float, float, float]) -> float:
        """Seconds since `mark` (from `mark()`) as a program in a real cluster would have
        spent them: wall time, with simulated durations in place of their scaled waits."""
        start, virtual, waited = mark
        wall = time.monotonic() - start
        return max(wall - (self.waited - waited), 0.0) + (self.virtual - virtual)

    def mark(self) -> tuple[float, float, float]:
        return (time.monotonic(), self.virtual, self.waited)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def restart(self, seconds: float | None = None) -> None:
        """From now on, `seconds` (default: the budget's own limit)."""
        self.deadline = time.monotonic() + (self.seconds if seconds is None else seconds)

    def check(self) -> None:
        if self.cancel.is_set() or self.remaining() <= 0:
            raise ExecTimeout()
        if self.interrupt.is_set():
            raise ExecInterrupted()

    def sleep(self, seconds: float) -> None:
        self.check()
        end = time.monotonic() + max(seconds, 0.0)
        while True:
            wait = min(end - time.monotonic(), self.remaining(), 0.05)
            if wait <= 0:
                break
            if self.cancel.wait(wait):
                raise ExecTimeout()
            if self.interrupt.is_set():
                raise ExecInterrupted()
        self.check()
        if time.monotonic() < end:
            raise ExecTimeout()


@dataclass(frozen=True)
class Registration:
    program: Program
    images: tuple[str, ...]

    def matches(self, image: str) -> bool:
        if not self.images:
            return True
        forms = {image, normalize_image(image)} if image else {image}
        return any(fnmatch.fnmatchcase(form, p) for form in forms for p in self.images)


def normalize_image(image: str) -> str:
    """The full reference the kubelet pulls: `busybox` -> `docker.io/library/busybox:latest`,
    `istio/proxyv2:1.26.0` -> `docker.io/istio/proxyv2:1.26.0` (a first component with a dot
    or a port, or `localhost`, is a registry; `index.docker.io` is `docker.io`)."""
    ref = image.strip()
    if not ref:
        return ref
    name, at, digest = ref.partition("@")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        domain, path = first, rest
    else:
        domain, path = "docker.io", name
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in path:
        path = f"library/{path}"
    last = path.rsplit("/", 1)[-1]
    if ":" not in last and not at:
        path += ":latest"
    return f"{domain}/{path}{at}{digest}"


class ProgramRegistry:
    """Programs by name. The latest registration whose image patterns match wins."""

    def __init__(self) -> None:
        self._by_name: dict[str, list[Registration]] = {}

    def register(self, name: str, program: Program, *, images: Sequence[str] = ()) -> None:
        """Make `program` runnable as `name`; with `images` (fnmatch patterns) only in
        containers whose image matches one. A pattern is tried against the image as the pod
        spec writes it and against its full reference (`normalize_image`), so
        `"docker.io/istio/proxyv2:*"` matches both `istio/proxyv2:1.26.0` and
        `docker.io/istio/proxyv2:1.26.0`, and `"*/library/busybox:latest"` matches `busybox`."""
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

    def spend(self, seconds: float, scale: float = 1.0) -> None:
        """Let `seconds` of simulated time pass: wait `seconds * scale` for real (0: not at
        all) and count the simulated seconds for `time`."""
        waited = seconds * scale if scale > 0 and seconds > 0 else 0.0
        if waited:
            self.budget.sleep(waited)
        self.budget.pass_time(seconds, waited)

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
