"""Watch streams: initial events, watch-list bookmarks, history replay and live events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..cluster import Cluster
from ..errors import BadRequest, KubeError
from ..selectors import FieldSelector, LabelSelector, parse_field_selector, parse_label_selector
from ..store import Obj, WatchEvent
from .paths import ResourceTarget
from .resources import Params, present

DEFAULT_TIMEOUT = 1800.0
BOOKMARK_EVERY = 60.0

Render = Callable[[str, Obj], dict[str, Any]]


class WatchFilter:
    """Which events of the store a watch request wants."""

    def __init__(self, target: ResourceTarget, params: Params) -> None:
        self.target = target
        self.labels: LabelSelector = parse_label_selector(params.get("labelSelector"))
        self.fields: FieldSelector = parse_field_selector(params.get("fieldSelector"))
        if target.name:
            self.fields = FieldSelector((*self.fields.terms, ("metadata.name", True, target.name)))

    def wants(self, event: WatchEvent) -> bool:
        if event.kind.key != self.target.kind.key:
            return False
        return self.wants_object(event.object)

    def wants_object(self, obj: Obj) -> bool:
        meta = obj["metadata"]
        target = self.target
        if (
            target.namespace is not None
            and target.kind.namespaced
            and meta.get("namespace") != target.namespace
        ):
            return False
        return self.labels.matches(meta.get("labels")) and self.fields.matches(obj)


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"


async def stream(
    cluster: Cluster, target: ResourceTarget, params: Params, render: Render
) -> AsyncIterator[bytes]:
    """Yield one JSON line per event until the timeout or the client goes away.

    `render(type, obj)` turns an object into what the client asked for (object or Table).
    """
    wf = WatchFilter(target, params)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[WatchEvent] = asyncio.Queue()
    timeout = float(params.get("timeoutSeconds") or DEFAULT_TIMEOUT)
    bookmarks = params.get("allowWatchBookmarks") in ("true", "1")
    initial: list[Obj] = []
    backlog: list[WatchEvent] = []
    rv_param = params.get("resourceVersion")
    send_initial = params.get("sendInitialEvents") in ("true", "1")

    def on_event(event: WatchEvent) -> None:
        if wf.wants(event):
            loop.call_soon_threadsafe(queue.put_nowait, event)

    with cluster.lock:
        unsubscribe = cluster.store.subscribe(on_event)
        current_rv = cluster.store.resource_version
        try:
            if send_initial or rv_param in ("", "0"):
                initial = [
                    o
                    for o in cluster.store.list(target.kind, target.namespace)
                    if wf.wants_object(o)
                ]
            else:
                try:
                    since = int(rv_param)
                except ValueError:
                    raise BadRequest(f'invalid resource version "{rv_param}"') from None
                backlog = [e for e in cluster.store.events_since(since) if wf.wants(e)]
        except KubeError:
            unsubscribe()
            raise

    kind, version = target.kind, target.version

    def emit(type_: str, obj: Obj) -> bytes:
        return _line({"type": type_, "object": render(type_, present(obj, kind, version))})

    def bookmark(rv: int, initial_end: bool = False) -> bytes:
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj = {"kind": kind.kind, "apiVersion": kind.api_version(version), "metadata": meta}
        return _line({"type": "BOOKMARK", "object": obj})

    async def events() -> AsyncIterator[bytes]:
        try:
            for obj in initial:
                yield emit("ADDED", obj)
            if send_initial:
                yield bookmark(current_rv, initial_end=True)
            last_rv = current_rv
            for event in backlog:
                last_rv = event.resource_version
                yield emit(event.type, event.object)
            deadline = loop.time() + timeout
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                wait = min(remaining, BOOKMARK_EVERY) if bookmarks else remaining
                try:
                    event = await asyncio.wait_for(queue.get(), wait)
                except TimeoutError:
                    if bookmarks and loop.time() < deadline:
                        yield bookmark(max(last_rv, cluster.store.resource_version))
                    continue
                if event.resource_version <= current_rv:
                    continue
                last_rv = event.resource_version
                yield emit(event.type, event.object)
        finally:
            unsubscribe()

    async for chunk in events():
        yield chunk
