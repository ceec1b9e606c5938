"""ServiceEntries as registry services: one `Service` per host.

Sources: networking/v1alpha3/service_entry.proto (location default MESH_EXTERNAL, resolution
default NONE, endpoints with named ports), pilot/pkg/serviceregistry/serviceentry/conversion.go
(convertServices: one service per host, hosts resolved in the SE's namespace, exportTo;
convertEndpoints: an endpoint's port by port name, else the service port or targetPort; DNS with
no endpoints resolves the host itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import hosts
from . import exports
from .services import MESH_EXTERNAL, SERVICE_ENTRY, Endpoint, Service, ServicePort


def _number(target: int | str | None, default: int) -> int:
    return target if isinstance(target, int) and target else default


def services_of(
    obj: Mapping[str, Any], default_export: frozenset[str] = exports.PUBLIC
) -> list[Service]:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    ns = str(meta.get("namespace", ""))
    ports = tuple(
        ServicePort(
            name=str(p.get("name") or ""),
            port=int(p.get("number") or 0),
            protocol=str(p.get("protocol") or "").upper().replace("GRPC-WEB", "GRPC-Web"),
            target_port=int(p["targetPort"]) if isinstance(p.get("targetPort"), int) else None,
        )
        for p in spec.get("ports") or []
        if isinstance(p, dict)
    )
    resolution = str(spec.get("resolution") or "NONE")
    selector = (spec.get("workloadSelector") or {}).get("labels")
    endpoints: list[Endpoint] = []
    for e in spec.get("endpoints") or []:
        if not isinstance(e, dict):
            continue
        named = e.get("ports") or {}
        for p in ports:
            number = named.get(p.name) if isinstance(named, dict) else None
            endpoints.append(
                Endpoint(
                    address=str(e.get("address") or ""),
                    port=int(number) if isinstance(number, int) else _number(p.target_port, p.port),
                    labels=e.get("labels") or {},
                    locality=str(e.get("locality") or ""),
                    service_account=str(e.get("serviceAccount") or ""),
                    weight=int(e.get("weight") or 1),
                )
            )
    out = []
    for h in spec.get("hosts") or []:
        host = hosts.resolve(str(h), ns)
        out.append(
            Service(
                hostname=host,
                namespace=ns,
                name=str(meta.get("name", "")),
                origin=SERVICE_ENTRY,
                ports=ports,
                addresses=tuple(str(a) for a in spec.get("addresses") or []),
                selector=selector or None,
                export_to=exports.parse(spec.get("exportTo"), default_export),
                location=str(spec.get("location") or MESH_EXTERNAL),
                resolution=resolution,
                static_endpoints=tuple(endpoints),
                created=str(meta.get("creationTimestamp", "")),
                obj=obj,
            )
        )
    return out


__all__ = ["services_of"]
