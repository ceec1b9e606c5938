"""Service defaults and allocation as the apiserver's Service REST storage does them: type,
ports, ClusterIP from 10.96.0.0/12 (unique per cluster), node ports from 30000-32767, the
values an update keeps from the stored Service, and the immutability of the ClusterIP.
"""

from __future__ import annotations

import ipaddress
import json
import random
from typing import TYPE_CHECKING, Any

from .. import errors
from ..admission import AdmissionRequest
from ..errors import Cause

if TYPE_CHECKING:
    from ..cluster import Cluster

SERVICE_CIDR = ipaddress.IPv4Network("10.96.0.0/12")
NODE_PORT_RANGE = (30000, 32767)
# Addresses kubeadm clusters give these Services (the apiserver and cluster DNS).
WELL_KNOWN_IPS = {("default", "kubernetes"): "10.96.0.1", ("kube-system", "kube-dns"): "10.96.0.10"}
# The lower band of the range is kept for static addresses, as the apiserver's allocator does.
_STATIC_BAND = 256


def _needs_cluster_ip(spec: dict[str, Any]) -> bool:
    return spec.get("type") != "ExternalName"


def _needs_node_ports(spec: dict[str, Any]) -> bool:
    if spec.get("type") == "NodePort":
        return True
    return spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True)


def admit_service(cluster: Cluster, request: AdmissionRequest) -> None:
    """Default, allocate and check a Service on CREATE or UPDATE (mutates request.object)."""
    svc = request.object
    if svc is None:
        return
    spec = svc.setdefault("spec", {})
    old_spec = (request.old_object or {}).get("spec") or {}
    if request.operation == "CREATE":
        svc["status"] = {"loadBalancer": {}}
    default_service_spec(spec)
    if request.operation == "UPDATE":
        _keep_allocated(spec, old_spec)
    causes: list[Cause] = []
    if _needs_cluster_ip(spec):
        causes += _cluster_ip(cluster, request, spec, old_spec)
    else:
        for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            spec.pop(key, None)
    causes += _node_ports(cluster, request, spec, old_spec)
    if causes:
        raise errors.invalid("Service", "", request.name, causes)


def default_service_spec(spec: dict[str, Any]) -> None:
    spec["type"] = spec.get("type") or "ClusterIP"
    spec["sessionAffinity"] = spec.get("sessionAffinity") or "None"
    if spec["sessionAffinity"] == "ClientIP":
        config = spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {})
        config.setdefault("timeoutSeconds", 10800)
    for port in spec.get("ports") or []:
        port["protocol"] = port.get("protocol") or "TCP"
        if port.get("targetPort") in (None, "", 0):
            port["targetPort"] = port.get("port")
    if spec["type"] == "ExternalName":
        return
    spec["internalTrafficPolicy"] = spec.get("internalTrafficPolicy") or "Cluster"
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec["externalTrafficPolicy"] = spec.get("externalTrafficPolicy") or "Cluster"
    if spec["type"] == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True


def _keep_allocated(spec: dict[str, Any], old: dict[str, Any]) -> None:
    """What an update that leaves allocated values out keeps (or drops) from the stored one."""
    keeps_ip = _needs_cluster_ip(old) and _needs_cluster_ip(spec)
    if keeps_ip and not spec.get("clusterIP") and not spec.get("clusterIPs"):
        for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            if key in old and key not in spec:
                spec[key] = old[key]
    external = ("NodePort", "LoadBalancer")
    if old.get("type") in external and spec.get("type") not in external:
        for key in ("externalTrafficPolicy", "healthCheckNodePort"):
            if key in spec and spec[key] == old.get(key):
                del spec[key]
    if old.get("type") == "LoadBalancer" and spec.get("type") != "LoadBalancer":
        for key in ("allocateLoadBalancerNodePorts", "loadBalancerClass"):
            if key in spec and spec[key] == old.get(key):
                del spec[key]
    old_ports = {(p.get("port"), p.get("protocol")): p for p in old.get("ports") or []}
    for port in spec.get("ports") or []:
        before = old_ports.get((port.get("port"), port.get("protocol")))
        if _needs_node_ports(spec):
            if not port.get("nodePort") and before and before.get("nodePort"):
                port["nodePort"] = before["nodePort"]
        elif before and port.get("nodePort") == before.get("nodePort"):
            port.pop("nodePort", None)  # the type no longer needs it: drop what was allocated


