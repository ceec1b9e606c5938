"""istiod's CA on the cluster: the `istio-ca-secret` it writes on first start and the
`istio-ca-root-cert` ConfigMap it keeps in every namespace.

- With an istiod installed and no plug-in CA (Secret `cacerts` in istio-system), istiod
  creates the self-signed root in Secret `istio-ca-secret` (istio/istio
  security/pkg/pki/ca/ca.go `NewSelfSignedIstioCAOptions`); an existing one is reused.
- The namespace controller (pilot/pkg/serviceregistry/kube/controller/namespacecontroller.go)
  writes ConfigMap `istio-ca-root-cert` (label `istio.io/config: "true"`, key
  `root-cert.pem`: the CA's root) into every namespace but kube-public, kube-node-lease and
  local-path-storage (kube-system is included, for ztunnel), restores it when deleted or
  edited and rewrites them all when the root changes (a `cacerts` plugged in).

Registered by `register(cluster)` through `meshcert.tools.equipment`.
"""

from __future__ import annotations

from meshcert.kube.cluster import Cluster
from meshcert.kube.store import WatchEvent
from meshcert.mesh.config.meshconfig import MeshConfig, MeshConfigError
from meshcert.mesh.security.ca import CA_SECRET, PLUGIN_SECRET, ca_secret_object, mesh_ca

from .health import installed_revisions
from .naming import ISTIO_NAMESPACE
from .pushing import pushed_mesh_config

ROOT_CERT_CONFIGMAP = "istio-ca-root-cert"
ROOT_CERT_KEY = "root-cert.pem"
CONFIG_LABEL = {"istio.io/config": "true"}
SKIPPED_NAMESPACES = frozenset({"kube-public", "kube-node-lease", "local-path-storage"})


class CertificatesController:
    """Creates istiod's self-signed CA secret and publishes the root in every namespace."""

    name = "istio-ca"
    watches: tuple[tuple[str, str], ...] = (
        ("apps", "deployments"),
        ("", "secrets"),
        ("", "namespaces"),
        ("", "configmaps"),
    )

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        plural = event.kind.plural
        if plural == "deployments":
            if event.namespace == ISTIO_NAMESPACE and event.type != "DELETED":
                sync(cluster)
            return
        if plural == "secrets":
            if event.namespace == ISTIO_NAMESPACE and event.name in (CA_SECRET, PLUGIN_SECRET):
                sync(cluster)
            return
        if plural == "namespaces":
            if event.type != "DELETED":
                publish_root(cluster, event.name)
            return
        if event.name == ROOT_CERT_CONFIGMAP and event.type != "ADDED":
            publish_root(cluster, event.namespace)


def ensure_ca(cluster: Cluster) -> None:
    """istiod's start: create `istio-ca-secret` unless a CA secret exists already."""
    revisions = installed_revisions(cluster)
    if not revisions:
        return
    kind = cluster.kind("", "secrets")
    if cluster.find(kind, ISTIO_NAMESPACE, PLUGIN_SECRET) is not None:
        return
    if cluster.find(kind, ISTIO_NAMESPACE, CA_SECRET) is not None:
        return
    if cluster.find(cluster.kind("", "namespaces"), "", ISTIO_NAMESPACE) is None:
        return
    try:  # the trust domain of the mesh config istiod runs with (its last accepted one)
        mesh = MeshConfig.parse(pushed_mesh_config(cluster, revisions[0]))
    except MeshConfigError:
        mesh = MeshConfig()
    now = cluster.logs.now().replace(microsecond=0)
    cluster.create(kind, ca_secret_object(mesh.trust_domain, now), ISTIO_NAMESPACE)


def sync(cluster: Cluster) -> None:
    """Create the CA if istiod would, then publish its root everywhere."""
    ensure_ca(cluster)
    for ns in cluster.list(cluster.kind("", "namespaces")):
        publish_root(cluster, str(ns["metadata"]["name"]))


def publish_root(cluster: Cluster, namespace: str) -> None:
    """Write (or restore) `istio-ca-root-cert` in `namespace` while a CA exists."""
    if namespace in SKIPPED_NAMESPACES:
        return
    with cluster.lock:
        ca = mesh_ca(cluster)
    if ca is None:
        return
    ns = cluster.find(cluster.kind("", "namespaces"), "", namespace)
    if ns is None or (ns.get("status") or {}).get("phase") == "Terminating":
        return
    kind = cluster.kind("", "configmaps")
    wanted = {ROOT_CERT_KEY: ca.root_pem}
    current = cluster.find(kind, namespace, ROOT_CERT_CONFIGMAP)
    if current is None:
        cm = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": ROOT_CERT_CONFIGMAP, "labels": dict(CONFIG_LABEL)},
            "data": wanted,
        }
        cluster.create(kind, cm, namespace)
        return
    labels = current["metadata"].get("labels") or {}
    if current.get("data") != wanted or labels.get("istio.io/config") != "true":
        meta = {**current["metadata"], "labels": {**labels, **CONFIG_LABEL}}
        cluster.update(kind, {**current, "metadata": meta, "data": wanted}, namespace,
                       ROOT_CERT_CONFIGMAP)  # fmt: skip


def register(cluster: Cluster) -> None:
    """Plug the CA controller into a cluster."""
    cluster.controllers.append(CertificatesController())


__all__ = [
    "ROOT_CERT_CONFIGMAP",
    "ROOT_CERT_KEY",
    "CertificatesController",
    "ensure_ca",
    "publish_root",
    "register",
    "sync",
]
