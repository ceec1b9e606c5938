"""Server-side apply: merge an applied configuration into the live object and track owners.

What matches the apiserver: maps merge field by field (atomic maps such as label selectors are
replaced); lists merge by their schema - associative lists (`x-kubernetes-list-type: map`, or a
patch merge key) item by item on their keys, sets by value, anything else is replaced whole; a
field the manager applied before and omits now is removed unless another manager owns it;
a change to a field another manager owns fails with the apiserver's 409 unless `force` moves
the ownership; `metadata.managedFields` is written in the real `FieldsV1` format; an object
that tracks no managers is first attributed to `before-first-apply`.

Simplified: new list items sit before the next item they precede in the configuration (the
apiserver interleaves both orders more carefully); maps and lists emptied by a removal are
dropped from built-in kinds (Go leaves such empty collections out) and kept on custom ones;
`null` in a configuration removes the field; the last-applied annotation of client-side apply
is neither read nor updated; there is no cap on the number of update managers.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ..copying import clone
from ..errors import BadRequest, InternalError
from ..kinds import ResourceKind, split_api_version
from . import shapes
from .fieldsets import (
    FieldPath,
    describe,
    fields_of,
    key_element,
    parents,
    remove_at,
    value_at,
)
from .merging import go_json_type
from .ownership import (
    APPLY_OPERATION,
    BEFORE_FIRST_APPLY,
    UPDATE_OPERATION,
    Managed,
    compare,
    conflict_error,
    read_managed,
    with_managed,
)

Path = tuple[str, ...]


def server_side_apply(
    kind: ResourceKind,
    current: dict[str, Any] | None,
    body: dict[str, Any],
    *,
    field_manager: str,
    force: bool,
    now: str = "",
) -> dict[str, Any]:
    """The object after `field_manager` applies `body` to `current` (None: create it)."""
    applied = _checked(kind, body)
    live = clone(current) if current is not None else {}
    managed = read_managed(current)
    if current is not None and not managed:
        first = fields_of(kind, live)
        version = str(live.get("apiVersion") or kind.api_version())
        managed = [Managed(BEFORE_FIRST_APPLY, UPDATE_OPERATION, version, first, now)]
    merged = clone(_Merger(kind, applied).merge((), live, applied))
    merged.setdefault("metadata", {}).pop("managedFields", None)
    config = fields_of(kind, applied)
    mine = Managed(field_manager, APPLY_OPERATION, str(applied["apiVersion"]), config)
    previous = next((m for m in managed if m.identity == mine.identity), None)
    others = [m for m in managed if m.identity != mine.identity]
    if previous is not None:
        _prune(kind, merged, previous.fields - config, config, others)
    change = compare(kind, _without_managed(live), merged)
    conflicts = [
        (m, p)
        for m in sorted(others, key=lambda m: m.identity)
        for p in sorted(m.fields)
        if p in change.changed
    ]
    if conflicts and not force:
        raise conflict_error(conflicts)
    others = [replace(m, fields=m.fields - change.changed - change.removed) for m in others]
    unchanged = current is not None and _without_managed(live) == merged
    stamp = previous.time if unchanged and previous is not None else now
    return with_managed(merged, [*others, replace(mine, time=stamp)])


def _without_managed(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or "managedFields" not in meta:
        return obj
    return {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}


def _checked(kind: ResourceKind, body: Any) -> dict[str, Any]:
    """A deep copy of a well-formed apply configuration, or the apiserver's 400."""
    if not isinstance(body, dict):
        raise BadRequest(
            f"error decoding YAML: json: cannot unmarshal {go_json_type(body)} into Go value "
            "of type map[string]interface {}"
        )
    api_version = str(body.get("apiVersion") or "")
    group, version = split_api_version(api_version)
    if group != kind.group or version not in kind.versions:
        raise BadRequest(
            "Incorrect version specified in apply patch. Specified patch version: "
            f"{api_version}, expected: {kind.api_version()}"
        )
    meta = body.get("metadata")
    if isinstance(meta, dict) and meta.get("managedFields") is not None:
        raise BadRequest("metadata.managedFields must be nil")
    return clone(body)


