"""One PATCH request: pick the patch mechanism by media type, then record who changed what."""

from __future__ import annotations

from typing import Any

from ..kinds import ResourceKind
from .applying import server_side_apply
from .media_types import APPLY, JSON, MERGE, STRATEGIC, unsupported
from .merging import json_patch, merge_patch
from .ownership import track_update
from .strategic import strategic_merge_patch


def apply_patch(
    kind: ResourceKind,
    current: dict[str, Any],
    patch_type: str,
    body: Any,
    *,
    field_manager: str = "",
    force: bool = False,
    now: str = "",
    subresource: str = "",
) -> dict[str, Any]:
    """The object after the patch (a new dict; `current` and `body` stay untouched).

    `body` is the decoded request body. A named `field_manager` is recorded as an `Update`
    manager of the fields the patch changed (an apply patch records an `Apply` manager);
    `now` is the RFC 3339 time written on its managedFields entry (left out when empty);
    `subresource` names the subresource written through (`status`), as managedFields record it.
    """
    if patch_type == APPLY:
        return server_side_apply(
            kind, current, body, field_manager=field_manager, force=force, now=now
        )
    if patch_type == JSON:
        new = json_patch(current, body)
    elif patch_type == MERGE:
        new = merge_patch(current, body)
    elif patch_type == STRATEGIC and kind.builtin:
        new = strategic_merge_patch(kind, current, body)
    else:
        raise unsupported(kind)
    # `new` is already a fresh object (the patch functions copy), so no second copy.
    return track_update(
        kind,
        current,
        new,
        field_manager=field_manager,
        now=now,
        subresource=subresource,
        copy=False,
    )
