"""LoadBalancer Services' addresses. Without a provider (the default, like a kind cluster with
no MetalLB) `status.loadBalancer` stays `{}` and kubectl shows EXTERNAL-IP `<pending>`. A lab
that should hand out addresses installs a provider:

    set_load_balancer_provider(cluster, address_pool("172.18.255.200", "172.18.255.250"))
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..copying import clone
from ..store import Obj, WatchEvent
from .ownership import write_status

if TYPE_CHECKING:
    from ..cluster import Cluster

# provider(cluster, service) -> the `status.loadBalancer.ingress` entries ([] = still pending)
LoadBalancerProvider = Callable[["Cluster", Obj], list[dict[str, Any]]]
_PROVIDER_KEY = "meshcert.controllers.load_balancer_provider"


def set_load_balancer_provider(cluster: Cluster, provider: LoadBalancerProvider | None) -> None:
    """Install (or remove, with None) the provider and bring every Service up to date."""
    if provider is None:
        cluster.extensions.pop(_PROVIDER_KEY, None)
    else:
        cluster.extensions[_PROVIDER_KEY] = provider
    with cluster.transaction():
        for svc in cluster.list(cluster.kind("", "services")):
            sync_load_balancer(cluster, svc)


def address_pool(first: str, last: str) -> LoadBalancerProvider:
    """A provider handing each LoadBalancer Service the lowest free address of a range."""
    low = int(ipaddress.IPv4Address(first))
    high = int(ipaddress.IPv4Address(last))

    def provide(cluster: Cluster, svc: Obj) -> list[dict[str, Any]]:
        own = _ingress_ips(svc)
        if own:
            return [{"ip": ip, "ipMode": "VIP"} for ip in own]
        taken: set[str] = set()
        for other in cluster.list(cluster.kind("", "services")):
            if other["metadata"].get("uid") != svc["metadata"].get("uid"):
                taken.update(_ingress_ips(other))
        for value in range(low, high + 1):
            ip = str(ipaddress.IPv4Address(value))
            if ip not in taken:
                return [{"ip": ip, "ipMode": "VIP"}]
        return []

    return provide


def _ingress_ips(svc: Obj) -> list[str]:
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return [str(i["ip"]) for i in ingress if i.get("ip")]


class LoadBalancerController:
    name = "service-lb-controller"
    watches: tuple[tuple[str, str], ...] = (("", "services"),)

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        if event.type == "DELETED":
            return
        svc = cluster.find(event.kind, event.namespace, event.name)
        if svc is not None:
            sync_load_balancer(cluster, svc)


def sync_load_balancer(cluster: Cluster, svc: Obj) -> None:
    provider = cluster.extensions.get(_PROVIDER_KEY)
    ingress: list[dict[str, Any]] = []
    if (svc.get("spec") or {}).get("type") == "LoadBalancer" and callable(provider):
        ingress = provider(cluster, svc)
    status = clone(svc.get("status") or {})
    status["loadBalancer"] = {"ingress": ingress} if ingress else {}
    write_status(cluster, cluster.kind("", "services"), svc, status)
