"""The apiextensions controller's visible part: a new CustomResourceDefinition gets the status a
real apiserver gives it (conditions NamesAccepted and Established, acceptedNames,
storedVersions), so `kubectl wait --for condition=Established crd/NAME` returns at once; a
deleted CRD takes its custom resources with it (kubernetes.io docs/tasks/extend-kubernetes/
custom-resources/custom-resource-definitions, "Delete a CustomResourceDefinition").

Whether a kind that needs its CRD is served follows the store (`KindRegistry.crd_exists`):
nothing to do here when one is created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..clock import timestamp
from ..store import WatchEvent
from .ownership import write_status

if TYPE_CHECKING:
    from ..cluster import Cluster

CRD_GROUP = "apiextensions.k8s.io"
CRD_PLURAL = "customresourcedefinitions"


class CustomResourceDefinitionController:
    name = "apiextensions-controller"
    watches: tuple[tuple[str, str], ...] = ((CRD_GROUP, CRD_PLURAL),)

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        if event.type == "DELETED":
            _delete_resources(cluster, event.object)
            return
        crd = cluster.store.get(event.kind, "", event.name)
        if crd is None:
            return
        status = established_status(crd, timestamp(cluster.clock.now()))
        current = crd.get("status") or {}
        settled = [(c.get("type"), c.get("status")) for c in current.get("conditions") or []]
        if settled == [("NamesAccepted", "True"), ("Established", "True")] and all(
            current.get(k) == status[k] for k in ("acceptedNames", "storedVersions")
        ):
            return
        write_status(cluster, event.kind, crd, status)


def established_status(crd: dict[str, Any], now: str) -> dict[str, Any]:
    spec = crd.get("spec") or {}
    versions = [v for v in spec.get("versions") or [] if isinstance(v, dict)]
    stored = [str(v.get("name")) for v in versions if v.get("storage")]
    names = dict(spec.get("names") or {})
    if "singular" not in names and names.get("kind"):
        names["singular"] = str(names["kind"]).lower()
    return {
        "acceptedNames": names,
        "conditions": [
            {
                "type": "NamesAccepted",
                "status": "True",
                "reason": "NoConflicts",
                "message": "no conflicts found",
                "lastTransitionTime": now,
            },
            {
                "type": "Established",
                "status": "True",
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
                "lastTransitionTime": now,
            },
        ],
        "storedVersions": stored,
    }


def _delete_resources(cluster: Cluster, crd: dict[str, Any]) -> None:
    spec = crd.get("spec") or {}
    plural = str((spec.get("names") or {}).get("plural", ""))
    kind = cluster.registry.by_plural(str(spec.get("group", "")), plural)
    if kind is None:
        return
    for obj in list(cluster.store.list(kind)):
        meta = obj["metadata"]
        if cluster.store.get(kind, meta.get("namespace", ""), meta["name"]) is not None:
            cluster.delete(kind, meta.get("namespace", ""), meta["name"])


__all__ = ["CustomResourceDefinitionController", "established_status"]
