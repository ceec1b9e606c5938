"""Starting a lab's server in the background, finding it again and stopping it.

Light on purpose (standard library only until a kubeconfig is edited): the `meshcert` command
imports this to spawn `python -m meshcert.lab.hosting` and waits on a pipe for its one line of
news, so `meshcert lab up --detach` returns as soon as the API answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import LabError, LabRunning, LabStateError, NoLab
from .state import LabFiles

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class ServeOptions:
    """What `meshcert lab up` asked for."""

    home: Path
    lab_id: str
    kubeconfig: Path
    scenario: str = "base"
    port: int | None = None  # None: any free port (fresh), the saved one if free (resume)
    resume: bool = False

    def argv(self) -> list[str]:
        args = ["--home", str(self.home), "--lab-id", self.lab_id]
        args += ["--kubeconfig", str(self.kubeconfig), "--scenario", self.scenario]
        if self.port is not None:
            args += ["--port", str(self.port)]
        if self.resume:
            args.append("--resume")
        return args


@dataclass(frozen=True)
class Ready:
    """A lab that answers: where, for whom, and which process serves it."""

    lab_id: str
    server: str
    port: int
    kubeconfig: str
    state_dir: str
    scenario: str
    pid: int
    resumed: bool

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Ready:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class LabStatus:
    """What the files of a lab say about it."""

    files: LabFiles
    running: bool
    pid: int | None
    port: int | None

    @property
    def server(self) -> str | None:
        return f"https://127.0.0.1:{self.port}" if self.port else None


def status(files: LabFiles) -> LabStatus:
    running = files.running()
    return LabStatus(
        files,
        running,
        files.read_int(files.pid) if running else None,
        files.read_int(files.port),
    )


def preflight(options: ServeOptions) -> LabFiles:
    """Refuse early what the server would refuse: a lab already running, state in the way."""
    from .scenarios import check_reference

    files = LabFiles.of(options.lab_id, options.home)
    current = status(files)
    if current.running:
        where = f" at {current.server}" if current.server else ""
        raise LabRunning(
            f"a lab is already running for {options.kubeconfig}{where} (pid {current.pid}); "
            "stop it with `meshcert lab down`"
        )
    if options.resume:
        if not files.exists():
            raise NoLab(
                f"there is no lab to resume for {options.kubeconfig} (nothing in {files.dir}); "
                "start one with `meshcert lab up`"
            )
    elif files.exists():
        raise LabStateError(
            f"a stopped lab for {options.kubeconfig} left its state in {files.dir}: "
            "resume it with `meshcert lab up --resume`, or discard it with `meshcert lab down`"
        )
    else:
        check_reference(options.scenario)
    return files


@dataclass
class Launch:
    """A lab server spawned in its own session, not yet known to answer."""

    options: ServeOptions
    files: LabFiles
    child: subprocess.Popen[bytes]
    news_fd: int

    def wait(self, timeout: float = START_TIMEOUT) -> Ready:
        """Block until the server answers (its `Ready`), or raise `LabError` saying why not."""
        try:
            news = _read_news(self.news_fd, timeout)
        except KeyboardInterrupt:
            self.abort()  # the user gave up waiting: leave no half-started lab behind
            raise
        finally:
            self._close()
        if news.startswith("ready "):
            return Ready.from_json(news[len("ready ") :])
        if news.startswith("error "):
            code, _, message = news[len("error ") :].partition(" ")
            error = LabError(message.strip())
            error.exit_code = int(code) if code.isdigit() else 1
            raise error
        if self.child.poll() is None:
            self.abort()
            raise LabError(
                f"the lab server did not answer within {timeout:.0f} s; see {self.files.log}"
            )
        raise LabError(
            f"the lab server exited with code {self.child.wait()} before it answered; "
            f"see {self.files.log}:\n{_tail(self.files.log)}"
        )

    def abort(self) -> None:
        """Kill the server before it was ever used; a fresh lab's files go with it."""
        self._close()
        if self.child.poll() is None:
            self.child.kill()
        self.child.wait()
        if not self.options.resume:
            self.files.remove()

    def _close(self) -> None:
        if self.news_fd >= 0:
            os.close(self.news_fd)
            self.news_fd = -1


def spawn(options: ServeOptions) -> Launch:
    """Check, then start `python -m meshcert.lab.hosting` in the background (no waiting)."""
    files = preflight(options)
    files.make()
    read_fd, write_fd = os.pipe()
    command = [sys.executable, "-m", "meshcert.lab.hosting", *options.argv()]
    try:
        with files.log.open("ab") as log:
            child = subprocess.Popen(
                [*command, "--ready-fd", str(write_fd)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=(write_fd,),
                start_new_session=True,
            )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    return Launch(options, files, child, read_fd)


def start_detached(options: ServeOptions, timeout: float = START_TIMEOUT) -> Ready:
    """Spawn the lab server in its own session and return once its API answers."""
    return spawn(options).wait(timeout)


def _read_news(fd: int, timeout: float) -> str:
    """Everything the child writes to the pipe until it closes it (or the time is up)."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace").strip()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(files: LabFiles, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the process serving the lab (SIGTERM, then SIGKILL); whether one was running."""
    current = status(files)
    if not current.running:
        return False
    if current.pid is None:
        raise LabStateError(f"a process serves the lab but {files.pid} does not say which")
    for signum in (signal.SIGTERM, signal.SIGKILL):
        _signal(current.pid, signum)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not files.running():
                return True
            time.sleep(0.02)
    raise LabStateError(f"the lab server (pid {current.pid}) does not stop")


def _signal(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def down(files: LabFiles, kubeconfig: Path) -> bool:
    """Stop the lab, remove its kubeconfig entries and delete its files; whether any existed."""
    from . import kubeconfig as kubeconfigs

    existed = files.exists() or files.running()
    stop(files)
    removed = kubeconfigs.remove_entry(kubeconfig) if existed else False
    files.remove()
    return existed or removed


__all__ = [
    "LabStatus",
    "Launch",
    "Ready",
    "ServeOptions",
    "down",
    "preflight",
    "spawn",
    "start_detached",
    "status",
    "stop",
]
