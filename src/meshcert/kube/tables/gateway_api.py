"""The printer columns of the Gateway API standard-channel CRDs."""

from __future__ import annotations

from .columns import CrdColumn, Printer, crd_printer

_GW = "gateway.networking.k8s.io"
# Gateway API's CRDs give their columns no description.
_AGE = CrdColumn("Age", "date", ".metadata.creationTimestamp")

COLUMNS: dict[tuple[str, str], tuple[CrdColumn, ...]] = {
    (_GW, "gateways"): (
        CrdColumn("Class", "string", ".spec.gatewayClassName"),
        CrdColumn("Address", "string", ".status.addresses[*].value"),
        CrdColumn("Programmed", "string", '.status.conditions[?(@.type=="Programmed")].status'),
        _AGE,
    ),
    (_GW, "httproutes"): (
        CrdColumn("Hostnames", "string", ".spec.hostnames"),
        _AGE,
    ),
    (_GW, "gatewayclasses"): (
        CrdColumn("Controller", "string", ".spec.controllerName"),
        CrdColumn("Accepted", "string", '.status.conditions[?(@.type=="Accepted")].status'),
        _AGE,
        CrdColumn("Description", "string", ".spec.description", priority=1),
    ),
    (_GW, "referencegrants"): (_AGE,),
}

PRINTERS: dict[tuple[str, str], Printer] = {key: crd_printer(c) for key, c in COLUMNS.items()}
