"""The StatefulSet controller: pods `<name>-0` .. `<name>-N-1` with stable names, created in order
(each waits for the previous to be Ready under OrderedReady) and removed from the highest
ordinal, rolling updates from the highest ordinal down to the partition, and the status with
current and update revisions.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..cluster import hash_suffix
from ..copying import clone
from ..store import Obj, WatchEvent
from .ownership import (
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

if TYPE_CHECKING:
    from ..cluster import Cluster

COMPONENT = "statefulset-controller"
REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


class StatefulSetController:
    name = COMPONENT
    watches: tuple[tuple[str, str], ...] = (
        ("apps", "statefulsets"),
        ("", "pods"),
        ("", "serviceaccounts"),
    )

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        sts_kind = cluster.kind("apps", "statefulsets")
        if event.kind.plural == "statefulsets":
            found = cluster.find(sts_kind, event.namespace, event.name)
            targets = [found] if found is not None else []
        elif event.kind.plural == "pods":
            owner = owner_of(cluster, event.object, sts_kind)
            targets = [owner] if owner is not None else []
        elif event.type == "ADDED":
            targets = cluster.list(sts_kind, event.namespace)
        else:
            targets = []
        for sts in targets:
            sync_statefulset(cluster, sts)


def update_revision(sts: Obj) -> str:
    """`<name>-<hash of the template>`: the revision new pods get."""
    template = json.dumps(sts["spec"].get("template") or {}, sort_keys=True)
    return f"{sts['metadata']['name']}-{hash_suffix(template)}"


def ordinal_start(sts: Obj) -> int:
    return int(((sts["spec"].get("ordinals") or {}).get("start")) or 0)


def stateful_pod(sts: Obj, ordinal: int, revision: str) -> Obj:
    name = f"{sts['metadata']['name']}-{ordinal}"
    pod = pod_from_template(
        sts,
        sts["spec"].get("template") or {},
        **{REVISION_LABEL: revision, POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal)},
    )
    pod["metadata"]["name"] = name
    spec = pod["spec"]
    spec["hostname"] = name
    if sts["spec"].get("serviceName"):
        spec["subdomain"] = sts["spec"]["serviceName"]
    volumes: list[dict[str, Any]] = spec.setdefault("volumes", [])
    present = {v.get("name") for v in volumes}
    for claim in sts["spec"].get("volumeClaimTemplates") or []:
        claim_name = (claim.get("metadata") or {}).get("name")
        if claim_name and claim_name not in present:
            volumes.append(
                {"name": claim_name, "persistentVolumeClaim": {"claimName": f"{claim_name}-{name}"}}
            )
    if not volumes:
        del spec["volumes"]
    return pod


def _ordinal(sts: Obj, pod: Obj) -> int:
    suffix = str(pod["metadata"]["name"])[len(sts["metadata"]["name"]) + 1 :]
    return int(suffix) if suffix.isdigit() else -1


def _event(cluster: Cluster, sts: Obj, verb: str, pod: str) -> str:
    return f"{verb} Pod {pod} in StatefulSet {sts['metadata']['name']} successful"


def sync_statefulset(cluster: Cluster, sts: Obj) -> None:
    pod_kind = cluster.kind("", "pods")
    spec = sts["spec"]
    revision = update_revision(sts)
    start = ordinal_start(sts)
    want = int(spec.get("replicas", 1))
    ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
    pods = {_ordinal(sts, p): p for p in owned(cluster, pod_kind, sts)}
    wanted = range(start, start + want)
    # Create the missing ones, in order.
    for ordinal in wanted:
        if ordinal in pods:
            if ordered and not pod_ready(pods[ordinal]):
                break
            continue
        name = f"{sts['metadata']['name']}-{ordinal}"
        created, _ = create_pod(
            cluster,
            sts,
            stateful_pod(sts, ordinal, revision),
            COMPONENT,
            _event(cluster, sts, "create", name),
        )
        if created is None:
            break
        pods[ordinal] = created
        if ordered:
            break
    # Remove the ones past the end, highest first.
    surplus = sorted((o for o in pods if o not in wanted), reverse=True)
    for ordinal in surplus:
        if ordered and not all(pod_ready(p) for o, p in pods.items() if o in wanted):
            break
        pod = pods.pop(ordinal)
        delete_pod(
            cluster, sts, pod, COMPONENT, _event(cluster, sts, "delete", pod["metadata"]["name"])
        )
        if ordered:
            break
    _roll(cluster, sts, revision, pods)
    current = cluster.find(
        cluster.kind("apps", "statefulsets"), sts["metadata"]["namespace"], sts["metadata"]["name"]
    )
    if current is not None:
        live = [
            p
            for p in (
                cluster.find(pod_kind, q["metadata"]["namespace"], q["metadata"]["name"])
                for q in pods.values()
            )
            if p is not None
        ]
        write_status(
            cluster,
            cluster.kind("apps", "statefulsets"),
            current,
            _status(cluster, current, revision, live),
        )


def _roll(cluster: Cluster, sts: Obj, revision: str, pods: dict[int, Obj]) -> None:
    """RollingUpdate: delete the highest out-of-date pod at or above the partition once every
    pod is Ready; it comes back (same name) at the update revision."""
    strategy = sts["spec"].get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return
    if not all(pod_ready(p) for p in pods.values()):
        return
    partition = int((strategy.get("rollingUpdate") or {}).get("partition", 0) or 0)
    for ordinal in sorted(pods, reverse=True):
        pod = pods[ordinal]
        if ordinal < partition:
            break
        if (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) != revision:
            delete_pod(
                cluster,
                sts,
                pod,
                COMPONENT,
                _event(cluster, sts, "delete", pod["metadata"]["name"]),
            )
            del pods[ordinal]
            return


def _status(cluster: Cluster, sts: Obj, revision: str, pods: list[Obj]) -> dict[str, Any]:
    prev = sts.get("status") or {}
    min_ready = int(sts["spec"].get("minReadySeconds", 0) or 0)
    current_revision = prev.get("currentRevision") or revision
    revisions = [(p["metadata"].get("labels") or {}).get(REVISION_LABEL) for p in pods]
    updated = sum(1 for r in revisions if r == revision)
    want = int(sts["spec"].get("replicas", 1))
    if updated == want == len(pods):
        current_revision = revision
    status: dict[str, Any] = {"observedGeneration": sts["metadata"].get("generation", 1)}
    status["replicas"] = len(pods)
    status.update(
        nonzero(
            [
                ("readyReplicas", sum(1 for p in pods if pod_ready(p))),
                ("currentReplicas", sum(1 for r in revisions if r == current_revision)),
                ("updatedReplicas", updated),
            ]
        )
    )
    status["currentRevision"] = current_revision
    status["updateRevision"] = revision
    status["collisionCount"] = 0
    status["availableReplicas"] = sum(1 for p in pods if pod_available(p, min_ready, cluster))
    if prev.get("conditions"):
        status["conditions"] = clone(prev["conditions"])
    return status
