"""`kubectl exec` over WebSocket: the v5/v4 channel protocols, stdin to EOF, exit code as Status."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from ..cluster import Cluster
from ..errors import BadRequest, KubeError
from .paths import ResourceTarget

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, STATUS, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255


def choose_protocol(offered: list[str]) -> str | None:
    for proto in PROTOCOLS:
        if proto in offered:
            return proto
    return None


def exit_status(code: int) -> dict[str, Any]:
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command "
        f"[...], exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def _pod_check(cluster: Cluster, target: ResourceTarget, container: str) -> str:
    """Resolve the container (default: annotation or first) and refuse finished pods."""
    with cluster.lock:
        pod = cluster.get(target.kind, target.namespace or "", target.name)
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise BadRequest(
            f"cannot exec into a container in a completed pod; current phase is {phase}"
        )
    names = [c["name"] for c in (pod.get("spec") or {}).get("containers") or []]
    if not container:
        default = (pod["metadata"].get("annotations") or {}).get(
            "kubectl.kubernetes.io/default-container"
        )
        container = str(default) if default in names else (names[0] if names else "")
    if container not in names:
        raise BadRequest(f"container {container} is not valid for pod {target.name}")
    return container


async def serve_exec(websocket: WebSocket, cluster: Cluster, target: ResourceTarget) -> None:
    from ..execution import run_exec

    params = websocket.query_params
    argv = params.getlist("command")
    want_stdin = params.get("stdin") in ("true", "1")
    tty = params.get("tty") in ("true", "1")
    offered = [
        p.strip()
        for p in websocket.headers.get("sec-websocket-protocol", "").split(",")
        if p.strip()
    ]
    proto = choose_protocol(offered)
    if proto is None:
        await websocket.close(code=1002)
        return
    await websocket.accept(subprotocol=proto)

    async def send(channel: int, data: bytes) -> None:
        await websocket.send_bytes(bytes([channel]) + data)

    try:
        container = _pod_check(cluster, target, params.get("container") or "")
        stdin = b""
        if want_stdin:
            stdin = await _read_stdin(websocket, proto)
        if not argv:
            raise BadRequest("you must specify at least one command for the container")
        result = await asyncio.to_thread(
            run_exec,
            cluster,
            target.namespace or "",
            target.name,
            container,
            argv,
            stdin,
            tty=tty,
        )
        if result.stdout:
            await send(STDOUT, result.stdout)
        if result.stderr:
            await send(STDOUT if tty else STDERR, result.stderr)
        status = exit_status(result.exit_code)
    except KubeError as exc:
        status = exc.status()
    except WebSocketDisconnect:
        return
    await send(STATUS, json.dumps(status).encode())
    await websocket.close(code=1000)


async def _read_stdin(websocket: WebSocket, proto: str) -> bytes:
    """Collect stdin frames until the client closes stdin (v5: `ff 00`) or the socket."""
    chunks: list[bytes] = []
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            break
        data = message.get("bytes")
        if data is None:
            text = message.get("text")
            data = text.encode() if text else b""
        if not data:
            continue
        channel, payload = data[0], data[1:]
        if channel == STDIN:
            if not payload and proto.startswith("v4"):
                break
            chunks.append(payload)
        elif channel == CLOSE and payload[:1] == bytes([STDIN]):
            break
    return b"".join(chunks)
