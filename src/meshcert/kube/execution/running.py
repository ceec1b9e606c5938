"""`run_exec`: start a program in a pod's container, as the kubelet and runtime do for `exec`.

Finds the pod and container (with the apiserver's and kubelet's errors), builds the process
environment, opens the container's file system (seeded on first use), runs argv[0] from the
program registry within a time budget and returns both streams and the exit code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import errors
from .environment import container_environment, find_container, seed_files
from .programs import (
    MAX_EXEC_SECONDS,
    Budget,
    ExecContext,
    ExecInterrupted,
    ExecResult,
    ExecTimeout,
    InputStream,
    ProgramNotFound,
)

if TYPE_CHECKING:
    from ..cluster import Cluster

Obj = dict[str, Any]
OutputCallback = Callable[[int, bytes], None]
NOT_RUNNABLE_EXIT_CODE = 126
TIMEOUT_EXIT_CODE = 137
INTERRUPTED_EXIT_CODE = 130


class _Collector:
    """A stream of the exec: kept for the result, optionally passed on as it is written."""

    def __init__(
        self, channel: int, callback: OutputCallback | None, tty: bool, keep: bool = True
    ) -> None:
        self.channel = channel
        self.callback = callback
        self.tty = tty
        self.keep = keep
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        if self.tty:
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if self.keep:
            self.data.extend(data)
        if self.callback is not None and data:
            self.callback(self.channel, data)


def not_found_message(name: str) -> str:
    """What runc reports when argv[0] is not in the image (kubectl prints it on stderr)."""
    if "/" in name:
        reason = f'exec: "{name}": stat {name}: no such file or directory'
    else:
        reason = f'exec: "{name}": executable file not found in $PATH'
    return (
        "OCI runtime exec failed: exec failed: unable to start container process: "
        f"{reason}: unknown\n"
    )


def _container(pod: Obj, pod_name: str, container: str) -> Obj:
    spec = pod.get("spec") or {}
    names = [str(c.get("name")) for c in spec.get("containers") or []]
    inits = [str(c.get("name")) for c in spec.get("initContainers") or []]
    if not container:
        if len(names) != 1:
            message = (
                f"a container name must be specified for pod {pod_name}, choose one of: "
                f"[{' '.join(names)}]"
            )
            if inits:
                message += f" or one of the init containers: [{' '.join(inits)}]"
            raise errors.BadRequest(message)
        container = names[0]
    found = find_container(pod, container)
    if found is None:
        raise errors.BadRequest(f"container {container} is not valid for pod {pod_name}")
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase in ("Succeeded", "Failed"):
        raise errors.BadRequest(
            f"cannot exec into a container in a completed pod; current phase is {phase}"
        )
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for entry in status.get(key) or []:
            if entry.get("name") == container and "running" not in (entry.get("state") or {}):
                raise errors.BadRequest(
                    f'unable to upgrade connection: container not found ("{container}")'
                )
    return found


def run_exec(
    cluster: Cluster,
    namespace: str,
    pod: str,
    container: str,
    argv: list[str],
    stdin: bytes | InputStream = b"",
    *,
    tty: bool = False,
    cancel: threading.Event | None = None,
    time_limit: float = MAX_EXEC_SECONDS,
    on_output: OutputCallback | None = None,
    keep_output: bool = True,
) -> ExecResult:
    """Run `argv` in a container of a pod and wait for it (call from a worker thread).

    Raises NotFound for a missing pod and BadRequest for a bad container. `stdin` is all the
    input, or a live `InputStream` the caller feeds while the program runs (`kubectl exec
    -i`; with `tty`, through a `Terminal`). With `tty`, stderr joins stdout and newlines
    become CRLF. `on_output(channel, data)` (1 stdout, 2 stderr) sees output as it is
    written (with `keep_output=False` the result then holds no output); `cancel` ends a
    running exec early (exit code 137), `stdin.interrupt()` (Ctrl-C) with 130.

    The exec may take `time_limit` seconds, except a shell reading commands from a live
    stdin (`kubectl exec -it POD -- sh`): it waits for input up to an idle limit and gives
    each command `time_limit` (see `shell_session`).
    """
    if not argv:
        raise errors.BadRequest("you must specify at least one command for the container")
    with cluster.lock:
        pod_obj = cluster.get(cluster.kind("", "pods"), namespace, pod)
        spec = _container(pod_obj, pod, container)
        name = str(spec["name"])
        env = container_environment(cluster, pod_obj, spec)
        uid = str(pod_obj["metadata"].get("uid", ""))
        fs = cluster.files.open(
            namespace, uid, name, lambda fresh: seed_files(fresh, cluster, pod_obj, spec)
        )
    out = _Collector(1, on_output, tty, keep_output)
    err = out if tty else _Collector(2, on_output, tty, keep_output)
    stream = stdin if isinstance(stdin, InputStream) else InputStream(stdin)
    stream.tty = tty
    budget = Budget(time_limit, cancel, stream.interrupted)
    stream.budget = budget
    ctx = ExecContext(
        argv=list(argv),
        input=stream,
        stdout=out,
        stderr=err,
        env=env,
        cwd=str(spec.get("workingDir") or "/"),
        fs=fs,
        cluster=cluster,
        namespace=namespace,
        pod=pod_obj,
        container=name,
        image=str(spec.get("image") or ""),
        registry=cluster.programs,
        budget=budget,
        tty=tty,
    )
    try:
        code = ctx.run(ctx.argv)
    except ProgramNotFound:
        err.write(not_found_message(argv[0]).encode())
        code = NOT_RUNNABLE_EXIT_CODE
    except ExecInterrupted:
        code = INTERRUPTED_EXIT_CODE
    except ExecTimeout:
        code = TIMEOUT_EXIT_CODE
    except RecursionError:
        raise errors.InternalError(
            "error executing command in container: nesting too deep"
        ) from None
    stderr = b"" if tty else bytes(err.data)
    return ExecResult(bytes(out.data), stderr, code)
