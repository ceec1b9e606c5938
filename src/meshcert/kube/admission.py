"""Admission plug-in points: mutating and validating hooks called on create, update and delete."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .kinds import ResourceKind

if TYPE_CHECKING:
    from .cluster import Cluster

Obj = dict[str, Any]


@dataclass
class AdmissionRequest:
    """What a hook sees: the operation, the kind, the new object and the old one (update).

    A hook that allows the request may append `warnings`; the API answers them in `Warning`
    headers, which kubectl prints as `Warning: <text>`.
    """

    operation: str  # CREATE, UPDATE, DELETE
    kind: ResourceKind
    namespace: str
    name: str
    object: Obj | None
    old_object: Obj | None
    dry_run: bool = False
    subresource: str = ""
    warnings: list[str] = field(default_factory=list)


class MutatingHook(Protocol):
    """Changes `request.object` in place (e.g. sidecar injection). Raise a KubeError to deny."""

    name: str

    def mutate(self, cluster: Cluster, request: AdmissionRequest) -> None: ...


class ValidatingHook(Protocol):
    """Raises a KubeError to deny the request; returns None to allow it."""

    name: str

    def validate(self, cluster: Cluster, request: AdmissionRequest) -> None: ...
