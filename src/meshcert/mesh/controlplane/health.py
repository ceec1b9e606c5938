"""istiod's health per revision, read from the cluster's objects.

A revision is healthy when its istiod Deployment wants replicas and has at least one
available. Its mesh config (ConfigMap `istio` / `istio-<rev>`, key `mesh`) does not enter into
it: istiod 1.25+ keeps running on a mesh config it rejects, with its last known state (istio/istio
pkg/config/mesh/meshwatcher/collection.go; what it uses is the push model's, pushing.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from meshcert.kube.cluster import Cluster

from .naming import DEFAULT_REVISION, ISTIO_NAMESPACE, REV_LABEL, istiod_name, mesh_configmap_name


@dataclass(frozen=True)
class RevisionHealth:
    """One revision's control plane as the lab sees it now."""

    revision: str
    healthy: bool
    reason: str  # "" when healthy
    mesh_config: str | None  # the current `mesh` text (None: no ConfigMap)


def installed_revisions(cluster: Cluster) -> list[str]:
    """Revisions that have an istiod Deployment in istio-system, sorted."""
    kind = cluster.kind("apps", "deployments")
    found: set[str] = set()
    for dep in cluster.list(kind, ISTIO_NAMESPACE):
        labels = dep["metadata"].get("labels") or {}
        if labels.get("app") == "istiod":
            found.add(str(labels.get(REV_LABEL) or DEFAULT_REVISION))
    return sorted(found)


def mesh_config_text(cluster: Cluster, revision: str) -> str | None:
    """The `mesh` key of the revision's mesh ConfigMap, None when there is none."""
    cm = cluster.find(
        cluster.kind("", "configmaps"), ISTIO_NAMESPACE, mesh_configmap_name(revision)
    )
    if cm is None:
        return None
    value = (cm.get("data") or {}).get("mesh")
    return None if value is None else str(value)


def revision_health(cluster: Cluster, revision: str) -> RevisionHealth | None:
    """None when the revision has no istiod Deployment."""
    dep = cluster.find(cluster.kind("apps", "deployments"), ISTIO_NAMESPACE, istiod_name(revision))
    if dep is None:
        return None
    text = mesh_config_text(cluster, revision)
    replicas = (dep.get("spec") or {}).get("replicas", 1)
    available = (dep.get("status") or {}).get("availableReplicas") or 0
    if replicas == 0 or available == 0:
        return RevisionHealth(revision, False, "istiod has no available replicas", text)
    return RevisionHealth(revision, True, "", text)
