"""AuthorizationPolicy at a workload's proxy.

Placeholder until issue 4's authorization work lands: everything is allowed.
"""

from __future__ import annotations

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.view import MeshView

from .peers import Peer, Rejection
from .requestauthn import Authenticated


def authorize_http(
    view: MeshView,
    workload: Workload,
    port: int,
    request: HttpRequest,
    peer: Peer,
    authn: Authenticated,
) -> Rejection | None:
    """None when the policies selecting `workload` allow the request, else the 403."""
    return None


def authorize_tcp(view: MeshView, workload: Workload, port: int, peer: Peer) -> bool:
    """Whether the policies selecting `workload` allow a TCP connection from `peer`."""
    return True


__all__ = ["authorize_http", "authorize_tcp"]
