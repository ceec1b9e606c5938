"""The Deployment controller: one ReplicaSet per pod template (`<deploy>-<pod-template-hash>`),
revisions, rolling updates within maxSurge/maxUnavailable (or Recreate), rollbacks that reuse
the old ReplicaSet, pause, history cleanup, and the status and conditions `kubectl rollout
status` waits for.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..cluster import hash_suffix
from ..copying import clone
from ..store import Obj, WatchEvent
from . import events
from .deployment_status import deployment_status, surge_and_unavailable
from .ownership import owned, owner_of, owner_reference, write_object, write_status

if TYPE_CHECKING:
    from ..cluster import Cluster

COMPONENT = "deployment-controller"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX = "deployment.kubernetes.io/max-replicas"
_NOT_COPIED = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        REVISION_HISTORY,
        DESIRED,
        MAX,
        "deprecated.deployment.rollback.to",
    }
)


class DeploymentController:
    name = COMPONENT
    watches: tuple[tuple[str, str], ...] = (("apps", "deployments"), ("apps", "replicasets"))

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        deploy_kind = cluster.kind("apps", "deployments")
        if event.kind.plural == "deployments":
            deploy = cluster.find(deploy_kind, event.namespace, event.name)
        else:
            deploy = owner_of(cluster, event.object, deploy_kind)
        if deploy is not None:
            sync_deployment(cluster, deploy)


# arithmetic -----------------------------------------------------------------------------------


def revision_of(rs: Obj) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


def _replicas(rs: Obj) -> int:
    return int((rs.get("spec") or {}).get("replicas", 0))


def _stat(rs: Obj, key: str) -> int:
    return int((rs.get("status") or {}).get(key, 0))


def without_hash(template: dict[str, Any]) -> dict[str, Any]:
    """A ReplicaSet's template as the Deployment's (the pod-template-hash label removed).

    Shares all but the changed metadata with `template`: read it, do not change it."""
    meta = template.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("labels"), dict):
        return template
    labels: dict[str, Any] = meta["labels"]
    rest = {k: v for k, v in labels.items() if k != HASH_LABEL}
    out_meta = {**meta, "labels": rest}
    if not rest:
        del out_meta["labels"]
    return {**template, "metadata": out_meta}


def template_hash(template: dict[str, Any], collisions: int) -> str:
    text = json.dumps(template, sort_keys=True) + (f"/{collisions}" if collisions else "")
    return hash_suffix(text)


# the sync -------------------------------------------------------------------------------------


def sync_deployment(cluster: Cluster, deploy: Obj) -> None:
    rs_kind = cluster.kind("apps", "replicasets")
    template = deploy["spec"].get("template") or {}
    replica_sets = sorted(
        owned(cluster, rs_kind, deploy),
        key=lambda rs: (rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"]),
    )
    new_rs = next(
        (rs for rs in replica_sets if without_hash(rs["spec"]["template"]) == template), None
    )
    olds = [rs for rs in replica_sets if rs is not new_rs]
    paused = bool(deploy["spec"].get("paused"))
    recreate = (deploy["spec"].get("strategy") or {}).get("type") == "Recreate"
    created = False
    if new_rs is not None:
        new_rs = _sync_revision(cluster, deploy, new_rs, olds)
    elif not paused and not (
        recreate and any(_replicas(rs) or _stat(rs, "replicas") for rs in olds)
    ):
        new_rs = _create_new_rs(cluster, deploy, olds, recreate)
        created = new_rs is not None
        if new_rs is None:
            return
    if new_rs is not None:
        deploy = _sync_deploy_revision(cluster, deploy, new_rs)
    if paused:
        _scale_paused(cluster, deploy, new_rs, olds)
    elif recreate:
        _rollout_recreate(cluster, deploy, new_rs, olds)
    elif new_rs is not None:
        _rollout_rolling(cluster, deploy, new_rs, olds)
    deploy_kind = cluster.kind("apps", "deployments")
    meta = deploy["metadata"]
    current = cluster.find(deploy_kind, meta["namespace"], meta["name"])
    if current is None:
        return
    replica_sets = owned(cluster, rs_kind, current)
    new_rs = next(
        (
            rs
            for rs in replica_sets
            if new_rs and rs["metadata"]["name"] == new_rs["metadata"]["name"]
        ),
        None,
    )
    status = deployment_status(cluster, current, new_rs, replica_sets, created)
    write_status(cluster, deploy_kind, current, status)
    if not paused and _complete(current, status):
        _cleanup(cluster, current, [rs for rs in replica_sets if rs is not new_rs])


def _complete(deploy: Obj, status: dict[str, Any]) -> bool:
    want = int(deploy["spec"].get("replicas", 1))
    return all(
        int(status.get(k, 0)) == want for k in ("updatedReplicas", "replicas", "availableReplicas")
    )


def _copied_annotations(deploy: Obj) -> dict[str, str]:
    source = deploy["metadata"].get("annotations") or {}
    return {k: v for k, v in source.items() if k not in _NOT_COPIED}


def _create_new_rs(cluster: Cluster, deploy: Obj, olds: list[Obj], recreate: bool) -> Obj | None:
    rs_kind = cluster.kind("apps", "replicasets")
    spec = deploy["spec"]
    meta = deploy["metadata"]
    template = clone(spec.get("template") or {})
    collisions = int((deploy.get("status") or {}).get("collisionCount", 0))
    surge, _ = surge_and_unavailable(deploy)
    want = int(spec.get("replicas", 1))
    if recreate:
        count = want
    else:
        total = sum(_replicas(rs) for rs in olds)
        count = max(0, min(want + surge - total, want))
    revision = max([revision_of(rs) for rs in olds] + [0]) + 1
    for _ in range(10):
        pod_hash = template_hash(template, collisions)
        name = f"{meta['name']}-{pod_hash}"
        if cluster.find(rs_kind, meta["namespace"], name) is None:
            break
        collisions += 1
    else:
        return None
    if collisions != int((deploy.get("status") or {}).get("collisionCount", 0)):
        status = {**(deploy.get("status") or {}), "collisionCount": collisions}
        deploy = write_status(cluster, cluster.kind("apps", "deployments"), deploy, status)
    rs_template = clone(template)
    rs_template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
    selector = clone(spec.get("selector") or {})
    selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
    annotations = {
        **_copied_annotations(deploy),
        DESIRED: str(want),
        MAX: str(want + surge),
        REVISION: str(revision),
    }
    rs: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": meta["namespace"],
            "labels": dict(rs_template["metadata"]["labels"]),
            "annotations": annotations,
            "ownerReferences": [owner_reference(deploy)],
        },
        "spec": {"replicas": count, "selector": selector, "template": rs_template},
    }
    if spec.get("minReadySeconds"):
        rs["spec"]["minReadySeconds"] = spec["minReadySeconds"]
    created = cluster.create(rs_kind, rs, meta["namespace"], owned=True)  # built afresh above
    if count > 0:
        _scaled_event(cluster, deploy, name, 0, count)
    return created


def _sync_revision(cluster: Cluster, deploy: Obj, new_rs: Obj, olds: list[Obj]) -> Obj:
    """Bring the new ReplicaSet's revision above every old one (a rollback re-numbers it) and
    copy the Deployment's annotations to it."""
    revision = max([revision_of(rs) for rs in olds] + [0]) + 1
    annotations = dict(new_rs["metadata"].get("annotations") or {})
    wanted = {**annotations, **_copied_annotations(deploy)}
    current = revision_of(new_rs)
    if current < revision:
        wanted[REVISION] = str(revision)
        if current:
            history = [h for h in str(annotations.get(REVISION_HISTORY, "")).split(",") if h]
            wanted[REVISION_HISTORY] = ",".join([*history, str(current)])
    if (new_rs["spec"].get("minReadySeconds") or 0) != (deploy["spec"].get("minReadySeconds") or 0):
        changed = clone(new_rs)
        changed["spec"]["minReadySeconds"] = deploy["spec"].get("minReadySeconds") or 0
        new_rs = write_object(cluster, cluster.kind("apps", "replicasets"), changed)
    if wanted == annotations:
        return new_rs
    changed = clone(new_rs)
    changed["metadata"]["annotations"] = wanted
    return write_object(cluster, cluster.kind("apps", "replicasets"), changed)


