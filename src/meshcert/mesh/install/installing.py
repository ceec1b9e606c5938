"""Install, uninstall and render an Istio control plane into a cluster (what `istioctl install`,
`istioctl uninstall` and `istioctl manifest generate` do; helm shares the same charts).

Source: istio/istio operator/pkg/install/install.go (the istio-system namespace first, then each
component, owner labels on everything), operator/pkg/uninstall (remove by owner labels; CRDs
stay) and istio.io docs/setup/install/istioctl.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from meshcert.kube.cluster import Cluster
from meshcert.mesh.controlplane.naming import (
    ISTIO_NAMESPACE,
    injector_webhook_name,
    tag_webhook_name,
)

from .applying import apply_object, ensure_namespace, key_of, prune
from .rendering import RenderedComponent, render
from .settings import Settings

Obj = dict[str, Any]
Spec = dict[str, Any]
MANAGED = {"operator.istio.io/managed": "Reconcile"}


@dataclass
class InstallResult:
    components: list[RenderedComponent]
    made_default: bool = False
    removed: list[str] = field(default_factory=list)


def default_webhook_exists(cluster: Cluster, *, except_revision: str | None = None) -> bool:
    """Whether some injector already answers `istio-injection=enabled` (a `default` tag, or an
    unrevisioned install whose default webhooks are active)."""
    mwc = cluster.kind("admissionregistration.k8s.io", "mutatingwebhookconfigurations")
    if cluster.find(mwc, "", tag_webhook_name("default")) is not None:
        return True
    if except_revision == "":
        return False
    found = cluster.find(mwc, "", injector_webhook_name(""))
    if found is None:
        return False
    for hook in found.get("webhooks") or []:
        if hook.get("name") == "namespace.sidecar-injector.istio.io":
            exprs = (hook.get("namespaceSelector") or {}).get("matchExpressions") or []
            return not any(e.get("key") == "istio.io/deactivated" for e in exprs)
    return False


def render_spec(
    cluster: Cluster, spec: Spec, *, manager: str = "istioctl", owner: str = ""
) -> list[RenderedComponent]:
    settings = Settings(spec, manager, owner)
    default = settings.revision == "" and not default_webhook_exists(cluster, except_revision="")
    return render(settings, cluster.registry, default=default)


def install(
    cluster: Cluster,
    spec: Spec,
    *,
    dry_run: bool = False,
    manager: str = "istioctl",
    owner: str = "",
) -> InstallResult:
    """Apply the spec's components; prune what an earlier istioctl install of this revision
    created and this one no longer renders — of the same IstioOperator when `owner` (its
    metadata.name) is given, as istioctl's installer prunes by its owner labels
    (operator/pkg/install/installer.go getOwnerLabels: the owning-resource label only when the
    IstioOperator has a name). A revision installed where no default injector exists becomes
    the default (a `default` tag)."""
    from .tags import set_tag

    settings = Settings(spec, manager, owner)
    with cluster.lock:
        components = render_spec(cluster, spec, manager=manager, owner=owner)
        result = InstallResult(components)
        if dry_run:
            return result
        with cluster.transaction():
            ensure_namespace(cluster, settings.namespace)
            keep = []
            for component in components:
                for obj in component.objects:
                    apply_object(cluster, obj, "istio-operator")
                    keep.append(key_of(obj))
            if manager == "istioctl" and (components or owner):
                selector = {**MANAGED, "istio.io/rev": settings.rev_label}
                if owner:
                    selector["install.operator.istio.io/owning-resource"] = owner
                result.removed = prune(cluster, keep, selector)
            if settings.revision == "":
                result.made_default = not _has_default_tag(cluster)
            elif not default_webhook_exists(cluster) and any(c.name == "Pilot" for c in components):
                set_tag(cluster, "default", settings.revision, overwrite=True)
                result.made_default = True
    return result


def _has_default_tag(cluster: Cluster) -> bool:
    mwc = cluster.kind("admissionregistration.k8s.io", "mutatingwebhookconfigurations")
    return cluster.find(mwc, "", tag_webhook_name("default")) is not None


def uninstall(
    cluster: Cluster, *, revision: str | None = None, purge: bool = False, dry_run: bool = False
) -> list[str]:
    """Remove istioctl's objects of `revision` (all revisions and tags with `purge`); returns
    `Kind:namespace:name` of each object removed. CRDs and the namespace stay."""
    labels = dict(MANAGED)
    if not purge:
        labels["istio.io/rev"] = "default" if revision in (None, "", "default") else str(revision)
    with cluster.lock, cluster.transaction():
        removed = prune(cluster, [], labels, dry_run=dry_run)
        mwc = cluster.kind("admissionregistration.k8s.io", "mutatingwebhookconfigurations")
        for obj in cluster.list(mwc):
            obj_labels = obj["metadata"].get("labels") or {}
            if "istio.io/tag" not in obj_labels:
                continue
            if purge or obj_labels.get("istio.io/rev") == labels.get("istio.io/rev"):
                removed.append(f"MutatingWebhookConfiguration::{obj['metadata']['name']}")
                if not dry_run:
                    cluster.delete(mwc, "", obj["metadata"]["name"])
    return removed


def manifest_yaml(components: list[RenderedComponent]) -> str:
    """The rendered objects as one multi-document YAML text (`istioctl manifest generate`)."""
    docs = [obj for component in components for obj in component.objects]
    return (
        "\n---\n".join(
            yaml.safe_dump(d, default_flow_style=False, sort_keys=False).rstrip() for d in docs
        )
        + "\n"
    )


def installed_namespace() -> str:
    return ISTIO_NAMESPACE
