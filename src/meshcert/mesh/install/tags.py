"""Revision tags: stable names (`prod-stable`, `default`) pointing at a revision, as
`istioctl tag set|list|remove` manages them (istio/istio istioctl/pkg/tag; istio.io
docs/setup/upgrade/canary "Stable revision labels").
"""

from __future__ import annotations

from dataclasses import dataclass

from meshcert.kube.cluster import Cluster
from meshcert.mesh.controlplane.naming import injector_webhook_name, tag_webhook_name

from .applying import apply_object
from .errors import InstallError
from .webhooks import TAG_LABEL, deactivate_defaults, tag_configuration

_MWC = ("admissionregistration.k8s.io", "mutatingwebhookconfigurations")


@dataclass(frozen=True)
class Tag:
    name: str
    revision: str
    namespaces: tuple[str, ...]


def revision_exists(cluster: Cluster, revision: str) -> bool:
    kind = cluster.kind(*_MWC)
    for obj in cluster.list(kind):
        labels = obj["metadata"].get("labels") or {}
        if TAG_LABEL not in labels and labels.get("istio.io/rev") == (revision or "default"):
            return True
    return False


def set_tag(cluster: Cluster, tag: str, revision: str, *, overwrite: bool = False) -> None:
    """Point `tag` at `revision`; InstallError when the revision is unknown, the tag names a
    revision, or the tag exists and `overwrite` is false."""
    rev = "" if revision == "default" else revision
    kind = cluster.kind(*_MWC)
    with cluster.lock, cluster.transaction():
        if not revision_exists(cluster, rev):
            raise InstallError(
                f'cannot find MutatingWebhookConfiguration with revision "{revision or "default"}"'
            )
        if tag != "default" and revision_exists(cluster, tag):
            raise InstallError(
                f'cannot create revision tag "{tag}": found existing control plane revision '
                "with same name"
            )
        existing = cluster.find(kind, "", tag_webhook_name(tag))
        if existing is not None and not overwrite:
            raise InstallError(f'revision tag "{tag}" already exists, and --overwrite is false')
        if existing is not None:
            cluster.delete(kind, "", tag_webhook_name(tag))
        apply_object(cluster, tag_configuration(tag, rev), "istioctl")
        if tag == "default":
            plain = cluster.find(kind, "", injector_webhook_name(""))
            if plain is not None:
                cluster.update(kind, deactivate_defaults(plain))


def list_tags(cluster: Cluster) -> list[Tag]:
    kind = cluster.kind(*_MWC)
    ns_kind = cluster.kind("", "namespaces")
    out = []
    with cluster.lock:
        namespaces = cluster.list(ns_kind)
        for obj in cluster.list(kind):
            labels = obj["metadata"].get("labels") or {}
            tag = labels.get(TAG_LABEL)
            if not tag:
                continue
            using = tuple(
                n["metadata"]["name"]
                for n in namespaces
                if (n["metadata"].get("labels") or {}).get("istio.io/rev") == tag
            )
            out.append(Tag(str(tag), str(labels.get("istio.io/rev", "default")), using))
    return sorted(out, key=lambda t: t.name)


def remove_tag(cluster: Cluster, tag: str) -> None:
    kind = cluster.kind(*_MWC)
    with cluster.lock, cluster.transaction():
        if cluster.find(kind, "", tag_webhook_name(tag)) is None:
            raise InstallError(
                f'cannot remove tag "{tag}": cannot find MutatingWebhookConfiguration '
                f'for tag "{tag}"'
            )
        cluster.delete(kind, "", tag_webhook_name(tag))
