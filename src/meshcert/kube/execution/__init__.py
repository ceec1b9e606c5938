"""Processes inside containers: what `kubectl exec` runs.

Owns the program registry (`ProgramRegistry`, `ExecContext`), `run_exec`, the per-container
in-memory file systems, a small POSIX shell (`sh`/`bash`, also interactive: `shell_session`),
the terminal line discipline of `kubectl exec -t` (`Terminal`) and the coreutils. Part of the
kube core: synchronous, no real I/O (files and processes are simulated; a live stdin is fed
by the caller), knows nothing about Istio. Other parts add programs
(`cluster.programs.register("curl", fn)`).
"""

from __future__ import annotations

from .filesystem import FileSystem, FileSystemError, FileSystems
from .programs import (
    ExecContext,
    ExecInterrupted,
    ExecResult,
    ExecTimeout,
    InputStream,
    Program,
    ProgramNotFound,
    ProgramRegistry,
    Sink,
    normalize_image,
)
from .running import not_found_message, run_exec
from .shipped import shipped_programs
from .terminal import Terminal

__all__ = [
    "ExecContext",
    "ExecInterrupted",
    "ExecResult",
    "ExecTimeout",
    "FileSystem",
    "FileSystemError",
    "FileSystems",
    "InputStream",
    "Program",
    "ProgramNotFound",
    "ProgramRegistry",
    "Sink",
    "Terminal",
    "normalize_image",
    "not_found_message",
    "run_exec",
    "shipped_programs",
]
