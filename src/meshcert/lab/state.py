"""Where a lab's files live and how they are written (atomically, private to the user).

`MESHCERT_HOME` (default `~/.meshcert`) holds `labs/<lab-id>/` with the journal, the snapshot,
the serving certificate and key, the token, the pid and port of the serving process, the
scenario name, the kubeconfig path and the server log. A lock file is held by the process that
serves the lab, so "is it running?" is "is the lock taken?" (immune to pid reuse and reboots).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import LabStateError

DEFAULT_LAB_ID = "default"
_LAB_ID = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def meshcert_home() -> Path:
    """`$MESHCERT_HOME`, or `~/.meshcert`."""
    configured = os.environ.get("MESHCERT_HOME")
    return Path(configured).expanduser() if configured else Path.home() / ".meshcert"


def default_kubeconfig(home: Path | None = None) -> Path:
    """The kubeconfig `meshcert lab up` writes when none is named."""
    return (home or meshcert_home()) / "kubeconfig"


def check_lab_id(lab_id: str) -> str:
    """A lab id names a directory and a URL path segment: a DNS label."""
    if not _LAB_ID.match(lab_id):
        raise LabStateError(
            f"invalid lab id {lab_id!r}: use lower case letters, digits and '-' (at most 63)"
        )
    return lab_id


def lab_id_for_kubeconfig(kubeconfig: Path, home: Path | None = None) -> str:
    """The lab that `meshcert lab` commands with this kubeconfig address (one per file)."""
    resolved = kubeconfig.expanduser().resolve()
    if resolved == default_kubeconfig(home).expanduser().resolve():
        return DEFAULT_LAB_ID
    return "kc-" + hashlib.sha256(str(resolved).encode()).hexdigest()[:12]


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `data` to `path` so that a crash leaves either the old or the new file whole."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class LabFiles:
    """The files of one lab, under `<home>/labs/<lab_id>/`."""

    home: Path
    lab_id: str

    @classmethod
    def of(cls, lab_id: str, home: Path | None = None) -> LabFiles:
        return cls((home or meshcert_home()).expanduser(), check_lab_id(lab_id))

    @property
    def dir(self) -> Path:
        return self.home / "labs" / self.lab_id

    @property
    def journal(self) -> Path:
        return self.dir / "journal.jsonl"

    @property
    def snapshot(self) -> Path:
        return self.dir / "snapshot.json"

    @property
    def cert(self) -> Path:
        return self.dir / "cert.pem"

    @property
    def key(self) -> Path:
        return self.dir / "key.pem"

    @property
    def token(self) -> Path:
        return self.dir / "token"

    @property
    def pid(self) -> Path:
        return self.dir / "pid"

    @property
    def port(self) -> Path:
        return self.dir / "port"

    @property
    def scenario(self) -> Path:
        return self.dir / "scenario"

    @property
    def kubeconfig(self) -> Path:
        return self.dir / "kubeconfig"

    @property
    def lock(self) -> Path:
        return self.dir / "lock"

    @property
    def log(self) -> Path:
        return self.dir / "server.log"

    def exists(self) -> bool:
        """Whether a lab (running or stopped) has state here."""
        return self.token.exists()

    def make(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    def read(self, path: Path) -> str:
        try:
            return path.read_text().strip()
        except OSError as exc:
            raise LabStateError(f"cannot read {path}: {exc.strerror}") from exc

    def read_int(self, path: Path) -> int | None:
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError):
            return None

    def write(self, path: Path, text: str | bytes) -> None:
        write_atomic(path, text.encode() if isinstance(text, str) else text)

    def remove(self) -> None:
        """Delete every file of the lab."""
        shutil.rmtree(self.dir, ignore_errors=True)

    def discard_state(self) -> None:
        """Delete the lab's state but keep its server log (why a start failed)."""
        if not self.dir.is_dir():
            return
        for path in self.dir.iterdir():
            if path != self.log and path.is_file():
                path.unlink(missing_ok=True)

    def take_lock(self) -> IO[bytes] | None:
        """Take the serving lock; None when another process holds it. Keep the handle open."""
        self.make()
        handle = self.lock.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle

    def running(self) -> bool:
        """Whether a live process serves this lab (holds its lock)."""
        if not self.lock.exists():
            return False
        try:
            handle = self.lock.open("ab")
        except OSError:
            return False
        with handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            with contextlib.suppress(OSError):
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False


__all__ = [
    "DEFAULT_LAB_ID",
    "LabFiles",
    "check_lab_id",
    "default_kubeconfig",
    "fsync_dir",
    "lab_id_for_kubeconfig",
    "meshcert_home",
    "write_atomic",
]
