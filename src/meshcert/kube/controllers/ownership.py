"""What the workload controllers share: owner references, controllers' pods, conditions, and
writing only what really changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..clock import timestamp
from ..copying import clone
from ..errors import KubeError
from ..store import Obj, WatchEvent
from . import events
from .indexes import index_of

if TYPE_CHECKING:
    from ..cluster import Cluster
    from ..kinds import ResourceKind

GENERATE_NAME_LIMIT = 58  # 63 minus the 5 random characters the apiserver appends


def owner_reference(owner: Obj) -> dict[str, Any]:
    """The controller reference a controller puts on what it creates."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_ref(obj: Obj) -> dict[str, Any] | None:
    """The ownerReference with `controller: true`, if any."""
    for ref in obj["metadata"].get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return ref
    return None


def owner_of(cluster: Cluster, obj: Obj, kind: ResourceKind) -> Obj | None:
    """The live controller of `obj` when it is of `kind` (matching uid), else None."""
    ref = controller_ref(obj)
    if ref is None or ref.get("kind") != kind.kind:
        return None
    apiv = str(ref.get("apiVersion", ""))
    if (apiv.split("/")[0] if "/" in apiv else "") != kind.group:
        return None
    owner = cluster.find(kind, str(obj["metadata"].get("namespace", "")), str(ref.get("name")))
    if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
        return None
    return owner


def owned(cluster: Cluster, kind: ResourceKind, owner: Obj) -> list[Obj]:
    """Objects of `kind` whose controller reference is `owner`."""
    meta = owner["metadata"]
    uid = str(meta["uid"])
    found = index_of(cluster).children(kind, str(meta.get("namespace", "")), uid)
    return [o for o in found if (controller_ref(o) or {}).get("uid") == uid]


def event_target(cluster: Cluster, event: WatchEvent) -> Obj | None:
    """The current stored version of the event's object (None once deleted)."""
    return cluster.find(event.kind, event.namespace, event.name)


def now(cluster: Cluster) -> str:
    return timestamp(cluster.clock.now())


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


# writes ---------------------------------------------------------------------------------------


def write_status(cluster: Cluster, kind: ResourceKind, obj: Obj, status: dict[str, Any]) -> Obj:
    """Replace the status of `obj` if it differs (no write, no event when it does not)."""
    if obj.get("status") == status:
        return obj
    # `status` is handed over (callers build it for this write and keep no hold on it);
    # the metadata is the one part the update changes in place.
    meta = obj["metadata"]
    new = {**obj, "metadata": dict(meta), "status": status}
    return cluster.update(
        kind,
        new,
        str(meta.get("namespace", "")),
        str(meta["name"]),
        subresource="status",
        owned=True,
    )


def write_object(cluster: Cluster, kind: ResourceKind, new: Obj) -> Obj:
    """Write spec/metadata changes made to a copy (through admission, like any client); the
    copy is handed over to the cluster."""
    meta = new["metadata"]
    return cluster.update(kind, new, str(meta.get("namespace", "")), str(meta["name"]), owned=True)


def pod_from_template(owner: Obj, template: dict[str, Any], **labels: str) -> Obj:
    """A pod for `owner` from its pod template, with extra labels."""
    tmeta = template.get("metadata") or {}
    meta: dict[str, Any] = {"ownerReferences": [owner_reference(owner)]}
    pod_labels = {**(tmeta.get("labels") or {}), **labels}
    if pod_labels:
        meta["labels"] = pod_labels
    if tmeta.get("annotations"):
        meta["annotations"] = clone(tmeta["annotations"])
    if tmeta.get("finalizers"):
        meta["finalizers"] = list(tmeta["finalizers"])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": clone(template.get("spec") or {}),
    }


def create_pod(
    cluster: Cluster, owner: Obj, pod: Obj, component: str, message: str = ""
) -> tuple[Obj | None, str]:
    """Create `pod` for `owner` and record the event; (pod, "") or (None, the refusal).

    `pod` is handed over to the cluster (built by `pod_from_template`, which copies what it
    takes from the owner): it is stored without another copy."""
    pod_kind = cluster.kind("", "pods")
    ns = str(owner["metadata"]["namespace"])
    try:
        created = cluster.create(pod_kind, pod, ns, owned=True)
    except KubeError as err:
        failure = f"Error creating: {err}"
        events.emit(cluster, owner, "FailedCreate", failure, type_="Warning", component=component)
        return None, failure
    text = message or f"Created pod: {created['metadata']['name']}"
    events.emit(cluster, owner, "SuccessfulCreate", text, component=component)
    return created, ""


def delete_pod(cluster: Cluster, owner: Obj, pod: Obj, component: str, message: str = "") -> None:
    meta = pod["metadata"]
    pod_kind = cluster.kind("", "pods")
    if cluster.find(pod_kind, meta["namespace"], meta["name"]) is None:
        return
    cluster.delete(pod_kind, meta["namespace"], meta["name"])
    text = message or f"Deleted pod: {meta['name']}"
    events.emit(cluster, owner, "SuccessfulDelete", text, component=component)


# pods' readiness ------------------------------------------------------------------------------


def condition(obj: Obj, type_: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return None


def pod_ready(pod: Obj) -> bool:
    cond = condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def pod_available(pod: Obj, min_ready_seconds: int, cluster: Cluster) -> bool:
    cond = condition(pod, "Ready")
    if cond is None or cond.get("status") != "True":
        return False
    if min_ready_seconds <= 0:
        return True
    since = cond.get("lastTransitionTime")
    if not since:
        return False
    elapsed = cluster.clock.now().replace(tzinfo=None) - parse_time(str(since))
    return elapsed.total_seconds() >= min_ready_seconds


def set_condition(
    conditions: list[dict[str, Any]],
    new: dict[str, Any],
    moment: str,
    *,
    update_time: bool = True,
) -> list[dict[str, Any]]:
    """Kubernetes' SetCondition: same status and reason = unchanged; same status = keep the
    transition time; the changed condition moves to the end."""
    current = next((c for c in conditions if c.get("type") == new["type"]), None)
    if (
        current is not None
        and current.get("status") == new["status"]
        and current.get("reason") == new.get("reason")
        and current.get("message") == new.get("message")
    ):
        return conditions
    entry = dict(new)
    if update_time:
        entry["lastUpdateTime"] = moment
    if current is not None and current.get("status") == new["status"]:
        entry["lastTransitionTime"] = current.get("lastTransitionTime", moment)
    else:
        entry["lastTransitionTime"] = moment
    ordered = {k: entry[k] for k in sorted(entry)}
    return [c for c in conditions if c.get("type") != new["type"]] + [ordered]


def drop_condition(conditions: list[dict[str, Any]], type_: str) -> list[dict[str, Any]]:
    return [c for c in conditions if c.get("type") != type_]


def nonzero(fields: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Status counters as the API serialises them (`omitempty`: zero values left out)."""
    return {k: v for k, v in fields if v}
