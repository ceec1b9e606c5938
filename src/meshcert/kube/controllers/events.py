"""Events as the controllers and kubelets record them: named `<object>.<hex nanoseconds>` so that
they list (and `kubectl describe` shows them) in the order they happened, with the container a
kubelet event is about in `involvedObject.fieldPath`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..clock import timestamp
from ..store import Obj

if TYPE_CHECKING:
    from ..cluster import Cluster

_SEQUENCE_KEY = "meshcert.controllers.event_sequence"


def _event_name(cluster: Cluster, name: str) -> str:
    moment = cluster.clock.now()
    nanos = int(moment.timestamp()) * 1_000_000_000
    last = int(cluster.extensions.get(_SEQUENCE_KEY, 0))
    value = max(nanos, last + 1)
    cluster.extensions[_SEQUENCE_KEY] = value
    return f"{name}.{value:x}"


def emit(
    cluster: Cluster,
    involved: Obj,
    reason: str,
    message: str,
    *,
    component: str,
    type_: str = "Normal",
    field_path: str = "",
    host: str = "",
) -> None:
    """Write a core/v1 Event about `involved` (skipped when its namespace is gone)."""
    meta = involved["metadata"]
    namespace = str(meta.get("namespace") or "default")
    if cluster.find(cluster.kind("", "namespaces"), "", namespace) is None:
        return
    moment = timestamp(cluster.clock.now())
    ref: dict[str, Any] = {
        "apiVersion": involved.get("apiVersion", ""),
        "kind": involved.get("kind", ""),
        "name": meta["name"],
        "namespace": namespace,
        "uid": meta.get("uid", ""),
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    if field_path:
        ref["fieldPath"] = field_path
    source = {"component": component, **({"host": host} if host else {})}
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": _event_name(cluster, str(meta["name"])), "namespace": namespace},
        "involvedObject": ref,
        "reason": reason,
        "message": message,
        "type": type_,
        "source": source,
        "reportingComponent": component,
        "reportingInstance": host,
        "firstTimestamp": moment,
        "lastTimestamp": moment,
        "count": 1,
    }
    cluster.create(cluster.kind("", "events"), event, namespace, owned=True)
