"""`GET .../pods/NAME/log`: the PodLogOptions of `kubectl logs`, answered as the API server
and the kubelet do.

- `container` (`-c`): without it the pod must have exactly one container (400 `a container
  name must be specified for pod P, choose one of: [a b]`); an unknown one is 400 `container
  C is not valid for pod P` (init containers are valid). The server ignores the
  `kubectl.kubernetes.io/default-container` annotation: kubectl reads it and names that
  container (else the first one), and asks once per container for `--all-containers`.
- `tailLines` (`--tail`): the last N lines (negative: 422).
- `sinceSeconds`, `sinceTime` (`--since`, `--since-time`): lines written since then
  (`sinceSeconds` < 1 or both: 422; a malformed time: 400).
- `limitBytes` (`--limit-bytes`): at most N bytes (< 1: 422), also when following.
- `timestamps` (`--timestamps`): each line prefixed with its RFC 3339 time in nanoseconds.
- `follow` (`-f`): the text so far, then lines as they are written, until the pod goes.
- `previous` (`-p`): the log of the instance before the last restart (`LogBook.restart`);
  with no terminated instance, 400 `previous terminated container "C" in pod "P" not found`.

The kubelet's answers for containers without logs: 400 `container "C" in pod "P" is waiting to
start: ContainerCreating` (`: image can't be pulled` for ErrImagePull, `: trying and failing to
pull image` for ImagePullBackOff). A pod not bound to a node has an empty log.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from starlette.responses import Response, StreamingResponse

from .. import errors
from ..cluster import Cluster
from ..errors import BadRequest, Cause
from .paths import ResourceTarget
from .resources import Params

Obj = dict[str, Any]
FOLLOW_CHECK_SECONDS = 2.0


def _container(pod: Obj, pod_name: str, wanted: str) -> str:
    spec = pod.get("spec") or {}
    names = [str(c["name"]) for c in spec.get("containers") or []]
    inits = [str(c["name"]) for c in spec.get("initContainers") or []]
    ephemeral = [str(c["name"]) for c in spec.get("ephemeralContainers") or []]
    if wanted:
        if wanted not in names + inits + ephemeral:
            raise BadRequest(f"container {wanted} is not valid for pod {pod_name}")
        return wanted
    if len(names) == 1:
        return names[0]
    if not names:
        raise BadRequest(f"a container name must be specified for pod {pod_name}")
    message = (
        f"a container name must be specified for pod {pod_name}, choose one of: [{' '.join(names)}]"
    )
    if inits:
        message += f" or one of the init containers: [{' '.join(inits)}]"
    raise BadRequest(message)


def _status_of(pod: Obj, container: str) -> Obj | None:
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for entry in status.get(key) or []:
            if entry.get("name") == container:
                return dict(entry)
    return None


def _instance(pod: Obj, pod_name: str, container: str, previous: bool, kept: bool) -> bool:
    """Which log the kubelet reads (True: the one `LogBook.restart` kept, `kept` says whether
    there is one), or its 400."""
    status = _status_of(pod, container)
    state = (status or {}).get("state") or {}
    last = ((status or {}).get("lastState") or {}).get("terminated")
    who = f'container "{container}" in pod "{pod_name}"'
    if previous:
        if not (last or (status is None and kept)):
            raise BadRequest(f"previous terminated {who} not found")
        # waiting to restart: the last run is the latest log, not an older one
        return "waiting" not in state
    if status is None:  # no status recorded: the log as it is
        return False
    if "running" in state or "terminated" in state or last:
        return False
    reason = str((state.get("waiting") or {}).get("reason") or "")
    if reason == "ErrImagePull":
        raise BadRequest(f"{who} is waiting to start: image can't be pulled")
    if reason == "ImagePullBackOff":
        raise BadRequest(f"{who} is waiting to start: trying and failing to pull image")
    if "waiting" in state:
        raise BadRequest(f"{who} is waiting to start: {reason}")
    raise BadRequest(f"{who} is waiting to start - no logs yet")


def _int(params: Params, key: str) -> int | None:
    value = params.get(key)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"invalid {key}: {value!r}") from None


def _time(params: Params, key: str) -> datetime | None:
    value = params.get(key)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRequest(
            f'parsing time "{value}" as "2006-01-02T15:04:05Z07:00": cannot parse "{value}" '
            'as "2006"'
        )
    return moment


def _flag(params: Params, key: str) -> bool:
    return params.get(key) in ("true", "1", "True")


def _validate(name: str, tail: int | None, limit: int | None, since: int | None,
              since_time: datetime | None) -> None:  # fmt: skip
    """ValidatePodLogOptions: 422 `PodLogOptions "P" is invalid: ...`."""
    causes: list[Cause] = []
    if tail is not None and tail < 0:
        causes.append(Cause("FieldValueInvalid",
                            f"Invalid value: {tail}: must be greater than or equal to 0",
                            "tailLines"))  # fmt: skip
    if limit is not None and limit < 1:
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {limit}: must be greater than 0",
                            "limitBytes"))  # fmt: skip
    if since is not None and since_time is not None:
        causes.append(Cause("FieldValueForbidden",
                            "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be "
                            "specified"))  # fmt: skip
    elif since is not None and since < 1:
        causes.append(Cause("FieldValueInvalid", f"Invalid value: {since}: must be greater than 0",
                            "sinceSeconds"))  # fmt: skip
    if causes:
        raise errors.invalid("PodLogOptions", "", name, causes)


async def serve_logs(cluster: Cluster, target: ResourceTarget, params: Params) -> Response:
    namespace = target.namespace or ""
    with cluster.lock:
        pod = cluster.get(target.kind, namespace, target.name)
    container = _container(pod, target.name, params.get("container"))
    tail = _int(params, "tailLines")
    limit = _int(params, "limitBytes")
    since = _int(params, "sinceSeconds")
    since_time = _time(params, "sinceTime")
    _validate(target.name, tail, limit, since, since_time)
    if not (pod.get("spec") or {}).get("nodeName"):
        return Response(b"", media_type="text/plain")  # no kubelet to ask
    previous = _flag(params, "previous")
    kept = cluster.logs.has_previous(namespace, target.name, container)
    use_previous = _instance(pod, target.name, container, previous, kept)
    options: dict[str, Any] = {
        "tail": tail,
        "since_seconds": since,
        "since_time": since_time,
        "timestamps": _flag(params, "timestamps"),
        "limit_bytes": limit,
    }
    if use_previous or not _flag(params, "follow"):
        text = cluster.logs.read(
            namespace, target.name, container, previous=use_previous, **options
        )
        return Response(text.encode(), media_type="text/plain")

    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def on_line(line: str) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, line)

    text, unsubscribe = cluster.logs.follow(namespace, target.name, container, on_line, **options)

    async def follow() -> AsyncIterator[bytes]:
        left = None if limit is None else limit - len(text.encode())
        try:
            if text:
                yield text.encode()
            while left is None or left > 0:
                try:
                    line = await asyncio.wait_for(queue.get(), FOLLOW_CHECK_SECONDS)
                except TimeoutError:
                    with cluster.lock:
                        if cluster.find(target.kind, namespace, target.name) is None:
                            return
                    continue
                data = line.encode()
                if left is not None:
                    data, left = data[:left], left - len(data[:left])
                yield data
        finally:
            unsubscribe()

    return StreamingResponse(follow(), media_type="text/plain")
