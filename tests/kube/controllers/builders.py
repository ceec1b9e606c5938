"""Manifests and small readers shared by the controller tests."""

from __future__ import annotations

import copy
from typing import Any

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import builtin_controllers, builtin_hooks, node_manifest

Obj = dict[str, Any]


def make_cluster(clock: FakeClock, nodes: tuple[str, ...] = ()) -> Cluster:
    from meshcert.kube.validation import validate_object

    cluster = Cluster(clock=clock)
    cluster.validator = validate_object
    cluster.controllers.extend(builtin_controllers())
    cluster.mutating_hooks.extend(builtin_hooks())
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "default"}})
    for index, name in enumerate(nodes):
        cluster.create(cluster.kind("", "nodes"), node_manifest(name, index=index))
    return cluster


def container(name: str = "app", image: str = "nginx:1.27", **extra: Any) -> Obj:
    return {"name": name, "image": image, **extra}


def pod_manifest(
    name: str, *containers: Obj, labels: dict[str, str] | None = None, **spec: Any
) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": name}},
        "spec": {"containers": list(containers) or [container()], **spec},
    }


def deployment(name: str, replicas: int = 2, image: str = "nginx:1.27", **spec: Any) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [container(image=image)]},
            },
            **spec,
        },
    }


def workload(kind: str, name: str, **spec: Any) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [container()]},
            },
            **spec,
        },
    }


def service(
    name: str, selector: dict[str, str] | None = None, ports: list[Obj] | None = None, **spec: Any
) -> Obj:
    body: Obj = {"ports": ports if ports is not None else [{"port": 80}], **spec}
    if selector is not None:
        body["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


def create(cluster: Cluster, obj: Obj, namespace: str = "default") -> Obj:
    kind = cluster.kind_of(obj)
    return cluster.create(kind, obj, namespace)


def get(cluster: Cluster, group: str, plural: str, name: str, namespace: str = "default") -> Obj:
    return cluster.get(
        cluster.kind(group, plural),
        namespace if cluster.kind(group, plural).namespaced else "",
        name,
    )


def edit(
    cluster: Cluster, group: str, plural: str, name: str, change: Any, namespace: str = "default"
) -> Obj:
    """Read, change a copy with `change(obj)`, write it back (like `kubectl edit`)."""
    kind = cluster.kind(group, plural)
    obj = copy.deepcopy(cluster.get(kind, namespace if kind.namespaced else "", name))
    change(obj)
    return cluster.update(kind, obj, namespace if kind.namespaced else "", name)


def pods(cluster: Cluster, namespace: str = "default") -> list[Obj]:
    return cluster.list(cluster.kind("", "pods"), namespace)


def owned_by(cluster: Cluster, group: str, plural: str, owner: Obj) -> list[Obj]:
    uid = owner["metadata"]["uid"]
    return [
        o
        for o in cluster.list(cluster.kind(group, plural), owner["metadata"].get("namespace"))
        if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])
    ]


def events_of(cluster: Cluster, obj: Obj) -> list[tuple[str, str, str]]:
    """(type, reason, message) of the events about `obj`, oldest first (as describe lists)."""
    uid = obj["metadata"]["uid"]
    found = [
        e
        for e in cluster.list(
            cluster.kind("", "events"), obj["metadata"].get("namespace") or "default"
        )
        if e["involvedObject"].get("uid") == uid
    ]
    return [(e["type"], e["reason"], e["message"]) for e in found]


def conditions(obj: Obj) -> dict[str, tuple[str, str]]:
    """type -> (status, reason) of an object's status.conditions."""
    return {
        c["type"]: (c["status"], c.get("reason", ""))
        for c in (obj.get("status") or {}).get("conditions") or []
    }
