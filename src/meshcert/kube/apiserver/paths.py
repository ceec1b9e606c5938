"""Parse API paths into what they address: discovery documents or a resource request."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NotFound
from ..kinds import KindRegistry, ResourceKind


@dataclass(frozen=True)
class ResourceTarget:
    """`/api/v1/namespaces/ns/pods/name/log` as (kind, version, namespace, name, subresource).

    `namespace` is None for a request across all namespaces (or a cluster-scoped kind).
    """

    kind: ResourceKind
    version: str
    namespace: str | None
    name: str
    subresource: str


@dataclass(frozen=True)
class GroupVersion:
    """`/api/v1` or `/apis/G/V` with nothing after it (an APIResourceList)."""

    group: str
    version: str


@dataclass(frozen=True)
class Group:
    """`/apis/G`: an APIGroup."""

    group: str


def _not_found(path: str) -> NotFound:
    return NotFound("the server could not find the requested resource", name=path)


def parse(registry: KindRegistry, path: str) -> ResourceTarget | GroupVersion | Group:
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 2:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 2:
        if len(parts) == 2:
            if parts[1] not in registry.group_versions():
                raise _not_found(path)
            return Group(parts[1])
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise _not_found(path)
    if not rest:
        if version not in registry.group_versions().get(group, []):
            raise _not_found(path)
        return GroupVersion(group, version)
    # A resource path: `registry.served` checks the group, version and kind together.
    if rest[0] == "watch":  # the deprecated /watch/ path form
        rest = rest[1:]
    namespace: str | None = None
    if rest and rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
        kind = registry.served(group, version, rest[0])
        if kind is None or not kind.namespaced:
            # `/api/v1/namespaces/NAME/status`: the namespace object's own subresource.
            if group == "" and rest[0] in ("status", "finalize") and len(rest) == 1:
                ns_kind = registry.served("", version, "namespaces")
                if ns_kind is not None:
                    return ResourceTarget(ns_kind, version, None, namespace, rest[0])
            raise _not_found(path)
    else:
        kind = registry.served(group, version, rest[0]) if rest else None
        if kind is None:
            raise _not_found(path)
    name = rest[1] if len(rest) >= 2 else ""
    sub = rest[2] if len(rest) >= 3 else ""
    if len(rest) > 3 or (sub and sub not in kind.subresources):
        raise _not_found(path)
    return ResourceTarget(kind, version, namespace, name, sub)
