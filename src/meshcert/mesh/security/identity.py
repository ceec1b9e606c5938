"""Workload identity: the SPIFFE ID Istio gives a workload from its service account.

`spiffe://<trust domain>/ns/<namespace>/sa/<service account>`, the trust domain from the mesh
config's `trustDomain` (default `cluster.local`). Sources: istio.io
docs/concepts/security ("Istio identity", "PKI"); istio/istio pkg/spiffe/spiffe.go
(`URIPrefix = "spiffe://"`, `MustGenSpiffeURI`).
"""

from __future__ import annotations

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.view import MeshView

SPIFFE_PREFIX = "spiffe://"


def spiffe_id(trust_domain: str, namespace: str, service_account: str) -> str:
    """`spiffe://TD/ns/NS/sa/SA`."""
    return f"{SPIFFE_PREFIX}{trust_domain}/ns/{namespace}/sa/{service_account}"


def workload_spiffe_id(view: MeshView, workload: Workload) -> str:
    """The SPIFFE ID in `workload`'s certificate (the pod's service account)."""
    return spiffe_id(view.mesh.trust_domain, workload.namespace, workload.service_account)


def principal(spiffe: str) -> str:
    """The principal AuthorizationPolicy compares: the SPIFFE ID without `spiffe://`."""
    return spiffe.removeprefix(SPIFFE_PREFIX)


__all__ = ["SPIFFE_PREFIX", "principal", "spiffe_id", "workload_spiffe_id"]