def _render(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _cluster_ip(
    cluster: Cluster, request: AdmissionRequest, spec: dict[str, Any], old: dict[str, Any]
) -> list[Cause]:
    wanted = spec.get("clusterIP") or (spec.get("clusterIPs") or [""])[0]
    if request.operation == "UPDATE" and _needs_cluster_ip(old) and old.get("clusterIP"):
        if wanted != old["clusterIP"]:
            return [
                Cause(
                    "FieldValueInvalid",
                    f"Invalid value: {_render([wanted] if wanted else [])}: "
                    "may not change once set",
                    "spec.clusterIPs[0]",
                )
            ]
        _set_ip(spec, str(wanted))
        return []
    if not wanted:
        wanted = _allocate_ip(cluster, request.namespace, request.name)
    elif wanted != "None":
        problem = _check_ip(cluster, str(wanted), request.namespace, request.name)
        if problem:
            return [
                Cause(
                    "FieldValueInvalid",
                    f"Invalid value: {_render([wanted])}: {problem}",
                    problem_field(problem),
                )
            ]
    _set_ip(spec, str(wanted))
    return []


def problem_field(problem: str) -> str:
    return "spec.clusterIPs[0]" if problem.startswith("must be") else "spec.clusterIPs"


def _set_ip(spec: dict[str, Any], ip: str) -> None:
    spec["clusterIP"] = ip
    spec["clusterIPs"] = [ip]
    spec["ipFamilies"] = spec.get("ipFamilies") or ["IPv4"]
    spec["ipFamilyPolicy"] = spec.get("ipFamilyPolicy") or "SingleStack"


def _ips_in_use(cluster: Cluster, namespace: str, name: str) -> set[str]:
    used: set[str] = set()
    for svc in cluster.list(cluster.kind("", "services")):
        meta = svc["metadata"]
        if (meta.get("namespace"), meta["name"]) == (namespace, name):
            continue
        used.update(str(ip) for ip in (svc.get("spec") or {}).get("clusterIPs") or [])
    return used


def _check_ip(cluster: Cluster, ip: str, namespace: str, name: str) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
    if address not in SERVICE_CIDR or address in (
        SERVICE_CIDR.network_address,
        SERVICE_CIDR.broadcast_address,
    ):
        return (
            f"failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. "
            f"The range of valid IPs is {SERVICE_CIDR}"
        )
    if ip in _ips_in_use(cluster, namespace, name):
        return f"failed to allocate IP {ip}: provided IP is already allocated"
    return ""


def _allocate_ip(cluster: Cluster, namespace: str, name: str) -> str:
    used = _ips_in_use(cluster, namespace, name)
    known = WELL_KNOWN_IPS.get((namespace, name))
    if known and known not in used:
        return known
    base = int(SERVICE_CIDR.network_address)
    size = SERVICE_CIDR.num_addresses
    while True:
        candidate = str(ipaddress.IPv4Address(base + random.randrange(_STATIC_BAND, size - 1)))
        if candidate not in used:
            return candidate


def _node_ports(
    cluster: Cluster, request: AdmissionRequest, spec: dict[str, Any], old: dict[str, Any]
) -> list[Cause]:
    ports = spec.get("ports") or []
    if not _needs_node_ports(spec):
        return [
            Cause(
                "FieldValueForbidden",
                f"Forbidden: may not be used when `type` is '{spec.get('type')}'",
                f"spec.ports[{i}].nodePort",
            )
            for i, port in enumerate(ports)
            if port.get("nodePort") and spec.get("type") != "LoadBalancer"
        ]
    own = {p.get("nodePort") for p in old.get("ports") or []}
    used: set[Any] = set()
    for svc in cluster.list(cluster.kind("", "services")):
        meta = svc["metadata"]
        if (meta.get("namespace"), meta["name"]) != (request.namespace, request.name):
            used.update(p.get("nodePort") for p in (svc.get("spec") or {}).get("ports") or [])
    causes: list[Cause] = []
    low, high = NODE_PORT_RANGE
    for i, port in enumerate(ports):
        value = port.get("nodePort")
        if not value:
            continue
        field = f"spec.ports[{i}].nodePort"
        if not low <= int(value) <= high:
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    f"Invalid value: {value}: provided port is not in the valid range. "
                    f"The range of valid ports is {low}-{high}",
                    field,
                )
            )
        elif value in used and value not in own:
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    f"Invalid value: {value}: provided port is already allocated",
                    field,
                )
            )
        used.add(value)
    for port in ports:
        if not port.get("nodePort"):
            while True:
                candidate = random.randint(low, high)
                if candidate not in used:
                    break
            port["nodePort"] = candidate
            used.add(candidate)
    return causes
