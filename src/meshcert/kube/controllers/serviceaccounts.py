"""Service accounts: the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap in every
namespace (the service-account and root-CA publisher controllers), and the ServiceAccount
admission plug-in's part of pod creation (look-up and the projected token volume).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .. import errors
from ..cluster import random_name_suffix
from ..store import Obj, WatchEvent

if TYPE_CHECKING:
    from ..cluster import Cluster

TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
TOKEN_VOLUME_PREFIX = "kube-api-access-"
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
# The lead (or a lab) may put the cluster's real CA bundle here; otherwise one is generated.
ROOT_CA_EXTENSION = "kube.root-ca.crt"
_ROOT_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)


class ServiceAccountsController:
    """Keeps `default` ServiceAccount and `kube-root-ca.crt` in every namespace."""

    name = "serviceaccount-controller"
    watches: tuple[tuple[str, str], ...] = (
        ("", "namespaces"),
        ("", "serviceaccounts"),
        ("", "configmaps"),
    )

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        if event.kind.plural == "namespaces":
            if event.type == "ADDED":
                ensure_namespace_defaults(cluster, event.name)
            return
        if event.kind.plural == "serviceaccounts" and event.name != "default":
            return
        if event.kind.plural == "configmaps" and event.name != ROOT_CA_CONFIGMAP:
            return
        if event.type == "ADDED":
            return
        ensure_namespace_defaults(cluster, event.namespace)


def ensure_namespace_defaults(cluster: Cluster, namespace: str) -> None:
    """Create (or restore) the namespace's `default` ServiceAccount and root CA ConfigMap."""
    ns_kind = cluster.kind("", "namespaces")
    ns = cluster.find(ns_kind, "", namespace)
    if ns is None or (ns.get("status") or {}).get("phase") == "Terminating":
        return
    sa_kind = cluster.kind("", "serviceaccounts")
    if cluster.find(sa_kind, namespace, "default") is None:
        sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
        cluster.create(sa_kind, sa, namespace)
    cm_kind = cluster.kind("", "configmaps")
    wanted = {"ca.crt": root_ca_pem(cluster)}
    current = cluster.find(cm_kind, namespace, ROOT_CA_CONFIGMAP)
    if current is None:
        cm = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": ROOT_CA_CONFIGMAP,
                "annotations": {"kubernetes.io/description": _ROOT_CA_DESCRIPTION},
            },
            "data": wanted,
        }
        cluster.create(cm_kind, cm, namespace)
    elif current.get("data") != wanted:
        fixed = {**current, "data": wanted}
        cluster.update(cm_kind, fixed, namespace, ROOT_CA_CONFIGMAP)


def root_ca_pem(cluster: Cluster) -> str:
    value = cluster.extensions.get(ROOT_CA_EXTENSION)
    return value if isinstance(value, str) and value else _generated_ca()


@functools.cache
def _generated_ca() -> str:
    """A self-signed `kubernetes` CA certificate (one per process), as kubeadm would make."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


# admission ------------------------------------------------------------------------------------


def admit_pod(cluster: Cluster, namespace: str, pod: Obj) -> None:
    """The ServiceAccount admission plug-in on pod creation: default the account, require it to
    exist, and mount the projected API token volume unless automounting is off."""
    spec = pod.setdefault("spec", {})
    account = str(spec.get("serviceAccountName") or "default")
    spec["serviceAccountName"] = account
    spec["serviceAccount"] = account
    sa = cluster.find(cluster.kind("", "serviceaccounts"), namespace, account)
    if sa is None and account != "default":
        meta = pod.get("metadata") or {}
        shown = meta.get("generateName") or meta.get("name") or "Unknown"
        raise errors.Forbidden(
            f'pods "{shown}" is forbidden: error looking up service account '
            f'{namespace}/{account}: serviceaccount "{account}" not found',
            name=str(shown),
            kind="pods",
        )
    automount = spec.get("automountServiceAccountToken")
    if automount is None and sa is not None:
        automount = sa.get("automountServiceAccountToken")
    if automount is False:
        return
    mount_token_volume(spec)


def mount_token_volume(spec: dict[str, Any]) -> None:
    """Add the `kube-api-access-xxxxx` projected volume and mount it in every container."""
    volumes: list[dict[str, Any]] = spec.setdefault("volumes", [])
    name = next(
        (str(v["name"]) for v in volumes if str(v.get("name", "")).startswith(TOKEN_VOLUME_PREFIX)),
        "",
    )
    if not name:
        name = f"{TOKEN_VOLUME_PREFIX}{random_name_suffix()}"
        volumes.append({"name": name, "projected": token_projection()})
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            mounts: list[dict[str, Any]] = container.setdefault("volumeMounts", [])
            if any(m.get("mountPath") == TOKEN_MOUNT_PATH for m in mounts):
                continue
            mounts.append({"mountPath": TOKEN_MOUNT_PATH, "name": name, "readOnly": True})


def token_projection() -> dict[str, Any]:
    return {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {
                "configMap": {
                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    "name": ROOT_CA_CONFIGMAP,
                }
            },
            {
                "downwardAPI": {
                    "items": [
                        {
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            "path": "namespace",
                        }
                    ]
                }
            },
        ],
    }
