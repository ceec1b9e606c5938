"""In-memory file systems, one per container: what `echo x > /tmp/f` writes and `cat` reads back.

A `FileSystem` is a tree of directories and byte files with a capacity (8 MiB by default, then
"No space left on device"). `FileSystems` keeps one per (namespace, pod uid, container) for as
long as the pod exists: it forgets a pod's files when the store reports the pod deleted.
"""

from __future__ import annotations

import posixpath
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import Store, WatchEvent

CAPACITY = 8 * 1024 * 1024

NO_SUCH_FILE = "No such file or directory"
IS_A_DIRECTORY = "Is a directory"
NOT_A_DIRECTORY = "Not a directory"
FILE_EXISTS = "File exists"
NOT_EMPTY = "Directory not empty"
NO_SPACE = "No space left on device"


class FileSystemError(Exception):
    """A failed file operation, worded like the C library's strerror (`reason`)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def normalize(path: str, cwd: str = "/") -> str:
    """The absolute, normalized form of `path` (relative paths start at `cwd`)."""
    joined = posixpath.join(cwd or "/", path)
    out = posixpath.normpath(joined)
    if out.startswith("//"):
        out = "/" + out.lstrip("/")
    return out


class FileSystem:
    """Directories and files of one container. Thread-safe; paths are absolute or cwd-relative."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self.lock = threading.RLock()
        self._files: dict[str, bytearray] = {}
        self._dirs: set[str] = {"/"}
        self._used = 0

    @property
    def used(self) -> int:
        return self._used

    # queries ---------------------------------------------------------------------------------

    def exists(self, path: str, cwd: str = "/") -> bool:
        p = normalize(path, cwd)
        with self.lock:
            return p in self._files or p in self._dirs

    def is_dir(self, path: str, cwd: str = "/") -> bool:
        with self.lock:
            return normalize(path, cwd) in self._dirs

    def is_file(self, path: str, cwd: str = "/") -> bool:
        with self.lock:
            return normalize(path, cwd) in self._files

    def size(self, path: str, cwd: str = "/") -> int:
        p = normalize(path, cwd)
        with self.lock:
            if p in self._files:
                return len(self._files[p])
            if p in self._dirs:
                return 4096
        raise FileSystemError(path, NO_SUCH_FILE)

    def listdir(self, path: str = "/", cwd: str = "/") -> list[str]:
        """Names in a directory, sorted."""
        p = normalize(path, cwd)
        with self.lock:
            if p in self._files:
                raise FileSystemError(path, NOT_A_DIRECTORY)
            if p not in self._dirs:
                raise FileSystemError(path, NO_SUCH_FILE)
            prefix = p if p.endswith("/") else p + "/"
            names = {
                entry[len(prefix) :]
                for entry in (*self._files, *self._dirs)
                if entry.startswith(prefix) and entry != p and "/" not in entry[len(prefix) :]
            }
        return sorted(names)

    def read(self, path: str, cwd: str = "/") -> bytes:
        p = normalize(path, cwd)
        with self.lock:
            if p in self._dirs:
                raise FileSystemError(path, IS_A_DIRECTORY)
            data = self._files.get(p)
            if data is None:
                self._check_parent(path, p)
                raise FileSystemError(path, NO_SUCH_FILE)
            return bytes(data)

    # changes ---------------------------------------------------------------------------------

    def write(self, path: str, data: bytes, cwd: str = "/", *, append: bool = False) -> None:
        """Create or replace (or extend, with `append`) a file; its directory must exist."""
        p = normalize(path, cwd)
        with self.lock:
            if p in self._dirs:
                raise FileSystemError(path, IS_A_DIRECTORY)
            self._check_parent(path, p)
            current = self._files.get(p)
            old = len(current) if current is not None and not append else 0
            if self._used - old + len(data) > self.capacity:
                raise FileSystemError(path, NO_SPACE)
            if current is None:
                self._files[p] = bytearray(data)
            elif append:
                current.extend(data)
            else:
                current[:] = data
            self._used += len(data) - old

    def append(self, path: str, data: bytes, cwd: str = "/") -> None:
        self.write(path, data, cwd, append=True)

    def mkdir(
        self, path: str, cwd: str = "/", *, parents: bool = False, exist_ok: bool = False
    ) -> None:
        p = normalize(path, cwd)
        with self.lock:
            if p in self._files:
                raise FileSystemError(path, FILE_EXISTS)
            if p in self._dirs:
                if exist_ok or parents:
                    return
                raise FileSystemError(path, FILE_EXISTS)
            parent = posixpath.dirname(p)
            if parent not in self._dirs:
                if not parents:
                    self._check_parent(path, p)
                self.mkdir(parent, parents=True)
            self._dirs.add(p)

    def remove(self, path: str, cwd: str = "/", *, recursive: bool = False) -> None:
        """Delete a file, an empty directory, or (with `recursive`) a directory tree."""
        p = normalize(path, cwd)
        with self.lock:
            if p in self._files:
                self._used -= len(self._files.pop(p))
                return
            if p not in self._dirs:
                raise FileSystemError(path, NO_SUCH_FILE)
            prefix = p.rstrip("/") + "/"
            inside = [f for f in self._files if f.startswith(prefix)]
            subdirs = [d for d in self._dirs if d.startswith(prefix)]
            if not recursive:
                raise FileSystemError(path, IS_A_DIRECTORY)
            for f in inside:
                self._used -= len(self._files.pop(f))
            self._dirs.difference_update(subdirs)
            if p != "/":
                self._dirs.discard(p)

    def rmdir(self, path: str, cwd: str = "/") -> None:
        p = normalize(path, cwd)
        with self.lock:
            if p in self._files:
                raise FileSystemError(path, NOT_A_DIRECTORY)
            if p not in self._dirs:
                raise FileSystemError(path, NO_SUCH_FILE)
            if self.listdir(p):
                raise FileSystemError(path, NOT_EMPTY)
            if p != "/":
                self._dirs.discard(p)

    def _check_parent(self, shown: str, p: str) -> None:
        parent = posixpath.dirname(p)
        while parent not in self._dirs:
            if parent in self._files:
                raise FileSystemError(shown, NOT_A_DIRECTORY)
            parent = posixpath.dirname(parent)
        if posixpath.dirname(p) not in self._dirs:
            raise FileSystemError(shown, NO_SUCH_FILE)


