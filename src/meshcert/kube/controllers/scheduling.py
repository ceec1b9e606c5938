"""The default scheduler: which Ready nodes a pod fits (node selector, required node affinity,
taints and tolerations, cordons), round-robin among them, and the scheduler's own words when
none fits.

Pods are bound when they are created (a mutating admission step), so a pod that fits is stored
already bound, with `metadata.generation` 1 as after a real binding; pods that fit nowhere are
bound later by the kubelet controller when nodes change.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from ..admission import AdmissionRequest
from ..store import Obj

if TYPE_CHECKING:
    from ..cluster import Cluster

DEFAULT_SCHEDULER = "default-scheduler"
_ROUND_ROBIN_KEY = "meshcert.controllers.scheduler.next"
_BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")


class SchedulerHook:
    """Binds new pods of the default scheduler to a node (mutating admission, CREATE)."""

    name = DEFAULT_SCHEDULER

    def mutate(self, cluster: Cluster, request: AdmissionRequest) -> None:
        if request.operation != "CREATE" or request.kind.key != ("", "pods"):
            return
        pod = request.object
        if pod is None or not wants_scheduling(pod):
            return
        node, _ = choose_node(cluster, pod)
        if node is not None:
            pod["spec"]["nodeName"] = node["metadata"]["name"]


def wants_scheduling(pod: Obj) -> bool:
    spec = pod.get("spec") or {}
    return (
        not spec.get("nodeName")
        and spec.get("schedulerName", DEFAULT_SCHEDULER) == DEFAULT_SCHEDULER
        and not spec.get("schedulingGates")
    )


def node_ready(node: Obj) -> bool:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return False


def node_internal_ip(node: Obj) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return str(address.get("address", ""))
    return ""


def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    for tol in tolerations:
        effect = tol.get("effect") or ""
        if effect and effect != taint.get("effect"):
            continue
        operator = tol.get("operator") or "Equal"
        key = tol.get("key") or ""
        if operator == "Exists" and not key:
            return True
        if key != taint.get("key"):
            continue
        if operator == "Exists" or (tol.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def effective_taints(node: Obj) -> list[dict[str, Any]]:
    """The node's taints plus the ones the node lifecycle controller adds (not-ready, cordon)."""
    spec = node.get("spec") or {}
    taints = [t for t in spec.get("taints") or [] if isinstance(t, dict)]
    keys = {t.get("key") for t in taints}
    if not node_ready(node) and "node.kubernetes.io/not-ready" not in keys:
        taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
    if spec.get("unschedulable") and "node.kubernetes.io/unschedulable" not in keys:
        taints.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
    return taints


def _requirement_matches(req: dict[str, Any], value: str | None) -> bool:
    operator = req.get("operator")
    values = [str(v) for v in req.get("values") or []]
    if operator == "In":
        return value is not None and value in values
    if operator == "NotIn":
        return value is None or value not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    if operator in ("Gt", "Lt") and value is not None and values:
        try:
            left, right = int(value), int(values[0])
        except ValueError:
            return False
        return left > right if operator == "Gt" else left < right
    return False


def matches_affinity(pod: Obj, node: Obj) -> bool:
    """nodeSelector and required node affinity (matchExpressions and matchFields)."""
    spec = pod.get("spec") or {}
    labels = node["metadata"].get("labels") or {}
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms")
    if not required:
        return True
    fields = {"metadata.name": node["metadata"]["name"]}
    for term in required:
        exprs = term.get("matchExpressions") or []
        field_reqs = term.get("matchFields") or []
        if not exprs and not field_reqs:
            continue
        if all(_requirement_matches(r, labels.get(r.get("key"))) for r in exprs) and all(
            _requirement_matches(r, fields.get(str(r.get("key")))) for r in field_reqs
        ):
            return True
    return False


def misfit(pod: Obj, node: Obj) -> str:
    """Why `pod` cannot go to `node`, as the scheduler counts it ("" when it fits)."""
    if not matches_affinity(pod, node):
        return "node(s) didn't match Pod's node affinity/selector"
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    for taint in effective_taints(node):
        if taint.get("effect") not in _BLOCKING_EFFECTS or tolerates(tolerations, taint):
            continue
        if taint.get("key") == "node.kubernetes.io/unschedulable":
            return "node(s) were unschedulable"
        return f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value') or ''}}}"
    return ""


def choose_node(cluster: Cluster, pod: Obj) -> tuple[Obj | None, str]:
    """A node for `pod` (round-robin over the feasible ones), or None and the reason."""
    nodes = cluster.list(cluster.kind("", "nodes"))
    if not nodes:
        return None, "no nodes available to schedule pods"
    reasons: Counter[str] = Counter()
    feasible: list[Obj] = []
    for node in nodes:
        why = misfit(pod, node)
        if why:
            reasons[why] += 1
        else:
            feasible.append(node)
    if feasible:
        turn = int(cluster.extensions.get(_ROUND_ROBIN_KEY, 0))
        cluster.extensions[_ROUND_ROBIN_KEY] = turn + 1
        return feasible[turn % len(feasible)], ""
    total = len(nodes)
    detail = ", ".join(f"{count} {why}" for why, count in sorted(reasons.items()))
    return None, (
        f"0/{total} nodes are available: {detail}. preemption: 0/{total} nodes are available: "
        f"{total} Preemption is not helpful for scheduling."
    )
