"""Strategic merge patch, as the apiserver applies it to built-in kinds.

Maps merge key by key and `null` deletes a key. A list merges only when its schema says
`x-kubernetes-patch-strategy: merge`: items that are maps match on the field's
`x-kubernetes-patch-merge-key` (containers by name, ports by containerPort, ...) and scalars
are united (finalizers); any other list is replaced. Directives: `$patch: replace|delete|merge`
(on a map or on a list item), `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
`$setElementOrder/<field>`. The merged list keeps the order the patch asks for, with items only
the server has slotted in where they were, as the apiserver's merge does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..copying import clone
from ..errors import BadRequest, InternalError, KubeError
from ..kinds import ResourceKind
from . import shapes
from .merging import go_json_type, rejected

Path = tuple[str, ...]

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/"
SET_ELEMENT_ORDER = "$setElementOrder/"


def strategic_merge_patch(kind: ResourceKind, current: dict[str, Any], body: Any) -> dict[str, Any]:
    """`current` with a strategic merge patch applied (a new object; inputs stay untouched)."""
    if body is None:
        return clone(current)
    if not isinstance(body, dict):
        raise BadRequest(
            f"json: cannot unmarshal {go_json_type(body)} into Go value of type "
            "map[string]interface {}"
        )
    return clone(_Merger(kind).merge_map((), current, body))


def go_value(value: Any) -> str:
    """`value` as Go's `%v` prints a decoded JSON value (for the apiserver's error texts)."""
    if isinstance(value, dict):
        inner = " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value))
        return f"map[{inner}]"
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _no_merge_key(item: dict[str, Any], key: str) -> KubeError:
    return InternalError(f"map: {go_value(item)} does not contain declared merge key: {key}")


class _Merger:
    """One patch application: the kind's schema drives how each field merges."""

    def __init__(self, kind: ResourceKind) -> None:
        self.kind = kind

    # maps ------------------------------------------------------------------------------------

    def merge_map(
        self, path: Path, original: dict[str, Any] | None, patch: dict[str, Any]
    ) -> dict[str, Any]:
        directive = patch.get(DIRECTIVE)
        if directive is not None and directive != "merge":
            if directive == "replace":
                rest = {k: v for k, v in patch.items() if k != DIRECTIVE}
                return self.merge_map(path, None, rest)
            if directive == "delete":
                return {}
            raise InternalError(f"unknown patch type: {directive} in map: {go_value(patch)}")
        out: dict[str, Any] = dict(original) if original else {}
        patch = {k: v for k, v in patch.items() if k != DIRECTIVE}
        if RETAIN_KEYS in patch:
            out = self._retain_keys(out, patch)
        orders: dict[str, list[Any]] = {}
        for key, value in patch.items():
            if key.startswith(SET_ELEMENT_ORDER):
                if not isinstance(value, list):
                    raise BadRequest("invalid patch format of setElementOrder list")
                orders[key.removeprefix(SET_ELEMENT_ORDER)] = value
            elif key.startswith(DELETE_FROM_PRIMITIVE_LIST):
                self._delete_from_primitive_list(out, key, value)
        for key, value in patch.items():
            if key.startswith("$"):
                continue
            child = (*path, key)
            if value is None:
                out.pop(key, None)
            elif key not in out or out[key] is None:
                out[key] = self.fresh(child, value, orders.get(key))
            elif isinstance(out[key], dict) and isinstance(value, dict):
                if shapes.strategy(self.kind, child) == "replace":
                    out[key] = self.fresh(child, value)
                else:
                    out[key] = self.merge_map(child, out[key], value)
            elif isinstance(out[key], list) and isinstance(value, list):
                out[key] = self.merge_list(child, out[key], value, orders.get(key))
            else:
                out[key] = self.fresh(child, value, orders.get(key))
        for key, order in orders.items():
            if key not in patch and isinstance(out.get(key), list):
                out[key] = self._reorder((*path, key), out[key], out[key], order, list(out[key]))
        return out

    def _retain_keys(self, out: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
        retain = patch[RETAIN_KEYS]
        if not isinstance(retain, list):
            raise BadRequest("invalid patch format of retainKeys")
        keep = {k for k in retain if isinstance(k, str)}
        for key, value in patch.items():
            if key.startswith("$") or value is None:
                continue
            if key not in keep:
                raise BadRequest("invalid patch format of retainKeys")
        return {k: v for k, v in out.items() if k in keep}

    @staticmethod
    def _delete_from_primitive_list(out: dict[str, Any], key: str, value: Any) -> None:
        if not isinstance(value, list):
            raise BadRequest("invalid patch format of primitive list")
        field = key.removeprefix(DELETE_FROM_PRIMITIVE_LIST)
        present = out.get(field)
        if isinstance(present, list):
            out[field] = [v for v in present if v not in value]

    def fresh(self, path: Path, value: Any, order: list[Any] | None = None) -> Any:
        """A patch value for a field the original lacks: directives and nulls dropped."""
        if isinstance(value, dict):
            return self.merge_map(path, None, value)
        if isinstance(value, list):
            if shapes.strategic_merges(self.kind, path):
                return self.merge_list(path, [], value, order)
            return [self.merge_map(path, None, v) if isinstance(v, dict) else v for v in value]
        return clone(value)

    # lists -----------------------------------------------------------------------------------

    def merge_list(
        self, path: Path, original: list[Any], patch: list[Any], order: list[Any] | None
    ) -> list[Any]:
        if not shapes.strategic_merges(self.kind, path):
            return list(self.fresh(path, patch))
        if not original and not patch:
            return []
        if any(isinstance(v, list) for v in (*original, *patch)):
            raise rejected("lists of lists are not supported")
        key = shapes.merge_key(self.kind, path)
        maps = [v for v in (*original, *patch) if isinstance(v, dict)]
        if not maps:
            merged = list(original)
            for v in patch:
                if v not in merged:
                    merged.append(v)
            return self._reorder(path, merged, patch, order, original)
        if not key:
            raise InternalError(f"cannot merge lists without merge key for {'.'.join(path)}")
        original, items, replace = self._special_items(original, patch, key)
        if replace:
            return [self.merge_map(path, None, v) for v in items]
        merged = list(original)
        for item in items:
            if key not in item:
                raise _no_merge_key(item, key)
            found = next(
                (
                    i
                    for i, v in enumerate(merged)
                    if isinstance(v, dict) and v.get(key) == item[key]
                ),
                None,
            )
            if found is None:
                merged.append(self.merge_map(path, None, item))
            else:
                merged[found] = self.merge_map(path, merged[found], item)
        return self._reorder(path, merged, items, order, original)

    def _special_items(
        self, original: list[Any], patch: list[Any], key: str
    ) -> tuple[list[Any], list[dict[str, Any]], bool]:
        """Apply `$patch` list items: (original after deletions, plain items, replace?)."""
        plain: list[dict[str, Any]] = []
        replace = False
        for item in patch:
            if not isinstance(item, dict):
                raise BadRequest("invalid patch format of primitive list")
            directive = item.get(DIRECTIVE)
            if directive is None:
                plain.append(item)
            elif directive == "delete":
                if key not in item:
                    raise _no_merge_key(item, key)
                original = [
                    v for v in original if not (isinstance(v, dict) and v.get(key) == item[key])
                ]
            elif directive == "replace":
                replace = True
            elif directive == "merge":
                raise InternalError("merging lists cannot yet be specified in the patch")
            else:
                raise InternalError(f"unknown patch type: {directive} in map: {go_value(item)}")
        return original, plain, replace

    def _reorder(
        self,
        path: Path,
        merged: list[Any],
        patch: list[Any],
        order: list[Any] | None,
        server: list[Any],
    ) -> list[Any]:
        """Patch items in the patch's (or `$setElementOrder`'s) order, server-only ones slotted in.

        Mirrors the apiserver: the two sorted runs are merged, taking a server-only item first
        only when both it and the next patch item were on the server and it came first there.
        """
        key = shapes.merge_key(self.kind, path)
        ident: Callable[[Any], Any]
        if key and any(isinstance(v, dict) for v in merged):

            def ident(v: Any) -> Any:
                return ("key", _frozen(v.get(key))) if isinstance(v, dict) else ("raw", _frozen(v))

        else:

            def ident(v: Any) -> Any:
                return ("raw", _frozen(v))

        wanted = order if order is not None else patch
        if order is not None and not all(
            isinstance(v, dict) and key in v if key else not isinstance(v, (dict, list))
            for v in order
        ):
            raise BadRequest("invalid patch format of setElementOrder list")
        wanted_pos: dict[Any, int] = {}
        for i, v in enumerate(wanted):
            if not (isinstance(v, dict) and DIRECTIVE in v):
                wanted_pos.setdefault(ident(v), i)
        server_pos: dict[Any, int] = {}
        for i, v in enumerate(server):
            server_pos.setdefault(ident(v), i)
        in_patch = [v for v in merged if ident(v) in wanted_pos]
        server_only = [v for v in merged if ident(v) not in wanted_pos]
        in_patch.sort(key=lambda v: wanted_pos[ident(v)])
        server_only.sort(key=lambda v: server_pos.get(ident(v), len(server)))
        out: list[Any] = []
        i = j = 0
        while i < len(server_only) or j < len(in_patch):
            if i >= len(server_only):
                out.append(in_patch[j])
                j += 1
            elif j >= len(in_patch):
                out.append(server_only[i])
                i += 1
            else:
                left = server_pos.get(ident(server_only[i]))
                right = server_pos.get(ident(in_patch[j]))
                if left is not None and right is not None and left < right:
                    out.append(server_only[i])
                    i += 1
                else:
                    out.append(in_patch[j])
                    j += 1
        return out


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a JSON value."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return (type(value).__name__, value)
