"""Field ownership: `metadata.managedFields` entries, update tracking and apply conflicts.

A manager is identified as the apiserver does it: its name, its operation (`Apply` or
`Update`), the apiVersion it wrote through (Update only) and the subresource. An Update takes
over every field it changed; an Apply owns exactly the fields of its configuration and fails
with 409 when that would change a field another manager owns, unless forced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..copying import clone
from ..errors import Cause, Conflict
from ..kinds import ResourceKind
from .fieldsets import (
    UNSURE,
    FieldPath,
    FieldSet,
    decode,
    describe,
    encode,
    fields_of,
    parents,
    scoped,
    value_at,
    values_of,
)

APPLY_OPERATION = "Apply"
UPDATE_OPERATION = "Update"
BEFORE_FIRST_APPLY = "before-first-apply"


@dataclass(frozen=True)
class Managed:
    """One `managedFields` entry: who wrote which fields, how and when."""

    manager: str
    operation: str
    api_version: str
    fields: FieldSet
    time: str = ""
    subresource: str = ""

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """Entries with the same identity are one manager (appliers ignore the apiVersion)."""
        version = "" if self.operation == APPLY_OPERATION else self.api_version
        return (self.manager, self.operation, version, self.subresource)

    def describe(self) -> str:
        """How conflict messages name the manager: `"kubectl-edit" using apps/v1`."""
        out = json.dumps(self.manager, ensure_ascii=False)
        if self.subresource:
            out += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == UPDATE_OPERATION:
            out += f" using {self.api_version}"
        return out

    def to_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        }
        if self.time:
            entry["time"] = self.time
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = encode(self.fields)
        if self.subresource:
            entry["subresource"] = self.subresource
        return entry


def read_managed(obj: dict[str, Any] | None) -> list[Managed]:
    """The entries of `obj`'s `metadata.managedFields` (malformed ones skipped)."""
    meta = (obj or {}).get("metadata")
    entries = meta.get("managedFields") if isinstance(meta, dict) else None
    out: list[Managed] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not entry.get("manager"):
            continue
        out.append(
            Managed(
                manager=str(entry["manager"]),
                operation=str(entry.get("operation", UPDATE_OPERATION)),
                api_version=str(entry.get("apiVersion", "")),
                fields=decode(entry.get("fieldsV1")),
                time=str(entry.get("time", "")),
                subresource=str(entry.get("subresource", "")),
            )
        )
    return out


def with_managed(obj: dict[str, Any], managed: Iterable[Managed]) -> dict[str, Any]:
    """`obj` (changed in place and returned) carrying `managed`, sorted as the apiserver does."""
    entries = sorted(
        (m for m in managed if m.fields),
        key=lambda m: (m.operation, m.time, m.manager, m.api_version, m.subresource),
    )
    meta = obj.setdefault("metadata", {})
    if entries:
        meta["managedFields"] = [m.to_entry() for m in entries]
    else:
        meta.pop("managedFields", None)
    return obj


@dataclass(frozen=True)
class Comparison:
    """What changed between two versions of an object, as field sets."""

    added: FieldSet
    modified: FieldSet
    removed: FieldSet

    @property
    def changed(self) -> FieldSet:
        return self.added | self.modified


def compare(
    kind: ResourceKind, old: dict[str, Any], new: dict[str, Any], subresource: str = ""
) -> Comparison:
    new_values = values_of(kind, new)
    after = scoped(kind, frozenset(new_values), subresource)
    if not old:  # a create: everything is added
        return Comparison(after, frozenset(), frozenset())
    old_values = values_of(kind, old)
    before = scoped(kind, frozenset(old_values), subresource)
    inner = parents(before) | parents(after)

    def differs(path: FieldPath) -> bool:
        was, now = old_values[path], new_values[path]
        if was is UNSURE or now is UNSURE:
            return bool(value_at(old, path) != value_at(new, path))
        return bool(was != now)

    modified = frozenset(p for p in before & after if p not in inner and differs(p))
    return Comparison(after - before, modified, before - after)


def track_update(
    kind: ResourceKind,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    field_manager: str,
    subresource: str = "",
    now: str = "",
    copy: bool = True,
) -> dict[str, Any]:
    """`new` (a copy, or `new` itself changed in its metadata when not `copy`) with its
    managedFields updated for a write by `field_manager`.

    Follows the apiserver: an update of an object that tracks no managers stays untracked; a
    create always starts tracking; `managedFields: [{}]` in the request resets tracking.
    """
    out = clone(new) if copy else new
    meta = out.get("metadata")
    if isinstance(meta, dict) and meta.get("managedFields") == [{}]:
        return with_managed(out, [])
    if not field_manager:
        return out
    managed = read_managed(out) or read_managed(old)
    if old is not None and not managed:
        return out
    api_version = str(out.get("apiVersion") or kind.api_version())
    if old is None and not managed:
        # A create tracked from scratch: the writer owns every field it wrote (what the
        # general case below comes to, without its comparison and merging).
        fields = fields_of(kind, out, subresource)
        meta = out.setdefault("metadata", {})
        if fields:
            me = Managed(field_manager, UPDATE_OPERATION, api_version, fields, now, subresource)
            meta["managedFields"] = [me.to_entry()]
        else:
            meta.pop("managedFields", None)
        return out
    change = compare(kind, old or {}, out, subresource)
    me = Managed(field_manager, UPDATE_OPERATION, api_version, frozenset(), now, subresource)
    updated: list[Managed] = []
    previous: Managed | None = None
    for m in managed:
        rest = replace(m, fields=m.fields - change.changed - change.removed)
        if m.identity == me.identity:
            previous = rest
        else:
            updated.append(rest)
    if change.changed:
        base = previous.fields if previous is not None else frozenset()
        updated.append(replace(me, fields=base | change.changed, time=now))
    elif previous is not None:
        updated.append(previous)
    return with_managed(out, updated)


def conflict_error(conflicts: list[tuple[Managed, FieldPath]]) -> Conflict:
    """409 in the apiserver's words: `Apply failed with 1 conflict: conflict with "x": .a.b`."""
    causes = [
        Cause("FieldManagerConflict", f"conflict with {m.describe()}", describe(p))
        for m, p in conflicts
    ]
    if len(conflicts) == 1:
        m, p = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {m.describe()}: {describe(p)}"
    else:
        by_manager: dict[str, list[FieldPath]] = {}
        names: dict[str, Managed] = {}
        for m, p in conflicts:
            ident = _identifier(m)
            by_manager.setdefault(ident, []).append(p)
            names[ident] = m
        lines: list[str] = []
        for ident in sorted(by_manager):
            lines.append(f"conflicts with {names[ident].describe()}:")
            lines.extend(f"- {describe(p)}" for p in by_manager[ident])
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return Conflict(message, causes=causes)


def _identifier(m: Managed) -> str:
    """The apiserver's manager identifier (a JSON object; sorting by it orders messages)."""
    out: dict[str, str] = {"manager": m.manager, "operation": m.operation}
    if m.operation != APPLY_OPERATION:
        out["apiVersion"] = m.api_version
    if m.subresource:
        out["subresource"] = m.subresource
    return json.dumps(out, separators=(",", ":"))
