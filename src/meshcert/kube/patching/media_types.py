"""The patch media types the apiserver accepts, and its 415 answer to any other."""

from __future__ import annotations

from ..errors import UnsupportedMediaType
from ..kinds import ResourceKind

JSON = "application/json-patch+json"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


def accepted(kind: ResourceKind) -> tuple[str, ...]:
    """Patch types `kind` accepts, in the order the apiserver lists them."""
    if kind.builtin:
        return (JSON, MERGE, STRATEGIC, APPLY)
    return (JSON, MERGE, APPLY)


def unsupported(kind: ResourceKind) -> UnsupportedMediaType:
    """415 as the apiserver words it (a custom resource asked for a strategic merge patch)."""
    return UnsupportedMediaType(
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted(kind))
    )