def _sync_deploy_revision(cluster: Cluster, deploy: Obj, new_rs: Obj) -> Obj:
    revision = (new_rs["metadata"].get("annotations") or {}).get(REVISION)
    annotations = deploy["metadata"].get("annotations") or {}
    if not revision or annotations.get(REVISION) == revision:
        return deploy
    # A copy for admission to default in place: the spec. The status is the stored one
    # whatever is sent (the update copies it), and the metadata's top level alone changes.
    changed = {
        **deploy,
        "metadata": {**deploy["metadata"], "annotations": {**annotations, REVISION: revision}},
        "spec": clone(deploy["spec"]),
    }
    return write_object(cluster, cluster.kind("apps", "deployments"), changed)


def _scaled_event(cluster: Cluster, deploy: Obj, name: str, before: int, after: int) -> None:
    way = "up" if after > before else "down"
    text = f"Scaled {way} replica set {name} from {before} to {after}"
    events.emit(cluster, deploy, "ScalingReplicaSet", text, component=COMPONENT)


def scale_replicaset(cluster: Cluster, deploy: Obj, rs: Obj, replicas: int) -> Obj:
    surge, _ = surge_and_unavailable(deploy)
    want = int(deploy["spec"].get("replicas", 1))
    annotations = dict(rs["metadata"].get("annotations") or {})
    wanted = {**annotations, DESIRED: str(want), MAX: str(want + surge)}
    before = _replicas(rs)
    if before == replicas and wanted == annotations:
        return rs
    changed = clone(rs)
    changed["spec"]["replicas"] = replicas
    changed["metadata"]["annotations"] = wanted
    updated = write_object(cluster, cluster.kind("apps", "replicasets"), changed)
    if before != replicas:
        _scaled_event(cluster, deploy, rs["metadata"]["name"], before, replicas)
    return updated


