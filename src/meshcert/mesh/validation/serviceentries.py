"""Istio's webhook validation of ServiceEntries and Sidecars.

Source: pkg/config/validation/validation.go (ValidateServiceEntry, ValidateSidecar,
validateSidecarOutboundTrafficPolicy, ValidatePortName, ValidateProtocol).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import (
    is_ip,
    validate_export_to,
    validate_fqdn,
    validate_ip_subnet,
    validate_labels,
    validate_namespace_slash_host,
    validate_port,
    validate_port_name,
    validate_protocol,
    validate_wildcard_domain,
)
from .errors import Errors

_HTTP_OR_TLS = frozenset({"http", "http2", "grpc", "grpc-web", "http_proxy", "https", "tls"})


def validate_service_entry(namespace: str, spec: Mapping[str, Any]) -> Errors:
    """The errors Istio's webhook reports for a ServiceEntry spec."""
    errs = Errors()
    selector = spec.get("workloadSelector")
    if isinstance(selector, Mapping):
        for k, v in (selector.get("labels") or {}).items():
            if not k:
                return errs.add(f'empty key is not supported in selector: "{k}={v}"')
            if "*" in str(k) or "*" in str(v):
                return errs.add(f'wildcard is not supported in selector: "{k}={v}"')
    if selector is not None and spec.get("endpoints") is not None:
        errs.add("only one of WorkloadSelector or Endpoints is allowed in Service Entry")
    se_hosts = [str(h) for h in spec.get("hosts") or []]
    if not se_hosts:
        errs.add("service entry must have at least one host")
    for host in se_hosts:
        if host == "*":
            errs.add(f"invalid host {host}")
        else:
            errs.add(validate_wildcard_domain(host))
    cidr = False
    for address in spec.get("addresses") or []:
        cidr = cidr or "/" in str(address)
        errs.add(validate_ip_subnet(str(address)))
    resolution = str(spec.get("resolution") or "NONE")
    if cidr and resolution not in ("NONE", "STATIC"):
        errs.add("CIDR addresses are allowed only for NONE/STATIC resolution types")
    names: set[str] = set()
    numbers: set[int] = set()
    for port in spec.get("ports") or []:
        if port is None:
            errs.add("service entry port may not be null")
            continue
        name = str(port.get("name") or "")
        number = port.get("number", 0)
        if name in names:
            errs.add(f'service entry port name "{name}" already defined')
        if number in numbers:
            errs.add(f"service entry port {number} already defined")
        names.add(name)
        numbers.add(number)
        if port.get("targetPort"):
            errs.add(validate_port(port["targetPort"]))
        errs.add(
            validate_port_name(name),
            validate_protocol(str(port.get("protocol") or "")),
            validate_port(number),
        )
    endpoints = spec.get("endpoints") or []
    if resolution == "NONE":
        if endpoints:
            errs.add("no endpoints should be provided for resolution type none")
    elif resolution == "STATIC":
        for ep in endpoints:
            if ep is None:
                errs.add("endpoint cannot be nil")
                continue
            address = str(ep.get("address") or "")
            if not address:
                errs.add("address is required")
            elif not address.startswith("unix://") and not is_ip(address):
                errs.add(f'endpoint address "{address}" is not a valid IP address')
            errs.add(_endpoint_ports(ep, names))
    elif resolution in ("DNS", "DNS_ROUND_ROBIN"):
        if not endpoints:
            for host in se_hosts:
                if validate_fqdn(host):
                    errs.add(
                        "hosts must be FQDN if no endpoints are provided for resolution mode "
                        f"{resolution}"
                    )
        if resolution == "DNS_ROUND_ROBIN" and len(endpoints) > 1:
            errs.add(f"there must only be 0 or 1 endpoint for resolution mode {resolution}")
        for ep in endpoints:
            if ep is None:
                errs.add("endpoint cannot be nil")
                continue
            address = str(ep.get("address") or "")
            if not is_ip(address) and validate_fqdn(address):
                errs.add(f'endpoint address "{address}" is not a valid FQDN or an IP address')
            errs.add(_endpoint_ports(ep, names))
    else:
        errs.add(f"unsupported resolution type {resolution}")
    if resolution != "NONE" and len(se_hosts) > 1:
        for port in spec.get("ports") or []:
            if port is None:
                continue
            if str(port.get("protocol") or "").lower() not in _HTTP_OR_TLS:
                errs.add("multiple hosts provided with non-HTTP, non-TLS ports")
                break
    errs.add(validate_export_to(namespace, spec.get("exportTo"), service_entry=True))
    return errs


