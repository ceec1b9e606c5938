"""Kubernetes API errors as a small hierarchy that carries the `Status` body."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Cause:
    """One entry of `Status.details.causes`."""

    reason: str
    message: str
    field: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"reason": self.reason, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


@dataclass
class KubeError(Exception):
    """Base of every API error; `status()` renders the Kubernetes `Status` object."""

    message: str
    name: str = ""
    group: str = ""
    kind: str = ""
    causes: list[Cause] = field(default_factory=list)

    code: ClassVar[int] = 500
    reason: ClassVar[str] = "InternalError"

    def __str__(self) -> str:
        return self.message

    def status(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.name:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = [c.to_dict() for c in self.causes]
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if details:
            out["details"] = details
        return out


class BadRequest(KubeError):
    code = 400
    reason = "BadRequest"


class Unauthorized(KubeError):
    code = 401
    reason = "Unauthorized"


class Forbidden(KubeError):
    code = 403
    reason = "Forbidden"


class NotFound(KubeError):
    code = 404
    reason = "NotFound"


class MethodNotAllowed(KubeError):
    code = 405
    reason = "MethodNotAllowed"


class AlreadyExists(KubeError):
    code = 409
    reason = "AlreadyExists"


class Conflict(KubeError):
    code = 409
    reason = "Conflict"


class Gone(KubeError):
    code = 410
    reason = "Expired"


class RequestEntityTooLarge(KubeError):
    code = 413
    reason = "RequestEntityTooLarge"


class UnsupportedMediaType(KubeError):
    code = 415
    reason = "UnsupportedMediaType"


class Invalid(KubeError):
    code = 422
    reason = "Invalid"


class InternalError(KubeError):
    code = 500
    reason = "InternalError"


def resource_label(plural: str, group: str) -> str:
    """`pods` or `virtualservices.networking.istio.io`: how messages name a resource."""
    return f"{plural}.{group}" if group else plural


def not_found(plural: str, group: str, name: str, kind: str = "") -> NotFound:
    return NotFound(
        f'{resource_label(plural, group)} "{name}" not found',
        name=name,
        group=group,
        kind=plural,
    )


def already_exists(plural: str, group: str, name: str) -> AlreadyExists:
    return AlreadyExists(
        f'{resource_label(plural, group)} "{name}" already exists',
        name=name,
        group=group,
        kind=plural,
    )


def invalid(kind: str, group: str, name: str, causes: list[Cause]) -> Invalid:
    """422 in the apiserver's words: `Kind "name" is invalid: field: message[, ...]`."""
    label = f"{kind}.{group}" if group else kind
    parts = [f"{c.field}: {c.message}" if c.field else c.message for c in causes]
    if len(parts) == 1:
        detail = parts[0]
    else:
        detail = "[" + ", ".join(parts) + "]"
    return Invalid(
        f'{label} "{name}" is invalid: {detail}',
        name=name,
        group=group,
        kind=kind,
        causes=causes,
    )
