"""Mutual TLS between proxies: the server's PeerAuthentication mode and the client's choice.

Placeholder until issue 4's mTLS work lands: every connection is accepted, a client sidecar
talks mTLS to a server sidecar (auto mTLS), and nothing is added to the request.
"""

from __future__ import annotations

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.view import MeshView

from .peers import Peer


def accepts(view: MeshView, workload: Workload, port: int, peer: Peer) -> bool:
    """Whether `workload`'s inbound proxy accepts a connection from `peer` on `port`."""
    return True


def client_uses_mtls(view: MeshView, client: Workload | None, server: Workload | None) -> bool:
    """Whether `client`'s proxy originates Istio mTLS to `server`."""
    return bool(client and client.has_sidecar and server and server.has_sidecar)


def with_client_cert(view: MeshView, workload: Workload, request: HttpRequest,
                     peer: Peer) -> HttpRequest:  # fmt: skip
    """The request as the server's proxy forwards it after an mTLS handshake."""
    return request


__all__ = ["accepts", "client_uses_mtls", "with_client_cert"]
