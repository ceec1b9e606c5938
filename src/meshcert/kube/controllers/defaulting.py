"""The built-in mutating admission: the defaults the apiserver gives pods, workloads, Services
and Namespaces, the admission plug-ins pods go through on creation (ServiceAccount,
DefaultTolerationSeconds, Priority), a fresh status on creation, and the cheap validation that
comes with them (see `workload_validation`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors
from ..admission import AdmissionRequest
from ..copying import clone
from ..errors import Cause
from . import serviceaccounts, services, workload_validation
from .podspecs import default_pod, default_pod_spec, qos_class

if TYPE_CHECKING:
    from ..cluster import Cluster

_TOLERATION_SECONDS = 300
_DEFAULT_TOLERATIONS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
# Priority classes every cluster has; others are not served, so naming one is refused.
SYSTEM_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
_WORKLOADS = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet")
# A new workload's status: the zero values of the fields the API always serialises.
_EMPTY_STATUS: dict[str, dict[str, int]] = {
    "ReplicaSet": {"replicas": 0},
    "StatefulSet": {"replicas": 0, "availableReplicas": 0},
    "DaemonSet": {
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 0,
        "numberReady": 0,
    },
}


class DefaultingHook:
    """Defaults, allocation and cheap validation of built-in kinds on CREATE and UPDATE."""

    name = "defaulting"

    def mutate(self, cluster: Cluster, request: AdmissionRequest) -> None:
        obj = request.object
        if obj is None or request.operation not in ("CREATE", "UPDATE"):
            return
        group, kind = request.kind.group, request.kind.kind
        if group == "" and kind == "Pod":
            admit_pod(cluster, request, obj)
        elif group == "" and kind == "Service":
            services.admit_service(cluster, request)
        elif group == "" and kind == "Namespace":
            default_namespace(obj, creating=request.operation == "CREATE")
        elif group == "" and kind == "Secret":
            obj["type"] = obj.get("type") or "Opaque"
        elif group == "apps" and kind in _WORKLOADS:
            admit_workload(request, obj)


def default_namespace(ns: dict[str, Any], *, creating: bool) -> None:
    meta = ns.setdefault("metadata", {})
    labels = meta.get("labels") or {}
    labels["kubernetes.io/metadata.name"] = meta.get("name", "")
    meta["labels"] = labels
    if creating:
        ns["spec"] = {"finalizers": ["kubernetes"]}
        ns["status"] = {"phase": "Active"}


def admit_pod(cluster: Cluster, request: AdmissionRequest, pod: dict[str, Any]) -> None:
    spec = pod.setdefault("spec", {})
    default_pod(spec)
    old = request.old_object
    if old is not None:
        before = clone(old.get("spec") or {})
        default_pod(before)  # a pod stored without defaults may still be labelled
        causes = workload_validation.check_containers(spec, "spec")
        causes += workload_validation.check_pod_update(spec, before)
        if causes:
            raise errors.invalid("Pod", "", request.name, causes)
        return
    causes = workload_validation.check_containers(spec, "spec")
    if causes:
        raise errors.invalid("Pod", "", request.name, causes)
    serviceaccounts.admit_pod(cluster, request.namespace, pod)
    _default_tolerations(spec)
    _priority(pod)
    pod["status"] = {"phase": "Pending", "qosClass": qos_class(spec)}


def _default_tolerations(spec: dict[str, Any]) -> None:
    """DefaultTolerationSeconds: tolerate not-ready and unreachable nodes for 5 minutes."""
    tolerations: list[dict[str, Any]] = list(spec.get("tolerations") or [])
    for key in _DEFAULT_TOLERATIONS:
        covered = any(
            (t.get("key") == key or (t.get("operator") == "Exists" and not t.get("key")))
            and t.get("effect") in (None, "", "NoExecute")
            for t in tolerations
        )
        if not covered:
            tolerations.append(
                {
                    "effect": "NoExecute",
                    "key": key,
                    "operator": "Exists",
                    "tolerationSeconds": _TOLERATION_SECONDS,
                }
            )
    spec["tolerations"] = tolerations


def _priority(pod: dict[str, Any]) -> None:
    spec = pod["spec"]
    name = spec.get("priorityClassName")
    if name:
        if name not in SYSTEM_PRIORITIES:
            shown = pod["metadata"].get("generateName") or pod["metadata"].get("name")
            raise errors.Forbidden(
                f'pods "{shown}" is forbidden: no PriorityClass with name {name} was found',
                name=str(shown),
                kind="pods",
            )
        spec["priority"] = SYSTEM_PRIORITIES[name]
    else:
        spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")


# workloads ------------------------------------------------------------------------------------


def admit_workload(request: AdmissionRequest, obj: dict[str, Any]) -> None:
    kind = request.kind.kind
    spec = obj.setdefault("spec", {})
    default_workload(kind, spec)
    old_spec = (request.old_object or {}).get("spec") if request.old_object else None
    causes: list[Cause] = workload_validation.check_workload(kind, spec, old_spec)
    if kind == "StatefulSet" and old_spec is not None:
        causes += workload_validation.check_statefulset_update(spec, old_spec)
    if causes:
        raise errors.invalid(kind, "apps", request.name, causes)
    if request.operation == "CREATE":
        obj["status"] = dict(_EMPTY_STATUS.get(kind, {}))


def default_workload(kind: str, spec: dict[str, Any]) -> None:
    """The apps/v1 defaults of Deployments, ReplicaSets, DaemonSets and StatefulSets."""
    template = spec.get("template")
    if isinstance(template, dict):
        default_pod_spec(template.setdefault("spec", {}))
    if kind != "DaemonSet" and spec.get("replicas") is None:
        spec["replicas"] = 1
    if kind != "ReplicaSet" and spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if kind == "Deployment":
        strategy = spec.get("strategy") or {}
        strategy["type"] = strategy.get("type") or "RollingUpdate"
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.get("rollingUpdate") or {}
            rolling.setdefault("maxSurge", "25%")
            rolling.setdefault("maxUnavailable", "25%")
            strategy["rollingUpdate"] = rolling
        spec["strategy"] = strategy
        if spec.get("progressDeadlineSeconds") is None:
            spec["progressDeadlineSeconds"] = 600
    elif kind == "DaemonSet":
        strategy = spec.get("updateStrategy") or {}
        strategy["type"] = strategy.get("type") or "RollingUpdate"
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.get("rollingUpdate") or {}
            rolling.setdefault("maxSurge", 0)
            rolling.setdefault("maxUnavailable", 1)
            strategy["rollingUpdate"] = rolling
        spec["updateStrategy"] = strategy
    elif kind == "StatefulSet":
        spec["podManagementPolicy"] = spec.get("podManagementPolicy") or "OrderedReady"
        strategy = spec.get("updateStrategy") or {}
        strategy["type"] = strategy.get("type") or "RollingUpdate"
        if strategy["type"] == "RollingUpdate":
            strategy["rollingUpdate"] = {"partition": 0, **(strategy.get("rollingUpdate") or {})}
        spec["updateStrategy"] = strategy
        retention = spec.get("persistentVolumeClaimRetentionPolicy") or {}
        retention.setdefault("whenDeleted", "Retain")
        retention.setdefault("whenScaled", "Retain")
        spec["persistentVolumeClaimRetentionPolicy"] = retention
        for claim in spec.get("volumeClaimTemplates") or []:
            claim.setdefault("apiVersion", "v1")
            claim.setdefault("kind", "PersistentVolumeClaim")
            claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
            claim.setdefault("status", {"phase": "Pending"})
