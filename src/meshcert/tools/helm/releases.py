"""Helm 3 release records: one Secret per revision, `sh.helm.release.v1.<name>.v<N>` of type
`helm.sh/release.v1` in the release's namespace, labelled name/owner/status/version, its
`release` key the gzipped JSON release, base64-encoded by helm and again by the Secret
(helm/helm pkg/storage/driver/secrets.go and util.go)."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass
from typing import Any

from meshcert.kube.cluster import Cluster

Obj = dict[str, Any]


@dataclass
class Release:
    name: str
    namespace: str
    version: int
    status: str
    chart: str
    chart_version: str
    app_version: str
    values: dict[str, Any]
    updated: str
    notes: str
    description: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "namespace": self.namespace,
            "version": self.version,
            "info": {
                "first_deployed": self.updated,
                "last_deployed": self.updated,
                "deleted": "",
                "description": self.description,
                "status": self.status,
                "notes": self.notes,
            },
            "chart": {
                "metadata": {
                    "name": self.chart,
                    "version": self.chart_version,
                    "appVersion": self.app_version,
                    "apiVersion": "v2",
                }
            },
            "config": self.values,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Release:
        info = doc.get("info") or {}
        meta = (doc.get("chart") or {}).get("metadata") or {}
        return cls(
            name=str(doc.get("name")),
            namespace=str(doc.get("namespace")),
            version=int(doc.get("version", 1)),
            status=str(info.get("status", "deployed")),
            chart=str(meta.get("name", "")),
            chart_version=str(meta.get("version", "")),
            app_version=str(meta.get("appVersion", "")),
            values=dict(doc.get("config") or {}),
            updated=str(info.get("last_deployed", "")),
            notes=str(info.get("notes", "")),
            description=str(info.get("description", "")),
        )


def secret_name(name: str, version: int) -> str:
    return f"sh.helm.release.v1.{name}.v{version}"


def encode(release: Release) -> str:
    inner = base64.b64encode(gzip.compress(json.dumps(release.to_json()).encode()))
    return base64.b64encode(inner).decode()


def decode(data: str) -> Release:
    inner = base64.b64decode(base64.b64decode(data))
    return Release.from_json(json.loads(gzip.decompress(inner)))


def history(cluster: Cluster, namespace: str, name: str) -> list[Release]:
    kind = cluster.kind("", "secrets")
    out = []
    for secret in cluster.list(kind, namespace):
        labels = secret["metadata"].get("labels") or {}
        if labels.get("owner") != "helm" or labels.get("name") != name:
            continue
        out.append(decode(str((secret.get("data") or {}).get("release", ""))))
    return sorted(out, key=lambda r: r.version)


def latest(cluster: Cluster, namespace: str | None) -> list[Release]:
    """The newest record of every release (in one namespace, or all)."""
    kind = cluster.kind("", "secrets")
    found: dict[tuple[str, str], Release] = {}
    for secret in cluster.list(kind, namespace):
        labels = secret["metadata"].get("labels") or {}
        if labels.get("owner") != "helm":
            continue
        release = decode(str((secret.get("data") or {}).get("release", "")))
        key = (release.namespace, release.name)
        if key not in found or found[key].version < release.version:
            found[key] = release
    return sorted(found.values(), key=lambda r: (r.namespace, r.name))


def store(cluster: Cluster, release: Release) -> None:
    """Write the record; earlier `deployed` records become `superseded`."""
    kind = cluster.kind("", "secrets")
    for old in history(cluster, release.namespace, release.name):
        if old.status == "deployed" and old.version != release.version:
            old.status = "superseded"
            _write(cluster, kind, old)
    _write(cluster, kind, release)


def _write(cluster: Cluster, kind: Any, release: Release) -> None:
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret_name(release.name, release.version),
            "namespace": release.namespace,
            "labels": {
                "name": release.name,
                "owner": "helm",
                "status": release.status,
                "version": str(release.version),
            },
        },
        "type": "helm.sh/release.v1",
        "data": {"release": encode(release)},
    }
    current = cluster.find(kind, release.namespace, obj["metadata"]["name"])
    if current is None:
        cluster.create(kind, obj, release.namespace)
    else:
        obj["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        cluster.update(kind, obj, release.namespace)


def forget(cluster: Cluster, namespace: str, name: str) -> None:
    kind = cluster.kind("", "secrets")
    for release in history(cluster, namespace, name):
        cluster.delete(kind, namespace, secret_name(name, release.version))