def _rollout_rolling(cluster: Cluster, deploy: Obj, new_rs: Obj, olds: list[Obj]) -> None:
    want = int(deploy["spec"].get("replicas", 1))
    surge, unavailable = surge_and_unavailable(deploy)
    # Scale the new ReplicaSet up (or down to the Deployment's size), if we can.
    current = _replicas(new_rs)
    if current > want:
        scale_replicaset(cluster, deploy, new_rs, want)
        return
    if current < want:
        total = current + sum(_replicas(rs) for rs in olds)
        if total < want + surge:
            grow = min(want + surge - total, want - current)
            scale_replicaset(cluster, deploy, new_rs, current + grow)
            return
    # Scale old ReplicaSets down, keeping enough available.
    old_total = sum(_replicas(rs) for rs in olds)
    if old_total == 0:
        return
    all_total = current + old_total
    min_available = want - unavailable
    new_unavailable = current - _stat(new_rs, "availableReplicas")
    budget = all_total - min_available - new_unavailable
    if budget <= 0:
        return
    cleaned = 0
    remaining: list[Obj] = []
    for rs in olds:  # unhealthy replicas first
        spare = _replicas(rs) - _stat(rs, "availableReplicas")
        if cleaned < budget and _replicas(rs) and spare > 0:
            cut = min(budget - cleaned, spare)
            rs = scale_replicaset(cluster, deploy, rs, _replicas(rs) - cut)
            cleaned += cut
        remaining.append(rs)
    available = _stat(new_rs, "availableReplicas") + sum(
        _stat(rs, "availableReplicas") for rs in remaining
    )
    to_cut = available - min_available
    for rs in remaining:
        if to_cut <= 0:
            break
        if not _replicas(rs):
            continue
        cut = min(_replicas(rs), to_cut)
        scale_replicaset(cluster, deploy, rs, _replicas(rs) - cut)
        to_cut -= cut


def _rollout_recreate(cluster: Cluster, deploy: Obj, new_rs: Obj | None, olds: list[Obj]) -> None:
    scaled = False
    for rs in olds:
        if _replicas(rs):
            scale_replicaset(cluster, deploy, rs, 0)
            scaled = True
    if scaled or new_rs is None:
        return
    if any(_stat(rs, "replicas") for rs in olds):
        return  # wait for the old pods to be gone
    scale_replicaset(cluster, deploy, new_rs, int(deploy["spec"].get("replicas", 1)))


def _scale_paused(cluster: Cluster, deploy: Obj, new_rs: Obj | None, olds: list[Obj]) -> None:
    """A paused Deployment only scales: the one active ReplicaSet follows spec.replicas."""
    active = [rs for rs in ([new_rs] if new_rs else []) + olds if _replicas(rs)]
    target = active[0] if len(active) == 1 else (new_rs if not active else None)
    if target is not None:
        scale_replicaset(cluster, deploy, target, int(deploy["spec"].get("replicas", 1)))


def _cleanup(cluster: Cluster, deploy: Obj, olds: list[Obj]) -> None:
    """Delete the oldest idle ReplicaSets beyond revisionHistoryLimit."""
    limit = int(deploy["spec"].get("revisionHistoryLimit", 10))
    idle = sorted(
        (rs for rs in olds if not _replicas(rs) and not _stat(rs, "replicas")),
        key=revision_of,
    )
    rs_kind = cluster.kind("apps", "replicasets")
    for rs in idle[: max(0, len(idle) - limit)]:
        cluster.delete(rs_kind, rs["metadata"]["namespace"], rs["metadata"]["name"])
