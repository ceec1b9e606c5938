"""Processes inside containers: what `kubectl exec` runs.

Owns the program registry (`ProgramRegistry`, `ExecContext`), `run_exec`, the per-container
in-memory file systems, a small POSIX shell (`sh`/`bash`) and the coreutils. Part of the kube
core: synchronous, no real I/O (files and processes are simulated), knows nothing about Istio.
Other parts add programs (`cluster.programs.register("curl", fn)`).
"""

from __future__ import annotations

from .filesystem import FileSystem, FileSystemError, FileSystems
from .programs import (
    ExecContext,
    ExecResult,
    ExecTimeout,
    InputStream,
    Program,
    ProgramNotFound,
    ProgramRegistry,
    Sink,
)
from .running import not_found_message, run_exec
from .shipped import shipped_programs

__all__ = [
    "ExecContext",
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
    "not_found_message",
    "run_exec",
    "shipped_programs",
]
