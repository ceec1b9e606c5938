"""`GET .../pods/NAME/log`: container choice, tailLines, sinceSeconds, timestamps and follow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.responses import Response, StreamingResponse

from ..cluster import Cluster
from ..errors import BadRequest
from .paths import ResourceTarget
from .resources import Params


def _container(cluster: Cluster, target: ResourceTarget, wanted: str) -> str:
    with cluster.lock:
        pod = cluster.get(target.kind, target.namespace or "", target.name)
    spec = pod.get("spec") or {}
    names = [str(c["name"]) for c in spec.get("containers") or []]
    inits = [str(c["name"]) for c in spec.get("initContainers") or []]
    if wanted:
        if wanted not in names + inits:
            raise BadRequest(f"container {wanted} is not valid for pod {target.name}")
        return wanted
    if len(names) == 1:
        return names[0]
    message = (
        f"a container name must be specified for pod {target.name}, choose one of: "
        f"[{' '.join(names)}]"
    )
    if inits:
        message += f" or one of the init containers: [{' '.join(inits)}]"
    raise BadRequest(message)


def _int(params: Params, key: str) -> int | None:
    value = params.get(key)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"invalid {key}: {value!r}") from None


async def serve_logs(cluster: Cluster, target: ResourceTarget, params: Params) -> Response:
    container = _container(cluster, target, params.get("container"))
    namespace = target.namespace or ""
    timestamps = params.get("timestamps") in ("true", "1")
    text = cluster.logs.read(
        namespace,
        target.name,
        container,
        tail=_int(params, "tailLines"),
        since_seconds=_int(params, "sinceSeconds"),
        timestamps=timestamps,
    )
    if params.get("follow") not in ("true", "1"):
        return Response(text.encode(), media_type="text/plain")

    async def follow() -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str] = asyncio.Queue()

        def on_line(line: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, line)

        unsubscribe = cluster.logs.subscribe(namespace, target.name, container, on_line)
        try:
            if text:
                yield text.encode()
            while True:
                try:
                    line = await asyncio.wait_for(queue.get(), 5.0)
                except TimeoutError:
                    with cluster.lock:
                        if cluster.find(target.kind, namespace, target.name) is None:
                            return
                    continue
                yield (line if line.endswith("\n") else line + "\n").encode()
        finally:
            unsubscribe()

    return StreamingResponse(follow(), media_type="text/plain")
