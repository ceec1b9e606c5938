"""A Deployment's status from its ReplicaSets: the counters, and the Available, Progressing and
ReplicaFailure conditions with the deployment controller's reasons and messages.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..copying import clone
from ..store import Obj
from .ownership import condition, drop_condition, nonzero, now, set_condition

if TYPE_CHECKING:
    from ..cluster import Cluster


def _resolve(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        share = int(value[:-1]) * total / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(value or 0)


def surge_and_unavailable(deploy: Obj) -> tuple[int, int]:
    """maxSurge (rounded up) and maxUnavailable (rounded down); both 0 means 1 unavailable."""
    spec = deploy["spec"]
    strategy = spec.get("strategy") or {}
    if strategy.get("type") != "RollingUpdate":
        return 0, 0
    replicas = int(spec.get("replicas", 1))
    rolling = strategy.get("rollingUpdate") or {}
    surge = _resolve(rolling.get("maxSurge", "25%"), replicas, True)
    unavailable = _resolve(rolling.get("maxUnavailable", "25%"), replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, min(unavailable, replicas)


def _sum(replica_sets: list[Obj], key: str, *, spec: bool = False) -> int:
    part = "spec" if spec else "status"
    return sum(int((rs.get(part) or {}).get(key, 0)) for rs in replica_sets)


def deployment_status(
    cluster: Cluster, deploy: Obj, new_rs: Obj | None, replica_sets: list[Obj], created: bool
) -> dict[str, Any]:
    spec = deploy["spec"]
    prev = deploy.get("status") or {}
    want = int(spec.get("replicas", 1))
    available = _sum(replica_sets, "availableReplicas")
    total = _sum(replica_sets, "replicas", spec=True)
    counters = nonzero(
        [
            ("replicas", _sum(replica_sets, "replicas")),
            ("updatedReplicas", _sum([new_rs] if new_rs else [], "replicas")),
            ("readyReplicas", _sum(replica_sets, "readyReplicas")),
            ("availableReplicas", available),
            ("unavailableReplicas", max(0, total - available)),
        ]
    )
    status: dict[str, Any] = {"observedGeneration": deploy["metadata"].get("generation", 1)}
    status.update(counters)
    status["terminatingReplicas"] = 0
    if prev.get("collisionCount"):
        status["collisionCount"] = prev["collisionCount"]
    moment = now(cluster)
    conditions: list[dict[str, Any]] = clone(prev.get("conditions") or [])
    name = new_rs["metadata"]["name"] if new_rs else ""
    progressing = condition(deploy, "Progressing")
    if created:
        conditions = set_condition(
            conditions,
            _cond("Progressing", True, "NewReplicaSetCreated", f'Created new replica set "{name}"'),
            moment,
        )
    elif new_rs is not None and progressing is None:
        conditions = set_condition(
            conditions,
            _cond("Progressing", True, "FoundNewReplicaSet", f'Found new replica set "{name}"'),
            moment,
        )
    paused = bool(spec.get("paused"))
    current = next((c for c in conditions if c.get("type") == "Progressing"), None)
    if paused and (current or {}).get("reason") != "DeploymentPaused":
        conditions = set_condition(
            conditions,
            _cond("Progressing", None, "DeploymentPaused", "Deployment is paused"),
            moment,
        )
    elif not paused and (current or {}).get("reason") == "DeploymentPaused":
        conditions = set_condition(
            conditions,
            _cond("Progressing", None, "DeploymentResumed", "Deployment is resumed"),
            moment,
        )
    _, unavailable = surge_and_unavailable(deploy)
    if available >= want - unavailable:
        avail = _cond(
            "Available", True, "MinimumReplicasAvailable", "Deployment has minimum availability."
        )
    else:
        avail = _cond(
            "Available",
            False,
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    conditions = set_condition(conditions, avail, moment)
    current = next((c for c in conditions if c.get("type") == "Progressing"), None)
    done = (
        status.get("replicas", 0) == status.get("updatedReplicas", 0)
        and (current or {}).get("reason") == "NewReplicaSetAvailable"
    )
    if not paused and not done:
        if all(
            int(status.get(k, 0)) == want
            for k in ("updatedReplicas", "replicas", "availableReplicas")
        ):
            subject = (
                f'ReplicaSet "{name}"' if name else f'Deployment "{deploy["metadata"]["name"]}"'
            )
            conditions = set_condition(
                conditions,
                _cond(
                    "Progressing",
                    True,
                    "NewReplicaSetAvailable",
                    f"{subject} has successfully progressed.",
                ),
                moment,
            )
        elif _progressed(prev, status):
            conditions = set_condition(
                conditions,
                _cond(
                    "Progressing", True, "ReplicaSetUpdated", f'ReplicaSet "{name}" is progressing.'
                ),
                moment,
            )
    failure = condition(new_rs, "ReplicaFailure") if new_rs else None
    if failure is not None:
        conditions = set_condition(
            conditions,
            _cond("ReplicaFailure", True, str(failure.get("reason")), str(failure.get("message"))),
            moment,
        )
    else:
        conditions = drop_condition(conditions, "ReplicaFailure")
    if conditions:
        status["conditions"] = conditions
    return status


def _cond(type_: str, ok: bool | None, reason: str, message: str) -> dict[str, Any]:
    status = "Unknown" if ok is None else ("True" if ok else "False")
    return {"type": type_, "status": status, "reason": reason, "message": message}


def _progressed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    def get(status: dict[str, Any], key: str) -> int:
        return int(status.get(key, 0))

    old_olds = get(old, "replicas") - get(old, "updatedReplicas")
    new_olds = get(new, "replicas") - get(new, "updatedReplicas")
    return (
        get(new, "updatedReplicas") > get(old, "updatedReplicas")
        or new_olds < old_olds
        or get(new, "readyReplicas") > get(old, "readyReplicas")
        or get(new, "availableReplicas") > get(old, "availableReplicas")
    )
