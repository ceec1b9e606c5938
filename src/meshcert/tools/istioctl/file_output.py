"""Where istioctl writes files it creates (`bug-report.tar.gz`): set by whoever runs the program,
as analyze's `DIRECTORIES` is for reading directories.

- In a pod (`kubectl exec ... istioctl bug-report`): the container's file system, relative paths
  from the working directory.
- From the candidate's machine (`meshcert istioctl`, run by the lab on a throw-away file system
  at the client's working directory): the same file system; the lab sends the files written
  there back to the client, which saves them (`meshcert.kube.execution.workstation`).
- `run_istioctl`: the `files` mapping the caller passed, keyed by absolute path (cwd `/`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from meshcert.kube.execution import ExecContext
from meshcert.kube.execution.filesystem import FileSystemError


@dataclass(frozen=True)
class FileOutput:
    """The working directory paths are relative to, and how to write one file (absolute path);
    `write` raises FileSystemError when the file cannot be written."""

    cwd: str
    write: Callable[[str, bytes], None]

    def absolute(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.cwd, path))


def _refuse(path: str, data: bytes) -> None:
    raise FileSystemError(path, "Read-only file system")


OUTPUT: ContextVar[FileOutput | None] = ContextVar("ISTIOCTL_OUTPUT", default=None)


def current_output() -> FileOutput:
    """Where this run writes files; a run that set nothing cannot write."""
    return OUTPUT.get() or FileOutput("/", _refuse)


def pod_output(ctx: ExecContext) -> FileOutput:
    """Files go to the container's (or the workstation run's) file system."""

    def write(path: str, data: bytes) -> None:
        ctx.fs.mkdir(posixpath.dirname(path) or "/", parents=True)
        ctx.fs.write(path, data)

    return FileOutput(ctx.cwd or "/", write)


def mapping_output(*targets: dict[str, bytes]) -> FileOutput:
    """Files go into each of `targets` (path -> bytes), e.g. `run_istioctl`'s `files`."""

    def write(path: str, data: bytes) -> None:
        for target in targets:
            target[path] = data

    return FileOutput("/", write)


__all__ = ["OUTPUT", "FileOutput", "current_output", "mapping_output", "pod_output"]
