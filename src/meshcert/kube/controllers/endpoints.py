"""The Endpoints controller: for every Service with a selector, an Endpoints object of the same
name listing the matching pods' IPs (ready ones in `addresses`, others in
`notReadyAddresses`) with the Service's ports resolved against each pod (numbers, or named
container ports). Services without a selector keep whatever Endpoints their owner writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..selectors import selector_from_labels
from ..store import Obj, WatchEvent
from .ownership import pod_ready

if TYPE_CHECKING:
    from ..cluster import Cluster

HEADLESS_LABEL = "service.kubernetes.io/headless"


class EndpointsController:
    name = "endpoint-controller"
    watches: tuple[tuple[str, str], ...] = (("", "services"), ("", "pods"))

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        svc_kind = cluster.kind("", "services")
        if event.kind.plural == "services":
            svc = cluster.find(svc_kind, event.namespace, event.name)
            if svc is None:
                _delete_endpoints(cluster, event.namespace, event.name)
            else:
                sync_endpoints(cluster, svc)
            return
        for svc in services_of_pod(cluster, event.object):
            sync_endpoints(cluster, svc)


def services_of_pod(cluster: Cluster, pod: Obj) -> list[Obj]:
    """Services with a selector that select `pod`, or whose Endpoints still list it."""
    labels = pod["metadata"].get("labels") or {}
    uid = pod["metadata"].get("uid")
    namespace = str(pod["metadata"].get("namespace", ""))
    ep_kind = cluster.kind("", "endpoints")
    found = []
    for svc in cluster.list(cluster.kind("", "services"), namespace):
        selector = (svc.get("spec") or {}).get("selector")
        if not selector:
            continue
        if selector_from_labels(selector).matches(labels) or _lists_pod(
            cluster.find(ep_kind, namespace, svc["metadata"]["name"]), uid
        ):
            found.append(svc)
    return found


def _lists_pod(endpoints: Obj | None, uid: Any) -> bool:
    for subset in (endpoints or {}).get("subsets") or []:
        for key in ("addresses", "notReadyAddresses"):
            for address in subset.get(key) or []:
                if (address.get("targetRef") or {}).get("uid") == uid:
                    return True
    return False


def _delete_endpoints(cluster: Cluster, namespace: str, name: str) -> None:
    ep_kind = cluster.kind("", "endpoints")
    if cluster.find(ep_kind, namespace, name) is not None:
        cluster.delete(ep_kind, namespace, name)


def resolve_port(port: dict[str, Any], pod: Obj) -> int | None:
    """The Service port's targetPort on `pod`: a number, or a named container port."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = port.get("protocol", "TCP")
    for container in (pod.get("spec") or {}).get("containers") or []:
        for cport in container.get("ports") or []:
            same = cport.get("name") == target and cport.get("protocol", "TCP") == protocol
            if same and isinstance(cport.get("containerPort"), int):
                return int(cport["containerPort"])
    return None


def _address(pod: Obj, svc: Obj) -> dict[str, Any]:
    meta = pod["metadata"]
    spec = pod.get("spec") or {}
    address: dict[str, Any] = {"ip": (pod.get("status") or {}).get("podIP")}
    if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
        address["hostname"] = spec["hostname"]
    if spec.get("nodeName"):
        address["nodeName"] = spec["nodeName"]
    address["targetRef"] = {
        "kind": "Pod",
        "name": meta["name"],
        "namespace": meta["namespace"],
        "uid": meta.get("uid"),
    }
    return address


PortKey = tuple[tuple[Any, ...], ...]  # ((name, port, protocol, appProtocol), ...)


def backends(cluster: Cluster, svc: Obj) -> dict[PortKey, list[tuple[Obj, bool]]]:
    """The Service's pods with an IP, grouped by their resolved ports, each with readiness
    (what both Endpoints and EndpointSlices list)."""
    spec = svc.get("spec") or {}
    selector = selector_from_labels(spec.get("selector"))
    publish_all = bool(spec.get("publishNotReadyAddresses"))
    groups: dict[PortKey, list[tuple[Obj, bool]]] = {}
    for pod in cluster.list(cluster.kind("", "pods"), svc["metadata"]["namespace"]):
        if not selector.matches(pod["metadata"].get("labels")):
            continue
        status = pod.get("status") or {}
        if not status.get("podIP") or status.get("phase") in ("Succeeded", "Failed"):
            continue
        ports: list[tuple[Any, ...]] = []
        for port in spec.get("ports") or []:
            number = resolve_port(port, pod)
            if number is not None:
                ports.append(
                    (port.get("name"), number, port.get("protocol", "TCP"), port.get("appProtocol"))
                )
        if spec.get("ports") and not ports:
            continue
        key = tuple(sorted(ports, key=lambda p: (str(p[0] or ""), p[1])))
        groups.setdefault(key, []).append((pod, publish_all or pod_ready(pod)))
    return dict(sorted(groups.items(), key=lambda item: repr(item[0])))


def endpoint_ports(key: PortKey, *, always_named: bool = False) -> list[dict[str, Any]]:
    return [
        {
            **({"name": name or ""} if name or always_named else {}),
            "port": number,
            "protocol": protocol,
            **({"appProtocol": app} if app else {}),
        }
        for name, number, protocol, app in key
    ]


def desired_subsets(cluster: Cluster, svc: Obj) -> list[dict[str, Any]]:
    subsets = []
    for key, members in backends(cluster, svc).items():
        subset: dict[str, Any] = {}
        for which, wanted in (("addresses", True), ("notReadyAddresses", False)):
            found = [_address(pod, svc) for pod, ready in members if ready == wanted]
            if found:
                subset[which] = sorted(
                    found, key=lambda a: (str(a["ip"]), str(a["targetRef"]["uid"]))
                )
        if key:
            subset["ports"] = endpoint_ports(key)
        subsets.append(subset)
    return subsets


def sync_endpoints(cluster: Cluster, svc: Obj) -> None:
    spec = svc.get("spec") or {}
    if not spec.get("selector") or spec.get("type") == "ExternalName":
        return
    meta = svc["metadata"]
    ep_kind = cluster.kind("", "endpoints")
    labels = dict(meta.get("labels") or {})
    if spec.get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    subsets = desired_subsets(cluster, svc)
    current = cluster.find(ep_kind, meta["namespace"], meta["name"])
    wanted: Obj = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
    }
    if labels:
        wanted["metadata"]["labels"] = labels
    if subsets:
        wanted["subsets"] = subsets
    if current is None:
        cluster.create(ep_kind, wanted, meta["namespace"], owned=True)  # built afresh here
        return
    if current.get("subsets") == wanted.get("subsets") and current["metadata"].get(
        "labels"
    ) == wanted["metadata"].get("labels"):
        return
    new = {k: v for k, v in current.items() if k != "subsets"}  # cluster.update copies it
    new["metadata"] = {k: v for k, v in current["metadata"].items() if k != "labels"}
    if subsets:
        new["subsets"] = subsets
    if labels:
        new["metadata"]["labels"] = labels
    cluster.update(ep_kind, new, meta["namespace"], meta["name"])
