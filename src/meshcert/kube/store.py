"""The versioned object store: one resourceVersion counter per cluster, watch events, history.

Pure storage: API semantics (defaults, admission, validation, cascading) live in `cluster`.
Objects handed out are the stored dicts themselves and are never changed in place once stored:
a write stores a new dict (which may share unchanged parts with the one it replaces), so
callers may keep and read what they were given, and copy before they change it.
"""

from __future__ import annotations

import builtins
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import Gone
from .kinds import KindRegistry, ResourceKind

Obj = dict[str, Any]
ObjKey = tuple[str, str]  # (namespace or "", name)

HISTORY = 4096


@dataclass(frozen=True)
class WatchEvent:
    """One change: ADDED, MODIFIED or DELETED, with the object as stored after it and, for
    MODIFIED and DELETED, the object as it was before (what undoing the change restores)."""

    type: str
    kind: ResourceKind
    object: Obj
    previous: Obj | None = field(default=None, compare=False, repr=False)

    @property
    def resource_version(self) -> int:
        return int(self.object["metadata"]["resourceVersion"])

    @property
    def namespace(self) -> str:
        return str(self.object["metadata"].get("namespace", ""))

    @property
    def name(self) -> str:
        return str(self.object["metadata"]["name"])


Subscriber = Callable[[WatchEvent], None]


