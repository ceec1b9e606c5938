"""Writing rendered objects into the cluster as istioctl's server-side apply does: create what
is missing, replace the content of what exists (keeping status and what controllers added),
then prune what an earlier install of the same owner created and this one no longer renders.

Callers hold no transaction; each function runs in one `cluster.transaction()` so the
controllers (Deployment -> pods, the control plane's health) settle once.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from meshcert.kube.cluster import Cluster
from meshcert.kube.kinds import ResourceKind

Obj = dict[str, Any]
Key = tuple[str, str, str]  # kind, namespace, name

# Kinds an install writes and prunes (never CRDs: uninstall leaves them, as Istio does).
PRUNED_KINDS = (
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("", "services"),
    ("", "serviceaccounts"),
    ("", "configmaps"),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
)


def key_of(obj: Obj) -> Key:
    meta = obj.get("metadata") or {}
    return (str(obj.get("kind")), str(meta.get("namespace", "")), str(meta["name"]))


def ensure_namespace(cluster: Cluster, name: str, labels: dict[str, str] | None = None) -> bool:
    """Create namespace `name` if missing; True when it was created."""
    kind = cluster.kind("", "namespaces")
    if cluster.find(kind, "", name) is not None:
        return False
    meta: Obj = {"name": name}
    if labels:
        meta["labels"] = dict(labels)
    cluster.create(kind, {"apiVersion": "v1", "kind": "Namespace", "metadata": meta})
    return True


def apply_object(cluster: Cluster, obj: Obj, manager: str) -> Obj:
    """Create or replace one object (its spec/data/webhooks; labels and annotations merge)."""
    kind = cluster.kind_of(obj)
    meta = obj.get("metadata") or {}
    ns = str(meta.get("namespace", "")) if kind.namespaced else ""
    current = cluster.find(kind, ns, str(meta["name"]))
    if current is None:
        return cluster.create(kind, obj, ns, field_manager=manager)
    merged = copy.deepcopy(current)
    for key, value in obj.items():
        if key in ("metadata", "status", "apiVersion", "kind"):
            continue
        merged[key] = copy.deepcopy(value)
    for key in ("labels", "annotations"):
        if meta.get(key):
            merged["metadata"][key] = {**(merged["metadata"].get(key) or {}), **meta[key]}
    if merged == current:
        return current
    return cluster.update(kind, merged, ns, field_manager=manager)


def owned_objects(
    cluster: Cluster, labels: dict[str, str], annotations: dict[str, str] | None = None
) -> list[tuple[ResourceKind, Obj]]:
    """Objects of the pruned kinds carrying all `labels` (and `annotations`)."""
    out = []
    for group, plural in PRUNED_KINDS:
        kind = cluster.kind(group, plural)
        for obj in cluster.list(kind):
            meta = obj["metadata"]
            have = meta.get("labels") or {}
            if any(have.get(k) != v for k, v in labels.items()):
                continue
            notes = meta.get("annotations") or {}
            if annotations and any(notes.get(k) != v for k, v in annotations.items()):
                continue
            out.append((kind, obj))
    return out


def prune(
    cluster: Cluster,
    keep: Iterable[Key],
    labels: dict[str, str],
    annotations: dict[str, str] | None = None,
    *,
    dry_run: bool = False,
) -> list[str]:
    """Delete owned objects not in `keep`; returns `Kind:namespace:name` of each."""
    kept = set(keep)
    removed = []
    for kind, obj in owned_objects(cluster, labels, annotations):
        if key_of(obj) in kept:
            continue
        meta = obj["metadata"]
        removed.append(f"{obj['kind']}:{meta.get('namespace', '')}:{meta['name']}")
        if not dry_run and cluster.find(kind, meta.get("namespace", ""), meta["name"]) is not None:
            cluster.delete(kind, meta.get("namespace", ""), meta["name"])
    return removed
