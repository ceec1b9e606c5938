"""Discovery documents: aggregated (apidiscovery.k8s.io/v2) and legacy, and /version."""

from __future__ import annotations

from typing import Any

from .. import version
from ..kinds import KindRegistry, ResourceKind

AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

KUBERNETES_VERSION = {
    "major": str(version.MAJOR),
    "minor": str(version.MINOR),
    "emulationMajor": str(version.MAJOR),
    "emulationMinor": str(version.MINOR),
    "minCompatibilityMajor": str(version.MAJOR),
    "minCompatibilityMinor": str(version.MINOR - 1),
    "gitVersion": version.GIT_VERSION,
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2025-08-12T00:00:00Z",
    "goVersion": "go1.24.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_SUBRESOURCE_VERBS = {
    "status": ["get", "patch", "update"],
    "scale": ["get", "patch", "update"],
    "log": ["get"],
    "exec": ["create", "get"],
    "portforward": ["create", "get"],
}


def wants_aggregated(accept: str) -> bool:
    return "as=APIGroupDiscoveryList" in accept and "v=v2" in accept


def _scope(kind: ResourceKind) -> str:
    return "Namespaced" if kind.namespaced else "Cluster"


def _subresource_kind(kind: ResourceKind, sub: str, version: str) -> dict[str, str]:
    if sub == "scale":
        return {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    if sub in ("log", "exec", "portforward"):
        return {"group": "", "version": "v1", "kind": {"log": "Pod"}.get(sub, "Status")}
    return {"group": kind.group, "version": version, "kind": kind.kind}


def _aggregated_resource(kind: ResourceKind, version: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resource": kind.plural,
        "responseKind": {"group": kind.group, "version": version, "kind": kind.kind},
        "scope": _scope(kind),
        "singularResource": kind.singular,
        "verbs": list(kind.verbs),
    }
    if kind.short_names:
        out["shortNames"] = list(kind.short_names)
    if kind.categories:
        out["categories"] = list(kind.categories)
    if kind.subresources:
        out["subresources"] = [
            {
                "subresource": sub,
                "responseKind": _subresource_kind(kind, sub, version),
                "verbs": _SUBRESOURCE_VERBS.get(sub, ["get"]),
            }
            for sub in kind.subresources
        ]
    return out


def _kinds_in(registry: KindRegistry, group: str, version: str) -> list[ResourceKind]:
    return sorted(
        (k for k in registry if k.group == group and version in k.versions),
        key=lambda k: k.plural,
    )


def aggregated(registry: KindRegistry, *, core: bool) -> dict[str, Any]:
    """`GET /api` (core=True) or `GET /apis` in the aggregated v2 form."""
    items = []
    for group, versions in registry.group_versions().items():
        if (group == "") != core:
            continue
        items.append(
            {
                "metadata": {"name": group} if group else {},
                "versions": [
                    {
                        "version": v,
                        "resources": [
                            _aggregated_resource(k, v) for k in _kinds_in(registry, group, v)
                        ],
                        "freshness": "Current",
                    }
                    for v in versions
                ],
            }
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }


def api_versions() -> dict[str, Any]:
    """Legacy `GET /api`."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}
        ],
    }


def api_group(group: str, versions: list[str]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": gvs,
        "preferredVersion": gvs[0],
    }


def api_group_list(registry: KindRegistry) -> dict[str, Any]:
    """Legacy `GET /apis`."""
    groups = [
        {k: v for k, v in api_group(g, vs).items() if k not in ("kind", "apiVersion")}
        for g, vs in registry.group_versions().items()
        if g
    ]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_resource_list(registry: KindRegistry, group: str, version: str) -> dict[str, Any]:
    """Legacy `GET /api/v1` or `GET /apis/G/V`."""
    resources: list[dict[str, Any]] = []
    for kind in _kinds_in(registry, group, version):
        entry: dict[str, Any] = {
            "name": kind.plural,
            "singularName": kind.singular,
            "namespaced": kind.namespaced,
            "kind": kind.kind,
            "verbs": list(kind.verbs),
        }
        if kind.short_names:
            entry["shortNames"] = list(kind.short_names)
        if kind.categories:
            entry["categories"] = list(kind.categories)
        resources.append(entry)
        for sub in kind.subresources:
            sub_kind = _subresource_kind(kind, sub, version)
            resources.append(
                {
                    "name": f"{kind.plural}/{sub}",
                    "singularName": "",
                    "namespaced": kind.namespaced,
                    "kind": sub_kind["kind"],
                    "verbs": _SUBRESOURCE_VERBS.get(sub, ["get"]),
                    **({"group": "autoscaling", "version": "v1"} if sub == "scale" else {}),
                }
            )
    group_version = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }
