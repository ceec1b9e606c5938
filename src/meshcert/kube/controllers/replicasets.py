"""The ReplicaSet controller: as many pods as `spec.replicas` (new ones named `<rs>-xxxxx`,
surplus ones deleted in the order Kubernetes ranks them), a status that counts them, and the
ReplicaFailure condition when pods are refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..copying import clone
from ..store import Obj, WatchEvent
from .ownership import (
    GENERATE_NAME_LIMIT,
    condition,
    create_pod,
    delete_pod,
    drop_condition,
    now,
    owned,
    owner_of,
    pod_available,
    pod_from_template,
    pod_ready,
    write_status,
)

if TYPE_CHECKING:
    from ..cluster import Cluster

COMPONENT = "replicaset-controller"
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


class ReplicaSetController:
    name = COMPONENT
    watches: tuple[tuple[str, str], ...] = (
        ("apps", "replicasets"),
        ("", "pods"),
        ("", "serviceaccounts"),
    )

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        rs_kind = cluster.kind("apps", "replicasets")
        if event.kind.plural == "replicasets":
            rs = cluster.find(rs_kind, event.namespace, event.name)
            if rs is not None:
                # A refused pod is retried when the spec changes, not on our own status write.
                settled = (rs.get("status") or {}).get("observedGeneration") == rs["metadata"].get(
                    "generation"
                )
                retry = not (settled and condition(rs, "ReplicaFailure") is not None)
                sync_replicaset(cluster, rs, create=retry)
        elif event.kind.plural == "pods":
            rs = owner_of(cluster, event.object, rs_kind)
            if rs is not None:
                sync_replicaset(cluster, rs)
        elif event.type == "ADDED":
            # Pods refused for want of this ServiceAccount may be created now.
            for rs in cluster.list(rs_kind, event.namespace):
                if condition(rs, "ReplicaFailure") is not None:
                    sync_replicaset(cluster, rs)


def deletion_rank(pod: Obj) -> tuple[Any, ...]:
    """Lower ranks are deleted first: unscheduled, pending, not ready, cheaper, recently ready,
    more restarts, newer."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    ready = pod_ready(pod)
    ready_since = ""
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Ready":
            ready_since = str(cond.get("lastTransitionTime") or "")
    annotations = pod["metadata"].get("annotations") or {}
    try:
        cost = int(annotations.get("controller.kubernetes.io/pod-deletion-cost", 0))
    except ValueError:
        cost = 0
    restarts = sum(int(s.get("restartCount", 0)) for s in status.get("containerStatuses") or [])
    created = str(pod["metadata"].get("creationTimestamp", ""))
    return (
        bool(spec.get("nodeName")),
        _PHASE_RANK.get(str(status.get("phase", "Pending")), 0),
        ready,
        cost,
        _descending(ready_since),
        -restarts,
        _descending(created),
        _descending(str(pod["metadata"]["name"])),
    )


def _descending(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text)


def sync_replicaset(cluster: Cluster, rs: Obj, *, create: bool = True) -> None:
    pod_kind = cluster.kind("", "pods")
    spec = rs.get("spec") or {}
    meta = rs["metadata"]
    pods = owned(cluster, pod_kind, rs)
    want = int(spec.get("replicas", 1))
    failure = ""
    if len(pods) < want and not create:
        failure = str((condition(rs, "ReplicaFailure") or {}).get("message", ""))
    elif len(pods) < want:
        template = spec.get("template") or {}
        prefix = f"{meta['name'][:GENERATE_NAME_LIMIT]}-"
        for _ in range(want - len(pods)):
            pod = pod_from_template(rs, template)
            pod["metadata"]["generateName"] = prefix
            created, failure = create_pod(cluster, rs, pod, COMPONENT)
            if created is None:
                break
            pods.append(created)
    elif len(pods) > want:
        victims = sorted(pods, key=deletion_rank)[: len(pods) - want]
        for pod in victims:
            delete_pod(cluster, rs, pod, COMPONENT)
        gone = {id(p) for p in victims}
        pods = [p for p in pods if id(p) not in gone]
    current = cluster.find(cluster.kind("apps", "replicasets"), meta["namespace"], meta["name"])
    if current is None:
        return
    write_status(
        cluster,
        cluster.kind("apps", "replicasets"),
        current,
        rs_status(cluster, current, pods, failure),
    )


def rs_status(cluster: Cluster, rs: Obj, pods: list[Obj], failure: str) -> dict[str, Any]:
    spec = rs.get("spec") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = int(spec.get("minReadySeconds", 0) or 0)
    labeled = sum(
        1
        for p in pods
        if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in template_labels.items())
    )
    ready = sum(1 for p in pods if pod_ready(p))
    available = sum(1 for p in pods if pod_available(p, min_ready, cluster))
    prev = rs.get("status") or {}
    conditions = clone(prev.get("conditions") or [])
    if failure:
        before = condition(rs, "ReplicaFailure")
        if before is None or before.get("message") != failure:
            conditions = [
                *drop_condition(conditions, "ReplicaFailure"),
                {
                    "lastTransitionTime": now(cluster),
                    "message": failure,
                    "reason": "FailedCreate",
                    "status": "True",
                    "type": "ReplicaFailure",
                },
            ]
    else:
        conditions = drop_condition(conditions, "ReplicaFailure")
    status: dict[str, Any] = {"replicas": len(pods)}
    if labeled:
        status["fullyLabeledReplicas"] = labeled
    if ready:
        status["readyReplicas"] = ready
    if available:
        status["availableReplicas"] = available
    status["terminatingReplicas"] = 0
    if rs["metadata"].get("generation") is not None:
        status["observedGeneration"] = rs["metadata"]["generation"]
    if conditions:
        status["conditions"] = conditions
    return status
