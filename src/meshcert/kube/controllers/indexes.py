"""Per-cluster indexes the controllers read instead of scanning the store: children by owner uid,
pods by node, and pod IPs in use.

Kept current from the store's published events. `Store.load` and `Store.apply_event` change the
store without publishing, so every read first checks that the store still matches what the index
last saw (resourceVersion and object count) and rebuilds from scratch when it does not; entries
are re-checked against the store on every read, so a stale entry is never returned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..store import Obj, Store, WatchEvent

if TYPE_CHECKING:
    from ..cluster import Cluster
    from ..kinds import ResourceKind

_EXTENSION_KEY = "meshcert.controllers.index"
KindKey = tuple[str, str]
ObjRef = tuple[KindKey, str, str]  # ((group, plural), namespace, name)


class ClusterIndex:
    """Children by owner uid, pods by node name and pod IPs in use, for one store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._children: dict[str, set[ObjRef]] = {}
        self._owners_of: dict[ObjRef, tuple[str, ...]] = {}
        self._node_pods: dict[str, set[tuple[str, str]]] = {}
        self._node_of: dict[tuple[str, str], str] = {}
        self._ips: dict[str, set[tuple[str, str]]] = {}
        self._ip_of: dict[tuple[str, str], str] = {}
        self._seen: tuple[int, int] = (-1, -1)
        store.subscribe(self._on_event)
        self._rebuild()

    # reads -----------------------------------------------------------------------------------

    def children(self, kind: ResourceKind, namespace: str, owner_uid: str) -> list[Obj]:
        """Objects of `kind` in `namespace` that name `owner_uid` in their ownerReferences."""
        self._check()
        out: list[Obj] = []
        for ref in sorted(self._children.get(owner_uid, ())):
            if ref[0] != kind.key or ref[1] != namespace:
                continue
            obj = self._store.get(kind, namespace, ref[2])
            if obj is not None and owner_uid in _owner_uids(obj):
                out.append(obj)
        return out

    def pods_on_node(self, pod_kind: ResourceKind, node: str) -> list[Obj]:
        self._check()
        out: list[Obj] = []
        for ns, name in sorted(self._node_pods.get(node, ())):
            pod = self._store.get(pod_kind, ns, name)
            if pod is not None and (pod.get("spec") or {}).get("nodeName") == node:
                out.append(pod)
        return out

    def ip_in_use(self, pod_kind: ResourceKind, ip: str) -> bool:
        self._check()
        for ns, name in self._ips.get(ip, ()):
            pod = self._store.get(pod_kind, ns, name)
            if pod is not None and _pod_ip(pod) == ip:
                return True
        return False

    # maintenance -----------------------------------------------------------------------------

    def _check(self) -> None:
        if self._seen != (self._store.resource_version, self._store.count()):
            self._rebuild()

    def _rebuild(self) -> None:
        for attr in (
            self._children,
            self._owners_of,
            self._node_pods,
            self._node_of,
            self._ips,
            self._ip_of,
        ):
            attr.clear()
        for kind, obj in self._store.items():
            self._add(kind.key, obj)
        self._seen = (self._store.resource_version, self._store.count())

    def _on_event(self, event: WatchEvent) -> None:
        rv, count = self._store.resource_version, self._store.count()
        delta = 1 if event.type == "ADDED" else -1 if event.type == "DELETED" else 0
        if self._seen != (rv - 1, count - delta):
            self._rebuild()  # the store changed unseen before this event: start over
            return
        self._seen = (rv, count)
        key = event.kind.key
        previous = event.previous
        if (
            event.type == "MODIFIED"
            and previous is not None
            and _same_entries(key, previous, event.object)
        ):
            return  # a status write, say: owners, node and IP as they were
        self._drop(key, event.namespace, event.name)
        if event.type != "DELETED":
            self._add(key, event.object)

    def _add(self, key: KindKey, obj: Obj) -> None:
        meta = obj["metadata"]
        ns = str(meta.get("namespace", ""))
        name = str(meta["name"])
        uids = _owner_uids(obj)
        if uids:
            ref: ObjRef = (key, ns, name)
            self._owners_of[ref] = uids
            for uid in uids:
                self._children.setdefault(uid, set()).add(ref)
        if key != ("", "pods"):
            return
        node = (obj.get("spec") or {}).get("nodeName")
        if node:
            self._node_of[(ns, name)] = node
            self._node_pods.setdefault(node, set()).add((ns, name))
        ip = _pod_ip(obj)
        if ip:
            self._ip_of[(ns, name)] = ip
            self._ips.setdefault(ip, set()).add((ns, name))

    def _drop(self, key: KindKey, ns: str, name: str) -> None:
        ref: ObjRef = (key, ns, name)
        for uid in self._owners_of.pop(ref, ()):
            kids = self._children.get(uid)
            if kids is not None:
                kids.discard(ref)
                if not kids:
                    del self._children[uid]
        if key != ("", "pods"):
            return
        node = self._node_of.pop((ns, name), None)
        if node is not None:
            self._node_pods.get(node, set()).discard((ns, name))
        ip = self._ip_of.pop((ns, name), None)
        if ip is not None:
            self._ips.get(ip, set()).discard((ns, name))


def _same_entries(key: KindKey, old: Obj, new: Obj) -> bool:
    """Whether `new` is indexed as `old` is (same owner references; for a pod, same node and
    IP): the index already holds what it would add."""
    if old["metadata"].get("ownerReferences") != new["metadata"].get("ownerReferences"):
        return False
    if key != ("", "pods"):
        return True
    node = (old.get("spec") or {}).get("nodeName") == (new.get("spec") or {}).get("nodeName")
    return node and _pod_ip(old) == _pod_ip(new)


def _owner_uids(obj: Obj) -> tuple[str, ...]:
    refs: Any = obj["metadata"].get("ownerReferences") or []
    return tuple(str(r.get("uid")) for r in refs if isinstance(r, dict) and r.get("uid"))


def _pod_ip(pod: Obj) -> str:
    spec = pod.get("spec") or {}
    if spec.get("hostNetwork"):
        return ""
    return str((pod.get("status") or {}).get("podIP") or "")


def index_of(cluster: Cluster) -> ClusterIndex:
    """The cluster's index, created (and subscribed to its store) on first use."""
    index = cluster.extensions.get(_EXTENSION_KEY)
    if not isinstance(index, ClusterIndex) or index._store is not cluster.store:
        index = ClusterIndex(cluster.store)
        cluster.extensions[_EXTENSION_KEY] = index
    return index
