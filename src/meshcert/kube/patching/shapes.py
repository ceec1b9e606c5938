"""How each field merges, read from the schema catalogue: list shapes, atomic maps, keys.

Paths are field names from the object root with list items elided, as `schemas.patch_meta`
takes them. Lookups are cached per (kind, path); a kind whose schema the catalogue does not
hold behaves like a schemaless object (granular maps, atomic lists).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kinds import ResourceKind
from ..schemas import PatchMeta, field_schema, patch_meta

Path = tuple[str, ...]

# Keys of associative lists that the apiserver defaults before merging (SSA matches an applied
# item without them against the defaulted live item).
KEY_DEFAULTS: dict[str, Any] = {"protocol": "TCP"}


@dataclass(frozen=True)
class ListShape:
    """`atomic` (replaced whole), `set` (of scalars) or `map` (items identified by `keys`)."""

    kind: str
    keys: tuple[str, ...] = ()


ATOMIC = ListShape("atomic")


# What the lookups find depends on the kind's schema alone. Caching by the schema's name (a
# string) instead of the kind spares hashing the whole ResourceKind on every lookup: the
# managedFields walk makes one per field of every object a client writes.
_CACHE_LIMIT = 8192
_metas: dict[tuple[str, Path], PatchMeta | None] = {}
_schemas: dict[tuple[str, Path], dict[str, Any] | None] = {}


def meta_at(kind: ResourceKind, path: Path) -> PatchMeta | None:
    """The field's patch metadata, or None when the schema does not know the field."""
    key = (kind.schema, path)
    try:
        return _metas[key]
    except KeyError:
        pass
    found: PatchMeta | None = None
    if kind.schema:
        try:
            found = patch_meta(kind, path)
        except KeyError:
            found = None
    if len(_metas) >= _CACHE_LIMIT:
        _metas.clear()
    _metas[key] = found
    return found


def _schema_at(kind: ResourceKind, path: Path) -> dict[str, Any] | None:
    key = (kind.schema, path)
    try:
        return _schemas[key]
    except KeyError:
        pass
    found: dict[str, Any] | None = None
    if kind.schema and path:
        try:
            found = field_schema(kind, path)
        except KeyError:
            found = None
    if len(_schemas) >= _CACHE_LIMIT:
        _schemas.clear()
    _schemas[key] = found
    return found


def strategy(kind: ResourceKind, path: Path) -> str:
    """`x-kubernetes-patch-strategy` of the field ("" when none)."""
    meta = meta_at(kind, path)
    return meta.strategy if meta is not None else ""


def merge_key(kind: ResourceKind, path: Path) -> str:
    meta = meta_at(kind, path)
    return meta.merge_key if meta is not None else ""


def strategic_merges(kind: ResourceKind, path: Path) -> bool:
    """True when a strategic merge patch merges this list instead of replacing it."""
    return "merge" in strategy(kind, path).split(",")


def list_shape(kind: ResourceKind, path: Path) -> ListShape:
    """How server-side apply merges the list at `path`."""
    meta = meta_at(kind, path)
    if meta is None:
        return ATOMIC
    if meta.list_type == "map":
        keys = meta.map_keys or ((meta.merge_key,) if meta.merge_key else ())
        return ListShape("map", keys) if keys else ATOMIC
    if meta.list_type == "set":
        return ListShape("set")
    if meta.list_type == "atomic":
        return ATOMIC
    if "merge" in meta.strategy.split(","):
        return ListShape("map", (meta.merge_key,)) if meta.merge_key else ListShape("set")
    return ATOMIC


def map_is_atomic(kind: ResourceKind, path: Path) -> bool:
    """True for `x-kubernetes-map-type: atomic` objects (a label selector, an owner ref)."""
    node = _schema_at(kind, path)
    return node is not None and node.get("x-kubernetes-map-type") == "atomic"


def is_free_form_map(kind: ResourceKind, path: Path) -> bool:
    """True for string-keyed maps (labels, data): a Go map, left out of JSON when empty."""
    node = _schema_at(kind, path)
    return (
        node is not None
        and isinstance(node.get("additionalProperties"), dict)
        and "properties" not in node
    )
