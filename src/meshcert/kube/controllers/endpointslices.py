"""The EndpointSlice controller: for every Service with a selector, EndpointSlices
(`<service>-xxxxx`, owned by the Service, one per set of resolved ports) listing the selected
pods with their ready/serving/terminating conditions. kubectl 1.33+ reads these (not Endpoints)
for `describe service`, and so does Istio.

Runs only when the cluster serves `endpointslices.discovery.k8s.io`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..copying import clone
from ..kinds import ResourceKind
from ..selectors import selector_from_labels
from ..store import Obj, WatchEvent
from .endpoints import HEADLESS_LABEL, PortKey, backends, endpoint_ports
from .ownership import GENERATE_NAME_LIMIT, owned, owner_reference

if TYPE_CHECKING:
    from ..cluster import Cluster

GROUP = "discovery.k8s.io"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"


def slice_kind(cluster: Cluster) -> ResourceKind | None:
    return cluster.registry.by_plural(GROUP, "endpointslices")


class EndpointSliceController:
    name = "endpointslice-controller"
    watches: tuple[tuple[str, str], ...] = (("", "services"), ("", "pods"))

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        kind = slice_kind(cluster)
        if kind is None:
            return
        if event.kind.plural == "services":
            svc = cluster.find(event.kind, event.namespace, event.name)
            if svc is not None:
                sync_slices(cluster, kind, svc)
            return
        pod = event.object
        labels = pod["metadata"].get("labels") or {}
        uid = pod["metadata"].get("uid")
        for svc in cluster.list(cluster.kind("", "services"), event.namespace):
            selector = (svc.get("spec") or {}).get("selector")
            if not selector:
                continue
            if selector_from_labels(selector).matches(labels) or any(
                (e.get("targetRef") or {}).get("uid") == uid
                for s in owned(cluster, kind, svc)
                for e in s.get("endpoints") or []
            ):
                sync_slices(cluster, kind, svc)


def _endpoint(pod: Obj, ready: bool, svc: Obj) -> dict[str, Any]:
    meta = pod["metadata"]
    spec = pod.get("spec") or {}
    entry: dict[str, Any] = {
        "addresses": [pod["status"]["podIP"]],
        "conditions": {"ready": ready, "serving": ready, "terminating": False},
    }
    if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
        entry["hostname"] = spec["hostname"]
    if spec.get("nodeName"):
        entry["nodeName"] = spec["nodeName"]
    entry["targetRef"] = {
        "kind": "Pod",
        "name": meta["name"],
        "namespace": meta["namespace"],
        "uid": meta.get("uid"),
    }
    return entry


def _labels(svc: Obj) -> dict[str, str]:
    labels = dict(svc["metadata"].get("labels") or {})
    labels[MANAGED_BY] = CONTROLLER
    labels[SERVICE_NAME] = svc["metadata"]["name"]
    if (svc.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    return labels


def sync_slices(cluster: Cluster, kind: ResourceKind, svc: Obj) -> None:
    spec = svc.get("spec") or {}
    if not spec.get("selector") or spec.get("type") == "ExternalName":
        return
    namespace = svc["metadata"]["namespace"]
    groups: dict[PortKey, list[tuple[Obj, bool]]] = backends(cluster, svc)
    if not groups:
        groups = {(): []}  # a placeholder slice keeps the Service visible with no endpoints
    existing = [
        s
        for s in owned(cluster, kind, svc)
        if (s["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER
    ]
    by_ports = {_ports_key(s): s for s in existing}
    for key, members in groups.items():
        ports = endpoint_ports(key, always_named=True) if key else None
        endpoints = sorted(
            (_endpoint(pod, ready, svc) for pod, ready in members),
            key=lambda e: (e["addresses"][0], str(e["targetRef"]["uid"])),
        )
        body: dict[str, Any] = {
            "addressType": "IPv4",
            "endpoints": endpoints or None,
            "ports": ports,
        }
        current = by_ports.pop(repr(ports), None)
        if current is None:
            fresh: Obj = {
                "apiVersion": f"{GROUP}/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "generateName": f"{svc['metadata']['name'][:GENERATE_NAME_LIMIT]}-",
                    "labels": _labels(svc),
                    "ownerReferences": [owner_reference(svc)],
                },
                **{k: v for k, v in body.items() if v is not None},
            }
            cluster.create(kind, fresh, namespace, owned=True)  # built afresh here
            continue
        wanted = {k: v for k, v in body.items() if v is not None}
        have = {k: current.get(k) for k in ("addressType", "endpoints", "ports") if k in current}
        if have == wanted and current["metadata"].get("labels") == _labels(svc):
            continue
        new = clone(current)
        for key_name in ("endpoints", "ports"):
            new.pop(key_name, None)
        new.update(wanted)
        new["metadata"]["labels"] = _labels(svc)
        cluster.update(kind, new, namespace, new["metadata"]["name"], owned=True)  # a copy
    for stale in by_ports.values():
        cluster.delete(kind, namespace, stale["metadata"]["name"])


def _ports_key(slice_: Obj) -> str:
    return repr(slice_.get("ports"))
