"""Every `resource.Quantity` field of a built-in object rewritten in canonical form on write.

The API server decodes a request body into its Go type, where each Quantity field parses
its text, and encodes it again for storage: what is stored, watched and read back is the
canonical text (`cpu: 1000m` reads `"1"`), and a malformed quantity fails the decoding with a
400 (`Deployment in version "v1" cannot be handled as a Deployment: quantities must match the
regular expression ...`), before admission and validation. Writes by the lab's controllers
and admission hooks (sidecar injection's `2000m` limits) go through the same encoding there,
so the hook here runs on every create and update, after the other mutating hooks.

Which fields are quantities comes from the schema catalogue: those whose schema is the
`io.k8s.apimachinery.pkg.api.resource.Quantity` definition. For each kind a small tree of
just the paths that lead to one is built once, so a write walks only those paths (a Service
or an Istio kind has none and costs one lookup).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import errors
from .admission import AdmissionRequest
from .kinds import ResourceKind
from .quantity import QuantityError, canonical
from .validation import Checker, compiler, decoding_error

if TYPE_CHECKING:
    from .cluster import Cluster

QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"


@dataclass(eq=False)
class QuantityPaths:
    """The part of a schema that leads to quantities: `leaf` is a quantity itself;
    `fields` are the named properties, `values` a map's values, `items` a list's elements."""

    leaf: bool = False
    fields: tuple[tuple[str, QuantityPaths], ...] = ()
    values: QuantityPaths | None = None
    items: QuantityPaths | None = None


_LEAF = QuantityPaths(leaf=True)
_by_schema: dict[str, QuantityPaths | None] = {}
_lock = threading.Lock()


def quantity_paths(kind: ResourceKind) -> QuantityPaths | None:
    """The quantity paths of `kind`'s schema, None when it has no quantity field."""
    schema = kind.schema
    if schema in _by_schema:
        return _by_schema[schema]
    with _lock:
        if schema not in _by_schema:
            _by_schema[schema] = _build_for(schema)
        return _by_schema[schema]


def _build_for(schema: str) -> QuantityPaths | None:
    comp = compiler()
    try:
        root = comp.root(schema)
        target = comp.definition(QUANTITY)
    except KeyError:
        return None
    return _prune(root, target, {}, set())


def _prune(
    node: Checker, target: Checker, done: dict[int, QuantityPaths | None], open_: set[int]
) -> QuantityPaths | None:
    """The paths under `node` that reach `target`. A definition met again while being
    walked (recursive schemas such as JSONSchemaProps) contributes nothing on that path."""
    if node is target:
        return _LEAF
    key = id(node)
    if key in done:
        return done[key]
    if key in open_ or node.any_value:
        return None
    open_.add(key)
    fields = []
    for name, sub in (node.properties or {}).items():
        found = _prune(sub, target, done, open_)
        if found is not None:
            fields.append((name, found))
    values = _prune(node.values, target, done, open_) if node.values is not None else None
    items = _prune(node.items, target, done, open_) if node.items is not None else None
    open_.discard(key)
    result = None
    if fields or values is not None or items is not None:
        result = QuantityPaths(fields=tuple(fields), values=values, items=items)
    done[key] = result
    return result


def canonical_quantities(kind: ResourceKind, obj: dict[str, Any]) -> dict[str, Any]:
    """`obj` with every quantity in canonical form: `obj` itself when all already are, else
    a copy that shares everything but the changed paths (stored objects are never changed
    in place). Raises BadRequest, as the API server's decoder, for a malformed quantity."""
    paths = quantity_paths(kind)
    if paths is None:
        return obj
    try:
        result = _rewrite(paths, obj)
    except QuantityError as err:
        raise errors.BadRequest(decoding_error(kind, obj, str(err))) from None
    return result if isinstance(result, dict) else obj


def _rewrite(paths: QuantityPaths, value: Any) -> Any:
    if paths.leaf:
        text = canonical(value)
        return value if text == value else text
    if isinstance(value, dict):
        out = value
        for name, sub in paths.fields:
            item = value.get(name)
            if item is None:
                continue
            new = _rewrite(sub, item)
            if new is not item:
                if out is value:
                    out = dict(value)
                out[name] = new
        each = paths.values
        if each is not None:
            for name, item in value.items():
                if item is None:
                    if not each.leaf:
                        continue
                    new = "0"  # a map's Quantity decodes null as zero (not a nil pointer)
                else:
                    new = _rewrite(each, item)
                if new is not item:
                    if out is value:
                        out = dict(value)
                    out[name] = new
        return out
    element = paths.items
    if isinstance(value, list) and element is not None:
        copied: list[Any] | None = None
        for i, item in enumerate(value):
            if item is None:
                continue
            new = _rewrite(element, item)
            if new is not item:
                if copied is None:
                    copied = list(value)
                copied[i] = new
        return value if copied is None else copied
    return value


def decode_quantities(kind: ResourceKind, obj: dict[str, Any]) -> None:
    """Canonicalise `obj`'s quantities as decoding a request body does, before anything else
    looks at it (so a re-sent `1000m` is no change to a stored `1`). Only `obj`'s own top
    level is changed: what it shares with a stored object is replaced, never edited."""
    new = canonical_quantities(kind, obj)
    if new is not obj:
        obj.update(new)


class CanonicalQuantities:
    """The mutating hook that stores quantities as the API server's decoder writes them."""

    name = "CanonicalQuantities"

    def mutate(self, cluster: Cluster, request: AdmissionRequest) -> None:
        obj = request.object
        if obj is not None:
            request.object = canonical_quantities(request.kind, obj)


__all__ = [
    "QUANTITY",
    "CanonicalQuantities",
    "QuantityPaths",
    "canonical_quantities",
    "decode_quantities",
    "quantity_paths",
]
