"""Field paths and field sets in the apiserver's `FieldsV1` notation.

A path is a tuple of elements: `f:<field>` (a field of an object), `k:{"name":"web"}` (the item
of an associative list with those key values), `v:"value"` (an item of a set) or `i:<index>`.
A field set holds the leaves and list items a manager owns; `encode` and `decode` convert it
to and from the nested `fieldsV1` mapping (`.` marks an item that has owned children), and
`describe` renders a path as conflict messages do (`.spec.template.spec.containers[name="web"]`).
"""

from __future__ import annotations

import json
from typing import Any

from ..kinds import ResourceKind
from . import shapes

FieldPath = tuple[str, ...]
FieldSet = frozenset[FieldPath]

# Fields no manager owns (the apiserver strips them from every managed set).
_SYSTEM_FIELDS: tuple[FieldPath, ...] = (
    ("f:apiVersion",),
    ("f:kind",),
    *(
        ("f:metadata", f"f:{name}")
        for name in (
            "name",
            "namespace",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "selfLink",
            "managedFields",
            "clusterName",
        )
    ),
)


_SYSTEM_ROOTS = frozenset(p[0] for p in _SYSTEM_FIELDS if len(p) == 1)
_SYSTEM_METADATA = frozenset(p[1] for p in _SYSTEM_FIELDS if len(p) == 2)
assert all(len(p) in (1, 2) and (len(p) == 1 or p[0] == "f:metadata") for p in _SYSTEM_FIELDS)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def key_values(item: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The key fields of an associative-list item, defaulted keys filled in."""
    out: dict[str, Any] = {}
    for k in sorted(keys):
        if k in item:
            out[k] = item[k]
        elif k in shapes.KEY_DEFAULTS:
            out[k] = shapes.KEY_DEFAULTS[k]
    return out


def key_element(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    return "k:" + _json(key_values(item, keys))


def value_element(value: Any) -> str:
    return "v:" + _json(value)


# --- building sets from objects ----------------------------------------------------------


def fields_of(kind: ResourceKind, obj: dict[str, Any], subresource: str = "") -> FieldSet:
    """Every leaf and list item of `obj`, less the fields no manager owns."""
    return scoped(kind, frozenset(values_of(kind, obj)), subresource)


def values_of(kind: ResourceKind, obj: dict[str, Any]) -> dict[FieldPath, Any]:
    """Every leaf and list item of `obj` (system fields included) with its value as
    `value_at` finds it (in the first of list items with the same keys), or `UNSURE` where
    only `value_at` can tell (the fields of a later item with the same keys)."""
    out: dict[FieldPath, Any] = {}
    _walk_map(kind, (), (), obj, out)
    return out


def scoped(kind: ResourceKind, fields: FieldSet, subresource: str = "") -> FieldSet:
    """`fields` without system fields, and without what the request's endpoint resets.

    Writes to the main resource of a kind with a status subresource do not own `status`;
    writes to `status` own nothing else.
    """

    status_only = subresource == "status"
    no_status = not status_only and "status" in kind.subresources

    def kept(path: FieldPath) -> bool:
        head = path[0]
        if head in _SYSTEM_ROOTS:
            return False
        if head == "f:metadata" and (len(path) == 1 or path[1] in _SYSTEM_METADATA):
            return False
        if status_only:
            return head == "f:status"
        return not (no_status and head == "f:status")

    return frozenset(p for p in fields if p and kept(p))


def _walk_map(
    kind: ResourceKind,
    schema_path: tuple[str, ...],
    path: FieldPath,
    value: dict[str, Any],
    out: dict[FieldPath, Any],
) -> None:
    for name, child in value.items():
        _walk_value(kind, (*schema_path, name), (*path, f"f:{name}"), child, out)


def _walk_value(
    kind: ResourceKind,
    schema_path: tuple[str, ...],
    path: FieldPath,
    value: Any,
    out: dict[FieldPath, Any],
) -> None:
    if isinstance(value, dict):
        if not value or shapes.map_is_atomic(kind, schema_path):
            out.setdefault(path, value)
        else:
            _walk_map(kind, schema_path, path, value, out)
        return
    if not isinstance(value, list) or not value:
        out.setdefault(path, value)
        return
    shape = shapes.list_shape(kind, schema_path)
    if shape.kind == "set" and not any(isinstance(v, (dict, list)) for v in value):
        for v in value:
            out.setdefault((*path, value_element(v)), v)
    elif shape.kind == "map" and all(isinstance(v, dict) for v in value):
        for item in value:
            item_path = (*path, key_element(item, shape.keys))
            if item_path not in out:
                out[item_path] = item
                _walk_map(kind, schema_path, item_path, item, out)
                continue
            # A second item with the same keys: its fields are there, but `value_at` looks
            # in the first item for them.
            more: dict[FieldPath, Any] = {}
            _walk_map(kind, schema_path, item_path, item, more)
            for extra in more:
                out.setdefault(extra, UNSURE)
    else:
        out.setdefault(path, value)


def parents(fields: FieldSet) -> frozenset[FieldPath]:
    """Every strict prefix of a path in `fields`."""
    return frozenset(p[:i] for p in fields for i in range(1, len(p)))


# --- navigating objects ----------------------------------------------------------------------

_ABSENT = object()
UNSURE = object()


def _step(node: Any, element: str) -> tuple[Any, Any]:
    """(container, handle) of `element` inside `node`: a dict and key, or a list and index."""
    tag, _, rest = element.partition(":")
    if tag == "f" and isinstance(node, dict):
        return node, rest
    if isinstance(node, list):
        if tag == "i":
            index = int(rest)
            return (node, index) if 0 <= index < len(node) else (None, None)
        wanted = json.loads(rest)
        for index, item in enumerate(node):
            if tag == "v" and item == wanted:
                return node, index
            if tag == "k" and isinstance(item, dict) and key_values(item, tuple(wanted)) == wanted:
                return node, index
    return None, None


def value_at(obj: Any, path: FieldPath) -> Any:
    """The value at `path`, or `ABSENT`."""
    node = obj
    for element in path:
        holder, handle = _step(node, element)
        if holder is None:
            return _ABSENT
        if isinstance(holder, dict) and handle not in holder:
            return _ABSENT
        node = holder[handle]
    return node


ABSENT = _ABSENT


def remove_at(obj: dict[str, Any], path: FieldPath) -> bool:
    """Remove the field or list item at `path` from `obj` in place; True if it was there."""
    node: Any = obj
    for element in path[:-1]:
        holder, handle = _step(node, element)
        if holder is None or (isinstance(holder, dict) and handle not in holder):
            return False
        node = holder[handle]
    holder, handle = _step(node, path[-1])
    if holder is None or (isinstance(holder, dict) and handle not in holder):
        return False
    del holder[handle]
    return True


# --- FieldsV1 and messages -------------------------------------------------------------------


def encode(fields: FieldSet) -> dict[str, Any]:
    """The nested `fieldsV1` mapping of a field set, its keys sorted (`.` first) as the
    apiserver writes them.

    Paths are inserted in sorted order, so each mapping gets its keys in sorted order as they
    come, and a path comes before the paths under it: when a path owned itself gets its first
    child, `.` goes in first (it sorts before every `f:`, `k:`, `v:` and `i:` element).
    """
    tree: dict[str, Any] = {}
    owned: set[int] = set()  # ids of the nodes that are paths of `fields` themselves
    for path in sorted(fields):
        if not path:
            continue
        node = tree
        for element in path[:-1]:
            child = node.get(element)
            if child is None:
                child = node[element] = {}
            elif not child and id(child) in owned:
                child["."] = {}
            node = child
        leaf: dict[str, Any] = {}
        node[path[-1]] = leaf
        owned.add(id(leaf))
    return tree


def decode(tree: Any) -> FieldSet:
    """The field set of a `fieldsV1` mapping (unknown shapes yield nothing)."""
    out: set[FieldPath] = set()

    def walk(node: dict[str, Any], path: FieldPath) -> None:
        for element, child in node.items():
            if element == ".":
                out.add(path)
                continue
            here = (*path, element)
            if not isinstance(child, dict) or not child:
                out.add(here)
            else:
                walk(child, here)

    if isinstance(tree, dict):
        walk(tree, ())
    return frozenset(out)


def _go_string(value: Any) -> str:
    """A value as the structured-merge-diff library prints it in a path."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ",".join(_go_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ";".join(f"{k}={_go_string(value[k])}" for k in sorted(value)) + "}"
    return str(value)


def describe(path: FieldPath) -> str:
    """`.spec.template.spec.containers[name="web"].image`, as conflict messages name fields."""
    parts: list[str] = []
    for element in path:
        tag, _, rest = element.partition(":")
        if tag == "f":
            parts.append(f".{rest}")
        elif tag == "k":
            keys = json.loads(rest)
            parts.append("[" + ",".join(f"{k}={_go_string(keys[k])}" for k in keys) + "]")
        elif tag == "v":
            parts.append(f"[={_go_string(json.loads(rest))}]")
        else:
            parts.append(f"[{rest}]")
    return "".join(parts)
