"""exportTo: which namespaces see a VirtualService, DestinationRule, ServiceEntry or Service.

Sources: networking/v1alpha3/virtual_service.proto (exportTo: `.` own namespace, `*` all, a
namespace name; default from meshConfig.defaultVirtualServiceExportTo, itself `*`), the Service
annotation `networking.istio.io/exportTo` (pilot/pkg/serviceregistry/kube/conversion.go) and
`~` (exported nowhere) in pilot/pkg/model/push_context.go.
"""

from __future__ import annotations

from collections.abc import Iterable

PUBLIC: frozenset[str] = frozenset({"*"})
SERVICE_EXPORT_ANNOTATION = "networking.istio.io/exportTo"


def parse(values: Iterable[str] | None, default: frozenset[str] = PUBLIC) -> frozenset[str]:
    """The exportTo set of a resource; empty or missing = `default`."""
    out = frozenset(str(v).strip() for v in values or () if str(v).strip())
    return out or default


def parse_annotation(value: str | None) -> frozenset[str]:
    """The comma-separated Service annotation."""
    if not value:
        return PUBLIC
    return parse(value.split(","))


def visible(export_to: frozenset[str], owner_namespace: str, client_namespace: str) -> bool:
    """Whether a resource of `owner_namespace` exported to `export_to` is seen from
    `client_namespace`."""
    if "*" in export_to or client_namespace in export_to:
        return True
    return "." in export_to and owner_namespace == client_namespace


def is_private(export_to: frozenset[str]) -> bool:
    """Exported only to its own namespace (`.`), Istio's "private" bucket."""
    return export_to == frozenset({"."})


def is_public(export_to: frozenset[str]) -> bool:
    return "*" in export_to


__all__ = [
    "PUBLIC",
    "SERVICE_EXPORT_ANNOTATION",
    "is_private",
    "is_public",
    "parse",
    "parse_annotation",
    "visible",
]