class Store:
    """Objects by kind and (namespace, name), a resourceVersion counter and a bounded history."""

    def __init__(self, registry: KindRegistry) -> None:
        self.registry = registry
        self.lock = threading.RLock()
        self.resource_version = 0
        self._objects: dict[tuple[str, str], dict[ObjKey, Obj]] = {}
        # The names in each namespace of each kind: listing one namespace sorts its names
        # only, instead of filtering every key of the kind.
        self._names: dict[tuple[str, str], dict[str, set[str]]] = {}
        self._history: deque[WatchEvent] = deque(maxlen=HISTORY)
        self._subscribers: builtins.list[Subscriber] = []
        self._size = 0
        # How many stored objects name each uid in their ownerReferences (cascading deletion
        # looks for dependents only when there are some).
        self._dependents: dict[str, int] = {}

    # reads -----------------------------------------------------------------------------------

    def get(self, kind: ResourceKind, namespace: str, name: str) -> Obj | None:
        return self._objects.get(kind.key, {}).get((namespace if kind.namespaced else "", name))

    def list(self, kind: ResourceKind, namespace: str | None = None) -> builtins.list[Obj]:
        """Objects of a kind, in one namespace or all (namespace None), sorted by (ns, name)."""
        bucket = self._objects.get(kind.key, {})
        if namespace is None or not kind.namespaced:
            return [bucket[k] for k in sorted(bucket)]
        names = self._names.get(kind.key, {}).get(namespace)
        return [bucket[(namespace, n)] for n in sorted(names)] if names else []

    def count(self) -> int:
        return self._size

    def has_dependents(self, uid: str) -> bool:
        """Whether some stored object names `uid` in its ownerReferences."""
        return uid in self._dependents

    def items(self) -> Iterator[tuple[ResourceKind, Obj]]:
        for key, bucket in self._objects.items():
            kind = self.registry.by_plural(*key)
            if kind is None:
                continue
            for obj in bucket.values():
                yield kind, obj

    # writes ----------------------------------------------------------------------------------

    def next_version(self) -> str:
        self.resource_version += 1
        return str(self.resource_version)

    def put(self, kind: ResourceKind, obj: Obj, event_type: str) -> WatchEvent:
        """Store `obj` (ADDED or MODIFIED) under a fresh resourceVersion and publish the event."""
        meta = obj["metadata"]
        meta["resourceVersion"] = self.next_version()
        key = (meta.get("namespace", "") if kind.namespaced else "", meta["name"])
        bucket = self._objects.setdefault(kind.key, {})
        previous = bucket.get(key)
        bucket[key] = obj
        if previous is None:
            self._named(kind.key, key, True)
        self._counted(previous, obj)
        return self._publish(WatchEvent(event_type, kind, obj, previous))

    def remove(self, kind: ResourceKind, namespace: str, name: str) -> WatchEvent | None:
        bucket = self._objects.get(kind.key, {})
        key = (namespace if kind.namespaced else "", name)
        obj = bucket.pop(key, None)
        if obj is None:
            return None
        self._named(kind.key, key, False)
        self._counted(obj, None)
        previous = obj
        obj = dict(obj)
        obj["metadata"] = dict(obj["metadata"])
        obj["metadata"]["resourceVersion"] = self.next_version()
        return self._publish(WatchEvent("DELETED", kind, obj, previous))

    def _named(self, kind_key: tuple[str, str], key: ObjKey, present: bool) -> None:
        """Keep the names by namespace as `key` is stored (present) or removed."""
        by_namespace = self._names.setdefault(kind_key, {})
        if present:
            by_namespace.setdefault(key[0], set()).add(key[1])
            return
        names = by_namespace.get(key[0])
        if names is not None:
            names.discard(key[1])
            if not names:
                del by_namespace[key[0]]

    def _counted(self, old: Obj | None, new: Obj | None) -> None:
        """Keep the size and the dependents' counts as `old` is replaced by `new`."""
        if old is None:
            self._size += 1
        else:
            for uid in _owner_uids(old):
                left = self._dependents[uid] - 1
                if left:
                    self._dependents[uid] = left
                else:
                    del self._dependents[uid]
        if new is None:
            self._size -= 1
        else:
            for uid in _owner_uids(new):
                self._dependents[uid] = self._dependents.get(uid, 0) + 1

    def _publish(self, event: WatchEvent) -> WatchEvent:
        self._history.append(event)
        for sub in list(self._subscribers):
            sub(event)
        return event

    # watch -----------------------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def events_since(self, resource_version: int) -> builtins.list[WatchEvent]:
        """Events after `resource_version`; Gone (410) when the history no longer reaches back."""
        if resource_version >= self.resource_version:
            return []
        if self._history and self._history[0].resource_version > resource_version + 1:
            raise Gone(
                f"too old resource version: {resource_version} "
                f"({self._history[0].resource_version - 1})"
            )
        if not self._history and resource_version < self.resource_version:
            raise Gone(f"too old resource version: {resource_version} ({self.resource_version})")
        return [e for e in self._history if e.resource_version > resource_version]

    # persistence -----------------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        """Every object with the counter, as plain JSON-able data."""
        objects = [
            {"group": kind.group, "plural": kind.plural, "object": obj}
            for kind, obj in self.items()
        ]
        return {"resourceVersion": self.resource_version, "objects": objects}

    def load(self, data: dict[str, Any]) -> None:
        """Replace the contents with a `dump()`; history restarts at the restored counter."""
        self._objects.clear()
        self._names.clear()
        self._history.clear()
        self._size = 0
        self._dependents.clear()
        for entry in data["objects"]:
            kind = self.registry.by_plural(entry["group"], entry["plural"])
            if kind is None:
                continue
            obj = entry["object"]
            meta = obj["metadata"]
            key = (meta.get("namespace", "") if kind.namespaced else "", meta["name"])
            bucket = self._objects.setdefault(kind.key, {})
            if key not in bucket:
                self._named(kind.key, key, True)
            self._counted(bucket.get(key), obj)
            bucket[key] = obj
        self.resource_version = int(data["resourceVersion"])

    def apply_event(self, group: str, plural: str, event_type: str, obj: Obj) -> None:
        """Replay one journaled change exactly (keeps its resourceVersion; no publish)."""
        kind = self.registry.by_plural(group, plural)
        if kind is None:
            return
        meta = obj["metadata"]
        key = (meta.get("namespace", "") if kind.namespaced else "", meta["name"])
        bucket = self._objects.setdefault(kind.key, {})
        previous = bucket.pop(key, None) if event_type == "DELETED" else bucket.get(key)
        if event_type == "DELETED":
            if previous is not None:
                self._named(kind.key, key, False)
                self._counted(previous, None)
        else:
            if previous is None:
                self._named(kind.key, key, True)
            self._counted(previous, obj)
            bucket[key] = obj
        self.resource_version = max(self.resource_version, int(meta["resourceVersion"]))


def _owner_uids(obj: Obj) -> builtins.list[str]:
    refs = obj["metadata"].get("ownerReferences")
    if not refs:
        return []
    return [str(r["uid"]) for r in refs if isinstance(r, dict) and r.get("uid")]
