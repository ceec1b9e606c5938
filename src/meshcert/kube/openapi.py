"""OpenAPI v3 as the API server publishes it: the index and one document per group-version.

`GET /openapi/v3` answers `index(registry)`; each group-version's document (`document`, and
`document_bytes` for the HTTP layer) holds the resource paths (see `openapi_paths`) and every
schema reachable from the served kinds, with `$ref`s that have siblings wrapped in `allOf` and
each kind's root schema tagged with one `x-kubernetes-group-version-kind` entry per served
version. That is what `kubectl apply` (strategic merge metadata, `fieldValidation`) and
`kubectl explain` read. Documents are built on first request and cached with their bytes and
hash; the index's `?hash=` changes whenever a document does, so kubectl's cache stays right.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from .kinds import KindRegistry, ResourceKind
from .openapi_paths import DELETE_OPTIONS, PATCH, SCALE, STATUS, kind_paths
from .schemas import REF_PREFIX, Catalogue, Schema, shared_catalogue
from .version import GIT_VERSION

KUBERNETES_VERSION = GIT_VERSION
LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
WATCH_EVENT = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"
_EXTRA = (STATUS, DELETE_OPTIONS, PATCH, WATCH_EVENT)
_CACHE_SIZE = 64


def group_version_path(group: str, version: str) -> str:
    """`api/v1` or `apis/apps/v1`: the key of a group-version in the index."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


@dataclass(frozen=True)
class Published:
    """One built document: the object, its JSON bytes and the hash the index links it with."""

    document: dict[str, Any]
    body: bytes
    hash: str


def _wrap_refs(node: Any) -> Any:
    """A copy of a schema with every `$ref` that has siblings moved into `allOf`."""
    if isinstance(node, dict):
        out = {k: _wrap_refs(v) for k, v in node.items() if k != "$ref"}
        ref = node.get("$ref")
        if ref is None:
            return out
        if not out:
            return {"$ref": ref}
        return {"allOf": [{"$ref": ref}], **out}
    if isinstance(node, list):
        return [_wrap_refs(v) for v in node]
    return node


def _refs(node: Any, into: list[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            into.append(ref.removeprefix(REF_PREFIX))
        for value in node.values():
            _refs(value, into)
    elif isinstance(node, list):
        for value in node:
            _refs(value, into)


def reachable(cat: Catalogue, start: list[str]) -> list[str]:
    """Every definition reachable from `start` through `$ref`s, sorted."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        found: list[str] = []
        _refs(cat.definition(name), found)
        todo.extend(found)
    return sorted(seen)


def _synthesized_list(kind: ResourceKind) -> Schema:
    return {
        "description": f"{kind.list_kind} is a list of {kind.kind}",
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": {
                "description": "APIVersion defines the versioned schema of this representation "
                "of an object.",
                "type": "string",
            },
            "items": {
                "description": f"List of {kind.plural}.",
                "type": "array",
                "items": {"$ref": REF_PREFIX + kind.schema},
            },
            "kind": {
                "description": "Kind is a string value representing the REST resource this "
                "object represents.",
                "type": "string",
            },
            "metadata": {
                "description": "Standard list metadata.",
                "allOf": [{"$ref": REF_PREFIX + LIST_META}],
            },
        },
        "x-kubernetes-group-version-kind": [
            {"group": kind.group, "version": v, "kind": kind.list_kind} for v in kind.versions
        ],
    }


def _has(cat: Catalogue, name: str) -> bool:
    try:
        cat.definition(name)
    except KeyError:
        return False
    return True


def build_document(
    cat: Catalogue, kinds: list[ResourceKind], group: str, version: str
) -> dict[str, Any]:
    """The OpenAPI v3 document of `group`/`version` serving `kinds`."""
    paths: dict[str, Any] = {}
    roots: list[str] = list(_EXTRA)
    synthesized: dict[str, Schema] = {}
    gvks: dict[str, list[dict[str, str]]] = {}
    for rk in sorted(kinds, key=lambda k: k.plural):
        list_name = f"{rk.schema}List"  # Kubernetes' own list schema, else synthesized
        if _has(cat, list_name):
            roots.append(list_name)
        else:
            synthesized[list_name] = _synthesized_list(rk)
        roots.append(rk.schema)
        if "scale" in rk.subresources:
            roots.append(SCALE)
        gvks[rk.schema] = [{"group": rk.group, "version": v, "kind": rk.kind} for v in rk.versions]
        paths.update(kind_paths(rk, version, list_name))
    if synthesized:
        roots.append(LIST_META)
    schemas: dict[str, Any] = {}
    for name in reachable(cat, roots):
        schema = _wrap_refs(cat.definition(name))
        if name in gvks:
            schema["x-kubernetes-group-version-kind"] = gvks[name]
        schemas[name] = schema
    for name, schema in synthesized.items():
        schemas[name] = _wrap_refs(schema)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "BearerToken": {
                    "type": "apiKey",
                    "description": "Bearer Token authentication",
                    "name": "authorization",
                    "in": "header",
                }
            },
        },
        "security": [{"BearerToken": []}],
    }


_Key = tuple[tuple[ResourceKind, ...], str, str]


class _Cache:
    """Built documents by (kinds, group, version), least recently used dropped first."""

    def __init__(self) -> None:
        self._items: OrderedDict[_Key, Published | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, registry: KindRegistry, group: str, version: str) -> Published | None:
        kinds = tuple(rk for rk in registry if rk.group == group and version in rk.versions)
        key = (kinds, group, version)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        published = None
        if kinds:
            doc = build_document(shared_catalogue(), list(kinds), group, version)
            body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
            published = Published(doc, body, hashlib.sha512(body).hexdigest().upper())
        with self._lock:
            self._items[key] = published
            while len(self._items) > _CACHE_SIZE:
                self._items.popitem(last=False)
        return published


_cache = _Cache()


def published(registry: KindRegistry, group: str, version: str) -> Published | None:
    """The built document of `group`/`version` (None if nothing is served there)."""
    return _cache.get(registry, group, version)


def document(registry: KindRegistry, group: str, version: str) -> dict[str, Any] | None:
    """The OpenAPI v3 document of `group`/`version`, or None if it is not served.

    Cached and shared: callers must not modify it.
    """
    found = published(registry, group, version)
    return found.document if found else None


def document_bytes(registry: KindRegistry, group: str, version: str) -> bytes | None:
    """`document` as the JSON bytes to send, or None if the group-version is not served."""
    found = published(registry, group, version)
    return found.body if found else None


def index(registry: KindRegistry) -> dict[str, Any]:
    """`GET /openapi/v3`: every served group-version with the URL of its document."""
    paths: dict[str, Any] = {}
    for group, versions in sorted(registry.group_versions().items()):
        for version in versions:
            found = published(registry, group, version)
            if found is None:
                continue
            key = group_version_path(group, version)
            paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={found.hash}"}
    return {"paths": paths}