Seeder = Callable[[FileSystem], None]


class FileSystems:
    """The file system of every container, by (namespace, pod uid, container)."""

    def __init__(self, store: Store | None = None, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._systems: dict[tuple[str, str, str], FileSystem] = {}
        if store is not None:
            store.subscribe(self._on_event)

    def get(self, namespace: str, pod_uid: str, container: str) -> FileSystem | None:
        with self._lock:
            return self._systems.get((namespace, pod_uid, container))

    def open(
        self, namespace: str, pod_uid: str, container: str, seed: Seeder | None = None
    ) -> FileSystem:
        """The container's file system, created (and filled by `seed`) on first use."""
        key = (namespace, pod_uid, container)
        with self._lock:
            fs = self._systems.get(key)
            if fs is None:
                fs = FileSystem(self.capacity)
                if seed is not None:
                    seed(fs)
                self._systems[key] = fs
            return fs

    def forget(self, pod_uid: str) -> None:
        """Drop the files of every container of a pod (the pod is gone)."""
        with self._lock:
            for key in [k for k in self._systems if k[1] == pod_uid]:
                del self._systems[key]

    def _on_event(self, event: WatchEvent) -> None:
        if event.type == "DELETED" and event.kind.key == ("", "pods"):
            uid = event.object["metadata"].get("uid")
            if uid:
                self.forget(str(uid))
