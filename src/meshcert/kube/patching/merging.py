"""JSON merge patch (RFC 7386) and JSON patch (RFC 6902) with the apiserver's errors.

A JSON patch runs one operation at a time through the `jsonpatch` library; an operation that
does not apply is a 422 with the apiserver's generic message, noted with the words of the
apiserver's JSON patch library (`replace operation does not apply: doc is missing key: /spec/x:
missing value` and the like).
"""

from __future__ import annotations

from typing import Any

import jsonpatch

from ..copying import clone
from ..errors import BadRequest, Invalid, RequestEntityTooLarge

MAX_JSON_PATCH_OPERATIONS = 10_000
_OPS = frozenset({"add", "remove", "replace", "move", "copy", "test"})
_MISSING = "missing value"


def go_json_type(value: Any) -> str:
    """How Go's JSON decoder names the type of `value` in its errors."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    return "number"


# --- RFC 7386 --------------------------------------------------------------------------------


def merge_patch(current: dict[str, Any], body: Any) -> dict[str, Any]:
    """`current` with a JSON merge patch applied: maps merge, `null` deletes, the rest replaces."""
    if body is None:
        raise BadRequest("Invalid JSON Patch")
    if not isinstance(body, dict):
        raise BadRequest(
            f"error decoding patch: json: cannot unmarshal {go_json_type(body)} into Go value "
            "of type map[string]interface {}"
        )
    out = clone(current)
    _merge_into(out, body)
    return out


def _merge_into(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            child = target.get(key)
            if not isinstance(child, dict):
                child = target[key] = {}
            _merge_into(child, value)
        else:
            target[key] = clone(value)


# --- RFC 6902 --------------------------------------------------------------------------------


def json_patch(current: dict[str, Any], body: Any) -> dict[str, Any]:
    """`current` with an RFC 6902 patch applied; 400 for a malformed patch, 422 for a failed op."""
    if body is None:
        return clone(current)
    if not isinstance(body, list):
        raise BadRequest(
            f"error decoding patch: json: cannot unmarshal {go_json_type(body)} into Go value "
            "of type []handlers.jsonPatchOp"
        )
    for op in body:
        if not isinstance(op, dict):
            raise BadRequest(
                f"error decoding patch: json: cannot unmarshal {go_json_type(op)} into Go value "
                "of type handlers.jsonPatchOp"
            )
    if len(body) > MAX_JSON_PATCH_OPERATIONS:
        raise RequestEntityTooLarge(
            f"The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, "
            f"got {len(body)}"
        )
    doc: Any = clone(current)
    for op in body:
        doc = _apply_one(doc, op)
    if not isinstance(doc, dict):
        raise rejected("the patched object is not a JSON object")
    return doc


def rejected(detail: str) -> Invalid:
    """422 as the apiserver answers a JSON patch operation that does not apply.

    The apiserver keeps the library's explanation to itself (the Status carries only the
    generic message, so kubectl prints `The request is invalid: the server rejected our
    request due to an error in our request`); here it rides along as a note on the exception.
    """
    error = Invalid("the server rejected our request due to an error in our request")
    error.add_note(detail)
    return error


def _apply_one(doc: Any, op: dict[str, Any]) -> Any:
    kind = op.get("op")
    if kind not in _OPS:
        raise rejected(f"Unexpected kind: {kind if isinstance(kind, str) else 'unknown'}")
    path = op.get("path")
    if not isinstance(path, str):
        raise rejected(f"{kind} operation failed to decode path: {_MISSING}")
    if kind in ("move", "copy"):
        source = op.get("from")
        if not isinstance(source, str):
            raise rejected(f"{kind} operation failed to decode from: {_MISSING}")
        if _container(doc, source) is None:
            raise rejected(
                f"{kind} operation does not apply: doc is missing from path: {source}: {_MISSING}"
            )
    if _container(doc, path) is None:
        raise rejected(_missing_path(kind, path))
    if kind in ("add", "replace", "test") and "value" not in op:
        raise rejected(f"{kind} operation, missing value field: {_MISSING}")
    try:
        return jsonpatch.JsonPatch([op]).apply(doc, in_place=False)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, IndexError) as exc:
        raise rejected(_diagnose(doc, op, kind, path, exc)) from None


def _missing_path(kind: str, path: str) -> str:
    if kind in ("add", "remove"):
        return f'{kind} operation does not apply: doc is missing path: "{path}": {_MISSING}'
    if kind == "test":
        return f"test operation does not apply: is missing path: {path}: {_MISSING}"
    if kind in ("move", "copy"):
        where = f"destination path: {path}"
        return f"{kind} operation does not apply: doc is missing {where}: {_MISSING}"
    return f"{kind} operation does not apply: doc is missing path: {path}: {_MISSING}"


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _container(doc: Any, path: str) -> Any:
    """The object or array holding the target of `path`, or None (as the Go library finds it)."""
    tokens = path.split("/")
    if len(tokens) < 2:
        return None
    node = doc
    for raw in tokens[1:-1]:
        token = _unescape(raw)
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list):
            index = _index(token)
            if index is None or not -len(node) <= index < len(node):
                return None
            node = node[index]
        else:
            return None
        if not isinstance(node, (dict, list)):
            return None
    return node


def _index(token: str) -> int | None:
    try:
        return int(token)
    except ValueError:
        return None


def _diagnose(doc: Any, op: dict[str, Any], kind: str, path: str, exc: Exception) -> str:
    """The Go library's words for why `op` failed on `doc` (its container exists)."""
    target = path if kind != "move" else str(op.get("from"))
    holder = _container(doc, target)
    key = _unescape(target.rsplit("/", 1)[-1])
    if isinstance(exc, jsonpatch.JsonPatchTestFailed):
        return f"testing value {path} failed: test failed"
    if isinstance(holder, dict):
        if kind == "remove":
            return (
                f"error in remove for path: '{path}': Unable to remove nonexistent key: {key}: "
                f"{_MISSING}"
            )
        if kind == "replace":
            return f"replace operation does not apply: doc is missing key: {path}: {_MISSING}"
        if kind == "test":
            return f"testing value {path} failed: test failed"
        if kind in ("move", "copy"):
            where = "path" if kind == "move" else "from"
            return (
                f"error in {kind} for {where}: '{key if kind == 'move' else target}': unable to "
                f"get nonexistent key: {key}: {_MISSING}"
            )
    if isinstance(holder, list):
        if key != "-" and _index(key) is None:
            return (
                f"error in {kind} for path: '{path}': value was not a proper array index: "
                f"'{key}': strconv.Atoi: parsing \"{key}\": invalid syntax"
            )
        if kind == "replace":
            return f"replace operation does not apply: doc is missing key: {path}: {_MISSING}"
        return (
            f"error in {kind} for path: '{path}': Unable to access invalid index: {key}: "
            "invalid index referenced"
        )
    return str(exc)