def _endpoint_ports(ep: Mapping[str, Any], names: set[str]) -> Errors:
    errs = Errors()
    errs.add(validate_labels(ep.get("labels")))
    for name, port in (ep.get("ports") or {}).items():
        if names and name not in names:
            errs.add(f"endpoint port {port} is not defined by the service entry")
        errs.add(validate_port_name(str(name)), validate_port(port))
    return errs


def validate_sidecar(namespace: str, spec: Mapping[str, Any]) -> Errors:
    """The errors Istio's webhook reports for a Sidecar spec (egress and outbound policy;
    ingress listeners get the port checks only)."""
    errs = Errors()
    selector = spec.get("workloadSelector")
    if isinstance(selector, Mapping):
        for k, v in (selector.get("labels") or {}).items():
            if not k:
                return errs.add(f'empty key is not supported in selector: "{k}={v}"')
            if "*" in str(k) or "*" in str(v):
                return errs.add(f'wildcard is not supported in selector: "{k}={v}"')
    if not (
        spec.get("egress")
        or spec.get("ingress")
        or "outboundTrafficPolicy" in spec
        or "inboundConnectionPool" in spec
    ):
        return errs.add("sidecar: empty configuration provided")
    ports: set[int] = set()
    for ingress in spec.get("ingress") or []:
        if ingress is None:
            errs.add("sidecar: ingress may not be null")
            continue
        port = ingress.get("port")
        if not isinstance(port, Mapping):
            errs.add("sidecar: port is required for ingress listeners")
            continue
        if port.get("name"):
            errs.add(validate_port_name(str(port["name"])))
        errs.add(
            validate_protocol(str(port.get("protocol") or "")), validate_port(port.get("number", 0))
        )
        if port.get("number") in ports:
            errs.add("sidecar: ports on IP bound listeners must be unique")
        ports.add(port.get("number", 0))
    ports = set()
    egress_list = spec.get("egress") or []
    catch_all = False
    for index, egress in enumerate(egress_list):
        if egress is None:
            errs.add("egress listener may not be null")
            continue
        port = egress.get("port")
        if port is None:
            if not catch_all:
                if index == len(egress_list) - 1:
                    catch_all = True
                else:
                    errs.add(
                        "sidecar: the egress listener with empty port should be the last "
                        "listener in the list"
                    )
            else:
                errs.add("sidecar: egress can have only one listener with empty port")
                continue
        else:
            if port.get("name"):
                errs.add(validate_port_name(str(port["name"])))
            errs.add(validate_protocol(str(port.get("protocol") or "")))
            errs.add(validate_port(port.get("number", 0)))
            if port.get("number") in ports:
                errs.add("sidecar: ports on IP bound listeners must be unique")
            ports.add(port.get("number", 0))
        egress_hosts = egress.get("hosts") or []
        if not egress_hosts:
            errs.add("sidecar: egress listener must contain at least one host")
        for host in egress_hosts:
            errs.add(validate_namespace_slash_host(str(host), gateway=False))
    policy = spec.get("outboundTrafficPolicy")
    if (
        isinstance(policy, Mapping)
        and policy.get("egressProxy") is not None
        and policy.get("mode", "REGISTRY_ONLY") != "ALLOW_ANY"
    ):
        errs.add(
            "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode"
        )
    return errs


__all__ = ["validate_service_entry", "validate_sidecar"]
