"""`kubectl exec` over WebSocket: the v5/v4 channel protocols, streamed both ways.

The command runs in its own thread (`run_exec`) from the start. Stdin frames are fed to a
live `InputStream` as they arrive (through the `Terminal` line discipline when `tty=true`:
echo, line editing, Ctrl-C, Ctrl-D); output is sent as it is written; the exit code ends the
stream as a `Status` on channel 3. Resize frames (channel 4) are accepted and ignored. When
the client goes away, the command is cancelled.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from ..cluster import Cluster
from ..errors import BadRequest, InternalError, KubeError
from ..execution import ExecResult, InputStream, Terminal, run_exec
from .paths import ResourceTarget

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, STATUS, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
_GONE = (WebSocketDisconnect, RuntimeError, OSError)


def choose_protocol(offered: list[str]) -> str | None:
    for proto in PROTOCOLS:
        if proto in offered:
            return proto
    return None


def exit_status(code: int, argv: list[str] | None = None) -> dict[str, Any]:
    """The Status the kubelet writes on channel 3 (the runtime's error, worded as containerd's:
    `error executing command [sh -c exit 3], exit code 3`)."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    command = " ".join(argv or [])
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command "
        f"[{command}], exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


async def serve_exec(websocket: WebSocket, cluster: Cluster, target: ResourceTarget) -> None:
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

    loop = asyncio.get_running_loop()
    outbox: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue()
    stream = InputStream.live_stream() if want_stdin else InputStream()
    terminal = Terminal(stream, lambda data: outbox.put_nowait((STDOUT, data))) if tty else None
    cancel = threading.Event()
    outcome: list[ExecResult | KubeError] = []

    def post(item: tuple[int, bytes] | None) -> None:
        try:
            loop.call_soon_threadsafe(outbox.put_nowait, item)
        except RuntimeError:  # the server's loop has stopped
            cancel.set()

    def work() -> None:
        try:
            if not argv:
                raise BadRequest("you must specify at least one command for the container")
            outcome.append(
                run_exec(
                    cluster,
                    target.namespace or "",
                    target.name,
                    params.get("container") or "",
                    argv,
                    stream,
                    tty=tty,
                    cancel=cancel,
                    on_output=lambda channel, data: post((channel, data)),
                    keep_output=False,
                )
            )
        except KubeError as exc:
            outcome.append(exc)
        except Exception as exc:  # a bug: answered as the API server's internal error
            outcome.append(InternalError(f"error executing command in container: {exc}"))
        post(None)

    def gone() -> None:
        cancel.set()
        stream.close()

    reader = asyncio.create_task(_pump_input(websocket, proto, stream, terminal, gone))
    threading.Thread(target=work, name="meshcert-exec", daemon=True).start()
    try:
        ended = False
        while not ended:
            # one frame per channel for what has piled up (a loop printing many lines)
            items = [await outbox.get()]
            while not outbox.empty() and len(items) < 1024:
                items.append(outbox.get_nowait())
            frames: list[tuple[int, bytearray]] = []
            for item in items:
                if item is None:
                    ended = True
                    break
                channel = STDOUT if item[0] == STDERR and tty else item[0]
                if frames and frames[-1][0] == channel:
                    frames[-1][1].extend(item[1])
                else:
                    frames.append((channel, bytearray(item[1])))
            for channel, data in frames:
                await websocket.send_bytes(bytes([channel]) + bytes(data))
        result = outcome[0] if outcome else InternalError("the exec ended without a result")
        if isinstance(result, KubeError):
            status = result.status()
        else:
            status = exit_status(result.exit_code, argv)
        await websocket.send_bytes(bytes([STATUS]) + json.dumps(status).encode())
        reader.cancel()
        await websocket.close(code=1000)
    except _GONE:
        gone()
    finally:
        reader.cancel()
        stream.close()


async def _pump_input(
    websocket: WebSocket,
    proto: str,
    stream: InputStream,
    terminal: Terminal | None,
    gone: Any,
) -> None:
    """Feed stdin frames to the command until the client closes stdin (v5: `ff 00`; v4: an
    empty stdin frame); keep reading after that so a disconnect cancels the command."""
    try:
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
                if not payload:
                    if proto.startswith("v4"):
                        stream.close()
                elif terminal is not None:
                    terminal.feed(payload)
                else:
                    stream.feed(payload)
            elif channel == CLOSE and payload[:1] == bytes([STDIN]):
                stream.close()
            # RESIZE (and anything else) is accepted and ignored
    except _GONE:
        pass
    gone()
