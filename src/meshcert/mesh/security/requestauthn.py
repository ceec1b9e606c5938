"""RequestAuthentication: JWT verification at a workload's proxy.

Placeholder until issue 4's JWT work lands: every request passes with no request principal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.view import MeshView

from .peers import Rejection


@dataclass(frozen=True)
class Authenticated:
    """The request to pass on (token headers possibly moved or removed) and the verified
    token's request principal (`iss/sub`, "" without a token) and claims."""

    request: HttpRequest
    principal: str = ""
    claims: Mapping[str, Any] = field(default_factory=dict)


def authenticate(
    view: MeshView, workload: Workload, request: HttpRequest, now: datetime
) -> Authenticated | Rejection:
    """Verify the request's JWT against the RequestAuthentications selecting `workload`."""
    return Authenticated(request)


__all__ = ["Authenticated", "authenticate"]
