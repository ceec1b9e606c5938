"""The peer of an inbound connection as the server's proxy sees it."""

from __future__ import annotations

from dataclasses import dataclass

from meshcert.mesh.config.workloads import Workload


@dataclass(frozen=True)
class Peer:
    """Who opened the connection.

    `ip`: the source address the server sees (the client pod's IP, or an outside address at a
    gateway). `workload`: the client pod when it is in the cluster. `mtls`: the connection is
    Istio mutual TLS (the client's proxy presented its workload certificate), so the peer has
    a principal.
    """

    ip: str
    workload: Workload | None = None
    mtls: bool = False

    def principal(self, trust_domain: str) -> str:
        """`cluster.local/ns/NS/sa/SA` (the SPIFFE ID without `spiffe://`) when the
        connection is mTLS, else "" (Istio: source.principal needs mTLS)."""
        if not self.mtls or self.workload is None:
            return ""
        w = self.workload
        return f"{trust_domain}/ns/{w.namespace}/sa/{w.service_account}"


@dataclass(frozen=True)
class Rejection:
    """A local reply the server's proxy sends instead of passing the request on: status,
    body, extra headers, the access log's %RESPONSE_CODE_DETAILS% and response flags (UAEX
    for an ext_authz denial)."""

    status: int
    body: str
    details: str
    headers: tuple[tuple[str, str], ...] = ()
    flags: tuple[str, ...] = ()


__all__ = ["Peer", "Rejection"]
