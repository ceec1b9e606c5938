"""Patches for the simulated API server: JSON patch, merge patch, strategic merge, apply.

`apply_patch` applies a PATCH body of any media type the apiserver accepts and
`server_side_apply` creates or merges an applied configuration; both are pure (they return a
new object and never change their inputs) and raise `KubeError`s worded like the apiserver's.
`track_update` records an `Update` manager in `metadata.managedFields` for writes that are
not patches (create, update). Field metadata (merge keys, list types) comes from
`meshcert.kube.schemas`. No I/O.
"""

from __future__ import annotations

from .applying import server_side_apply
from .handling import apply_patch
from .media_types import APPLY, JSON, MERGE, STRATEGIC, accepted
from .merging import json_patch, merge_patch
from .ownership import Managed, read_managed, track_update
from .strategic import strategic_merge_patch

__all__ = [
    "APPLY",
    "JSON",
    "MERGE",
    "STRATEGIC",
    "Managed",
    "accepted",
    "apply_patch",
    "json_patch",
    "merge_patch",
    "read_managed",
    "server_side_apply",
    "strategic_merge_patch",
    "track_update",
]