class _Merger:
    """Merges an applied configuration into a live object along the kind's schema."""

    def __init__(self, kind: ResourceKind, applied: dict[str, Any]) -> None:
        self.kind = kind
        meta = applied.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        group, version = split_api_version(str(applied.get("apiVersion", "")))
        self.label = (
            f"{meta.get('namespace', '')}/{meta.get('name', '')}; "
            f"{group}/{version}, Kind={kind.kind}"
        )

    def merge(self, path: Path, live: Any, applied: Any) -> Any:
        if isinstance(applied, dict) and not shapes.map_is_atomic(self.kind, path):
            out = dict(live) if isinstance(live, dict) else {}
            for key, value in applied.items():
                if value is None:
                    out.pop(key, None)
                else:
                    out[key] = self.merge((*path, key), out.get(key), value)
            return out
        if isinstance(applied, list):
            shape = shapes.list_shape(self.kind, path)
            if shape.kind == "map" and all(isinstance(v, dict) for v in applied):
                return self._merge_items(path, live, applied, shape.keys)
            if shape.kind == "set" and not any(isinstance(v, (dict, list)) for v in applied):
                return self._merge_set(path, live, applied)
        return clone(applied)

    def _duplicate(self, path: Path, element: str) -> InternalError:
        where = describe(tuple(f"f:{p}" for p in path))
        return InternalError(
            f"failed to create typed patch object ({self.label}): {where}: duplicate entries "
            f"for key {describe((element,))}"
        )

    def _merge_items(
        self, path: Path, live: Any, applied: list[Any], keys: tuple[str, ...]
    ) -> list[Any]:
        current = live if isinstance(live, list) else []
        by_key: dict[str, int] = {}
        for i, item in enumerate(current):
            if isinstance(item, dict):
                by_key.setdefault(key_element(item, keys), i)
        seen: set[str] = set()
        before: dict[int, list[Any]] = {}
        merged: dict[int, Any] = {}
        pending: list[Any] = []
        for item in applied:
            element = key_element(item, keys)
            if element in seen:
                raise self._duplicate(path, element)
            seen.add(element)
            if element in by_key:
                index = by_key[element]
                before.setdefault(index, []).extend(pending)
                pending = []
                merged[index] = self.merge(path, current[index], item)
            else:
                pending.append(self.merge(path, None, item))
        out: list[Any] = []
        for i, item in enumerate(current):
            out.extend(before.get(i, []))
            out.append(merged.get(i, clone(item)))
        return out + pending

    def _merge_set(self, path: Path, live: Any, applied: list[Any]) -> list[Any]:
        current = live if isinstance(live, list) else []
        seen: list[Any] = []
        for value in applied:
            if value in seen:
                raise self._duplicate(path, "v:" + json.dumps(value, separators=(",", ":")))
            seen.append(value)
        return clone(current) + [clone(v) for v in applied if v not in current]


def _prune(
    kind: ResourceKind,
    merged: dict[str, Any],
    dropped: frozenset[FieldPath],
    config: frozenset[FieldPath],
    others: list[Managed],
) -> None:
    """Remove (in place) fields this manager applied before and no one claims any more."""
    claimed = config | parents(config)
    for m in others:
        claimed = claimed | m.fields | parents(m.fields)
    removable = {p for p in dropped if p not in claimed}
    for path in sorted(removable, key=len, reverse=True):
        if any(path[:i] in removable for i in range(1, len(path))):
            continue
        if remove_at(merged, path) and kind.builtin:
            _drop_emptied(kind, merged, path[:-1])


def _drop_emptied(kind: ResourceKind, obj: dict[str, Any], path: FieldPath) -> None:
    """Drop lists and string maps left empty along `path` (Go leaves them out of JSON)."""
    while len(path) > 1 and path[-1].startswith("f:"):
        node = value_at(obj, path)
        schema_path = tuple(e[2:] for e in path if e.startswith("f:"))
        if not (node == [] or (node == {} and shapes.is_free_form_map(kind, schema_path))):
            return
        remove_at(obj, path)
        path = path[:-1]
