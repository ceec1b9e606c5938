"""Programs a candidate runs on their own machine against a lab (`istioctl`, `helm`): the lab
runs them for the workstation, outside any pod.

The client (`meshcert istioctl ...`, or the `istioctl` shim `meshcert lab env` puts on PATH)
sends argv, its working directory, the local files the command names and its stdin; the
program runs on a throw-away file system holding exactly those files, at the paths the client
has them, so `-f ./overlay.yaml` and `-f -` behave as on the candidate's machine. Which
programs may run this way is the cluster's `WORKSTATION_PROGRAMS` extension (a set of names,
registered by the parts that provide them); any other name is refused.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .filesystem import FileSystem, FileSystemError
from .programs import (
    MAX_EXEC_SECONDS,
    Budget,
    ExecContext,
    ExecResult,
    ExecTimeout,
    InputStream,
    ProgramNotFound,
)

if TYPE_CHECKING:
    from ..cluster import Cluster

WORKSTATION_PROGRAMS = "kube.workstation-programs"
WORKSTATION_IMAGE = "meshcert/workstation"
MAX_UPLOAD = 8 * 1024 * 1024  # bytes of files and stdin one run may bring
_POD = {"metadata": {"name": "workstation", "namespace": "", "uid": ""}, "spec": {}}


class _Buffer:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data.extend(data)


def allow(cluster: Cluster, name: str) -> None:
    """Let workstations run program `name` (registered in `cluster.programs`)."""
    allowed = cluster.extensions.setdefault(WORKSTATION_PROGRAMS, set())
    allowed.add(name)


def allowed(cluster: Cluster) -> frozenset[str]:
    return frozenset(cluster.extensions.get(WORKSTATION_PROGRAMS) or ())


def run_for_workstation(
    cluster: Cluster,
    argv: list[str],
    *,
    files: Mapping[str, bytes] | None = None,
    stdin: bytes = b"",
    cwd: str = "/",
    env: Mapping[str, str] | None = None,
    time_limit: float = MAX_EXEC_SECONDS,
    written: dict[str, bytes] | None = None,
) -> ExecResult:
    """Run `argv` (argv[0] one of the allowed programs) with `files` (absolute paths) present.
    `written` receives the files the program created or changed under `cwd` or under a
    directory its arguments name (`istioctl bug-report [--output-dir D]`'s archive), for the
    client to save.

    Raises ValueError for a program that is not allowed or uploads that are too large."""
    if not argv or argv[0] not in allowed(cluster):
        raise ValueError(f"{argv[0] if argv else '(none)'!r} cannot run from a workstation")
    files = dict(files or {})
    if sum(len(v) for v in files.values()) + len(stdin) > MAX_UPLOAD:
        raise ValueError(f"files and stdin exceed {MAX_UPLOAD // (1024 * 1024)} MiB")
    fs = FileSystem(capacity=MAX_UPLOAD * 2)
    cwd = posixpath.normpath(cwd) if cwd.startswith("/") else "/"
    fs.mkdir(cwd, parents=True)
    for path, data in files.items():
        if not path.startswith("/"):
            raise ValueError(f"file paths must be absolute: {path!r}")
        fs.mkdir(posixpath.dirname(posixpath.normpath(path)), parents=True)
        try:
            fs.write(path, data)
        except FileSystemError as exc:
            raise ValueError(str(exc)) from exc
    out, err = _Buffer(), _Buffer()
    ctx = ExecContext(
        argv=list(argv),
        input=InputStream(stdin),
        stdout=out,
        stderr=err,
        env=dict(env or {"HOME": "/root", "PATH": "/usr/local/bin:/usr/bin:/bin"}),
        cwd=cwd,
        fs=fs,
        cluster=cluster,
        namespace="",
        pod=dict(_POD),
        container="workstation",
        image=WORKSTATION_IMAGE,
        registry=cluster.programs,
        budget=Budget(time_limit),
    )
    try:
        code = ctx.run(ctx.argv)
    except ProgramNotFound:
        err.write(f"{argv[0]}: command not found\n".encode())
        code = 127
    except ExecTimeout:
        code = 137
    if written is not None:
        for top in _output_roots(fs, argv, cwd):
            written.update(_written(fs, files, top))
    return ExecResult(bytes(out.data), bytes(err.data), code)


def _output_roots(fs: FileSystem, argv: list[str], cwd: str) -> list[str]:
    """The working directory and the directories the arguments name (`--flag=DIR` too)."""
    roots = [cwd]
    for word in argv[1:]:
        for candidate in (word, word.partition("=")[2]):
            if candidate and not candidate.startswith("-"):
                path = posixpath.normpath(posixpath.join(cwd, candidate))
                if (
                    path != "/"
                    and fs.is_dir(path)
                    and not any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)
                ):
                    roots.append(path)
    return roots


def _written(fs: FileSystem, uploaded: Mapping[str, bytes], top: str) -> dict[str, bytes]:
    """The files under `top` that are not as the client uploaded them."""
    found: dict[str, bytes] = {}
    pending = [top]
    while pending:
        directory = pending.pop()
        for name in fs.listdir(directory):
            path = posixpath.join(directory, name)
            if fs.is_dir(path):
                pending.append(path)
            elif uploaded.get(path) != (data := fs.read(path)):
                found[path] = data
    return found


__all__ = ["WORKSTATION_PROGRAMS", "allow", "allowed", "run_for_workstation"]
