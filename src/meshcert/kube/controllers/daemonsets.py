"""The DaemonSet controller: one pod (`<ds>-xxxxx`, pinned by node affinity) on every node the
template fits, rolling replacement within maxUnavailable when the template changes, and the
status counters `kubectl get ds` shows.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from ..cluster import hash_suffix
from ..copying import clone
from ..store import Obj, WatchEvent
from .ownership import (
    GENERATE_NAME_LIMIT,
    create_pod,
    delete_pod,
    nonzero,
    owned,
    owner_of,
    pod_available,
    pod_from_template,
    pod_ready,
    write_status,
)
from .scheduling import misfit

if TYPE_CHECKING:
    from ..cluster import Cluster

COMPONENT = "daemonset-controller"
REVISION_LABEL = "controller-revision-hash"


def _tolerations(host_network: bool) -> list[dict[str, str]]:
    """What the DaemonSet controller adds so its pods stay on troubled nodes."""
    out = [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
        {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
    ]
    if host_network:
        out.append(
            {
                "key": "node.kubernetes.io/network-unavailable",
                "operator": "Exists",
                "effect": "NoSchedule",
            }
        )
    return out


class DaemonSetController:
    name = COMPONENT
    watches: tuple[tuple[str, str], ...] = (("apps", "daemonsets"), ("", "pods"), ("", "nodes"))

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        ds_kind = cluster.kind("apps", "daemonsets")
        if event.kind.plural == "daemonsets":
            found = cluster.find(ds_kind, event.namespace, event.name)
            targets = [found] if found is not None else []
        elif event.kind.plural == "pods":
            owner = owner_of(cluster, event.object, ds_kind)
            targets = [owner] if owner is not None else []
        else:
            targets = cluster.list(ds_kind)
        for ds in targets:
            sync_daemonset(cluster, ds)


def daemon_pod(ds: Obj, node: str, revision: str) -> Obj:
    """The pod the DaemonSet wants on `node`."""
    template = ds["spec"].get("template") or {}
    generation = str(ds["metadata"].get("generation", 1))
    pod = pod_from_template(
        ds, template, **{REVISION_LABEL: revision, "pod-template-generation": generation}
    )
    spec = pod["spec"]
    pinned = {"key": "metadata.name", "operator": "In", "values": [node]}
    node_affinity = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    terms = required.get("nodeSelectorTerms") or []
    if terms:
        for term in terms:
            term["matchFields"] = [pinned]
    else:
        terms = [{"matchFields": [pinned]}]
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": terms}
    tolerations = list(spec.get("tolerations") or [])
    for tol in _tolerations(bool(spec.get("hostNetwork"))):
        if tol not in tolerations:
            tolerations.append(tol)
    spec["tolerations"] = tolerations
    prefix = ds["metadata"]["name"][:GENERATE_NAME_LIMIT]
    pod["metadata"]["generateName"] = f"{prefix}-"
    return pod


def pod_node(pod: Obj) -> str:
    """The node a daemon pod is on, or is pinned to while not yet scheduled."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or []:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("values"):
                return str(field["values"][0])
    return ""


def _revision(ds: Obj) -> str:
    return hash_suffix(json.dumps(ds["spec"].get("template") or {}, sort_keys=True))


def sync_daemonset(cluster: Cluster, ds: Obj) -> None:
    pod_kind = cluster.kind("", "pods")
    revision = _revision(ds)
    nodes = cluster.list(cluster.kind("", "nodes"))
    eligible = [
        n["metadata"]["name"]
        for n in nodes
        if not misfit(daemon_pod(ds, n["metadata"]["name"], revision), n)
    ]
    by_node: dict[str, list[Obj]] = {}
    for pod in owned(cluster, pod_kind, ds):
        by_node.setdefault(pod_node(pod), []).append(pod)
    for node, pods in list(by_node.items()):
        surplus = pods if node not in eligible else sorted(pods, key=_age)[1:]
        for pod in surplus:
            delete_pod(cluster, ds, pod, COMPONENT)
            pods.remove(pod)
    for node in eligible:
        if not by_node.get(node):
            created, _ = create_pod(cluster, ds, daemon_pod(ds, node, revision), COMPONENT)
            if created is None:
                break
            by_node[node] = [created]
    _roll(cluster, ds, revision, eligible, by_node)
    current = cluster.find(
        cluster.kind("apps", "daemonsets"), ds["metadata"]["namespace"], ds["metadata"]["name"]
    )
    if current is not None:
        live = {n: owned_now(cluster, pods) for n, pods in by_node.items()}
        write_status(
            cluster,
            cluster.kind("apps", "daemonsets"),
            current,
            _status(cluster, current, revision, eligible, live),
        )


def owned_now(cluster: Cluster, pods: list[Obj]) -> list[Obj]:
    """The stored versions of `pods` (they may have been updated or deleted meanwhile)."""
    pod_kind = cluster.kind("", "pods")
    out = []
    for pod in pods:
        found = cluster.find(pod_kind, pod["metadata"]["namespace"], pod["metadata"]["name"])
        if found is not None:
            out.append(found)
    return out


def _age(pod: Obj) -> tuple[str, str]:
    return (str(pod["metadata"].get("creationTimestamp", "")), str(pod["metadata"]["name"]))


def _roll(
    cluster: Cluster, ds: Obj, revision: str, eligible: list[str], by_node: dict[str, list[Obj]]
) -> None:
    """RollingUpdate: replace out-of-date pods, at most maxUnavailable nodes at a time."""
    strategy = ds["spec"].get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return
    value = (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1)
    if isinstance(value, str) and value.endswith("%"):
        budget = math.ceil(int(value[:-1]) * len(eligible) / 100)
    else:
        budget = int(value)
    budget = max(budget, 1)
    unavailable = sum(1 for n in eligible if not any(pod_ready(p) for p in by_node.get(n, [])))
    stale = [
        p
        for n in eligible
        for p in by_node.get(n, [])
        if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) != revision
    ]
    stale.sort(key=lambda p: (pod_ready(p), _age(p)))
    for pod in stale:
        if pod_ready(pod):
            if unavailable >= budget:
                break
            unavailable += 1
        delete_pod(cluster, ds, pod, COMPONENT)
        by_node[pod_node(pod)].remove(pod)


def _status(
    cluster: Cluster, ds: Obj, revision: str, eligible: list[str], by_node: dict[str, list[Obj]]
) -> dict[str, Any]:
    min_ready = int(ds["spec"].get("minReadySeconds", 0) or 0)
    scheduled = [n for n in eligible if by_node.get(n)]
    ready = [n for n in scheduled if any(pod_ready(p) for p in by_node[n])]
    available = [
        n for n in scheduled if any(pod_available(p, min_ready, cluster) for p in by_node[n])
    ]
    updated = [
        n
        for n in scheduled
        if any(
            (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == revision for p in by_node[n]
        )
    ]
    misscheduled = sum(1 for n, pods in by_node.items() if n not in eligible and pods)
    status: dict[str, Any] = {
        "currentNumberScheduled": len(scheduled),
        "desiredNumberScheduled": len(eligible),
        "numberMisscheduled": misscheduled,
        "numberReady": len(ready),
    }
    status.update(
        nonzero(
            [
                ("updatedNumberScheduled", len(updated)),
                ("numberAvailable", len(available)),
                ("numberUnavailable", len(eligible) - len(available)),
            ]
        )
    )
    status["observedGeneration"] = ds["metadata"].get("generation", 1)
    previous = clone((ds.get("status") or {}).get("conditions"))
    if previous:
        status["conditions"] = previous
    return status
