"""The Gateway API standard-channel CRDs (v1.3.0, the release Istio 1.26 supports) for the kinds
the lab serves: Gateway, HTTPRoute, GatewayClass (v1) and ReferenceGrant (v1beta1).

Neither Kubernetes nor `istioctl install` installs them: on a real cluster they come from
`kubectl kustomize "github.com/kubernetes-sigs/gateway-api/config/crd?ref=v1.3.0" | kubectl
apply -f -` (istio.io docs/tasks/traffic-management/ingress/gateway-api). A lab has no internet,
so `meshcert lab gateway-api | kubectl apply -f -` prints the same CRDs (names, scope, short
names, categories, printer columns, status subresource; the lab validates objects with its own
copy of the CRD schemas, so the printed ones carry a permissive schema). Until they exist, the
kinds are not served and `kubectl get gateway` means Istio's `networking.istio.io` Gateway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import AlreadyExists
from .kinds import ResourceKind
from .served_kinds import GATEWAY_API
from .tables.gateway_api import COLUMNS

if TYPE_CHECKING:
    from .cluster import Cluster

VERSION = "v1.3.0"
CHANNEL = "standard"
APPROVAL = "https://github.com/kubernetes-sigs/gateway-api/pull/3328"


def crd_manifest(kind: ResourceKind) -> dict[str, Any]:
    """The CustomResourceDefinition of one Gateway API kind."""
    columns = [
        {
            "name": c.name,
            "type": c.type,
            "jsonPath": c.json_path,
            **({"priority": c.priority} if c.priority else {}),
        }
        for c in COLUMNS.get(kind.key, ())
    ]
    names: dict[str, Any] = {
        "kind": kind.kind,
        "listKind": kind.list_kind,
        "plural": kind.plural,
        "singular": kind.singular,
    }
    if kind.short_names:
        names["shortNames"] = list(kind.short_names)
    if kind.categories:
        names["categories"] = list(kind.categories)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": kind.crd_name,
            "annotations": {
                "api-approved.kubernetes.io": APPROVAL,
                "gateway.networking.k8s.io/bundle-version": VERSION,
                "gateway.networking.k8s.io/channel": CHANNEL,
            },
        },
        "spec": {
            "group": kind.group,
            "names": names,
            "scope": "Namespaced" if kind.namespaced else "Cluster",
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": version == kind.preferred_version,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                    **({"additionalPrinterColumns": columns} if columns else {}),
                    **({"subresources": {"status": {}}} if "status" in kind.subresources else {}),
                }
                for version in kind.versions
            ],
        },
    }


def crd_manifests() -> list[dict[str, Any]]:
    """Every Gateway API CRD the lab serves, in the order the release bundle lists them."""
    order = ("gatewayclasses", "gateways", "httproutes", "referencegrants")
    return [crd_manifest(k) for k in sorted(GATEWAY_API, key=lambda k: order.index(k.plural))]


def install(cluster: Cluster) -> list[str]:
    """Create the CRDs that do not exist yet (what `kubectl apply` of the bundle does to a
    cluster without them); returns the names created."""
    crd_kind = cluster.kind("apiextensions.k8s.io", "customresourcedefinitions")
    created: list[str] = []
    with cluster.transaction():
        for manifest in crd_manifests():
            try:
                cluster.create(crd_kind, manifest)
            except AlreadyExists:
                continue
            created.append(manifest["metadata"]["name"])
    return created


__all__ = ["CHANNEL", "VERSION", "crd_manifest", "crd_manifests", "install"]
