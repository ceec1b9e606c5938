"""OpenAPI v3 index and group-version documents: the keys kubectl reads from them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meshcert.kube import openapi
from meshcert.kube.kinds import KindRegistry, ResourceKind
from meshcert.kube.served_kinds import ALL, default_registry

REGISTRY = default_registry()
REF = "#/components/schemas/"
GROUP_VERSIONS = sorted(
    {(rk.group, v) for rk in ALL for v in rk.versions}, key=lambda gv: (gv[0], gv[1])
)
GV_IDS = [f"{g or 'core'}/{v}" for g, v in GROUP_VERSIONS]


def doc(group: str, version: str) -> dict[str, Any]:
    found = openapi.document(REGISTRY, group, version)
    assert found is not None
    return found


def test_index_lists_every_served_group_version_with_a_hashed_url() -> None:
    paths = openapi.index(REGISTRY)["paths"]
    assert set(paths) == {openapi.group_version_path(g, v) for g, v in GROUP_VERSIONS}
    assert paths["api/v1"]["serverRelativeURL"].startswith("/openapi/v3/api/v1?hash=")
    url = paths["apis/networking.istio.io/v1beta1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/networking.istio.io/v1beta1?hash=")
    hashes = {p["serverRelativeURL"].partition("?hash=")[2] for p in paths.values()}
    assert all(len(h) == 128 and h == h.upper() for h in hashes)


def test_hash_changes_when_the_document_changes() -> None:
    cm = REGISTRY.by_plural("", "configmaps")
    assert cm is not None
    before = openapi.index(REGISTRY)["paths"]
    fewer = KindRegistry.of(rk for rk in ALL if rk is not cm)
    after = openapi.index(fewer)["paths"]
    assert after["api/v1"] != before["api/v1"]
    assert after["apis/apps/v1"] == before["apis/apps/v1"]


def test_unserved_group_version_has_no_document() -> None:
    assert openapi.document(REGISTRY, "apps", "v1beta1") is None
    assert openapi.document_bytes(REGISTRY, "nope.example.com", "v1") is None


def test_documents_are_cached_with_their_bytes() -> None:
    assert openapi.document(REGISTRY, "apps", "v1") is openapi.document(REGISTRY, "apps", "v1")
    body = openapi.document_bytes(REGISTRY, "apps", "v1")
    assert body is openapi.document_bytes(REGISTRY, "apps", "v1")
    assert body is not None
    assert json.loads(body) == doc("apps", "v1")


@pytest.mark.parametrize(("group", "version"), GROUP_VERSIONS, ids=GV_IDS)
def test_document_header(group: str, version: str) -> None:
    d = doc(group, version)
    assert d["openapi"] == "3.0.0"
    assert d["info"]["title"] == "Kubernetes"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        out = [node["$ref"]] if "$ref" in node else []
        return out + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


@pytest.mark.parametrize(("group", "version"), GROUP_VERSIONS, ids=GV_IDS)
def test_every_reference_is_in_the_document(group: str, version: str) -> None:
    d = doc(group, version)
    names = set(d["components"]["schemas"])
    missing = {r for r in _refs(d) if r.removeprefix(REF) not in names}
    assert missing == set()


def _ref_nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if "$ref" in node else []
        return found + [n for v in node.values() for n in _ref_nodes(v)]
    if isinstance(node, list):
        return [n for v in node for n in _ref_nodes(v)]
    return []


@pytest.mark.parametrize(("group", "version"), GROUP_VERSIONS, ids=GV_IDS)
def test_refs_with_siblings_are_wrapped_in_all_of(group: str, version: str) -> None:
    schemas = doc(group, version)["components"]["schemas"]
    assert all(set(n) == {"$ref"} for n in _ref_nodes(schemas))
    spec = schemas["io.k8s.api.apps.v1.Deployment"]["properties"]["spec"] if group == "apps" else {}
    if spec:
        assert spec["allOf"] == [{"$ref": REF + "io.k8s.api.apps.v1.DeploymentSpec"}]
        assert spec["description"]


def _patch_ops(d: dict[str, Any], rk: ResourceKind, version: str) -> list[dict[str, Any]]:
    gvk = {"group": rk.group, "version": version, "kind": rk.kind}
    return [
        item["patch"]
        for item in d["paths"].values()
        if "patch" in item and item["patch"]["x-kubernetes-group-version-kind"] == gvk
    ]


KIND_VERSIONS = [(rk, v) for rk in ALL for v in rk.versions]
KV_IDS = [f"{rk.kind}.{rk.group or 'core'}/{v}" for rk, v in KIND_VERSIONS]


@pytest.mark.parametrize(("rk", "version"), KIND_VERSIONS, ids=KV_IDS)
def test_patch_operations_offer_field_validation(rk: ResourceKind, version: str) -> None:
    ops = _patch_ops(doc(rk.group, version), rk, version)
    assert ops, "kubectl finds the kind's PATCH operation by x-kubernetes-group-version-kind"
    for op in ops:
        names = [p["name"] for p in op["parameters"]]
        assert "fieldValidation" in names
        assert op["x-kubernetes-action"] == "patch"


@pytest.mark.parametrize(("rk", "version"), KIND_VERSIONS, ids=KV_IDS)
def test_root_schema_lists_every_served_version(rk: ResourceKind, version: str) -> None:
    root = doc(rk.group, version)["components"]["schemas"][rk.schema]
    assert root["x-kubernetes-group-version-kind"] == [
        {"group": rk.group, "version": v, "kind": rk.kind} for v in rk.versions
    ]
    assert root["type"] == "object"
    assert root["description"]
    assert "spec" in root["properties"] or rk.kind in (
        "ConfigMap",
        "Secret",
        "Endpoints",
        "EndpointSlice",
        "ServiceAccount",
        "Event",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    )


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/namespaces/{namespace}/pods", {"get", "post", "delete"}),
        ("/api/v1/namespaces/{namespace}/pods/{name}", {"get", "put", "patch", "delete"}),
        ("/api/v1/namespaces/{namespace}/pods/{name}/status", {"get", "put", "patch"}),
        ("/api/v1/pods", {"get"}),
        ("/api/v1/nodes/{name}", {"get", "put", "patch", "delete"}),
        ("/api/v1/namespaces/{name}", {"get", "put", "patch", "delete"}),
    ],
    ids=["collection", "item", "status", "all-namespaces", "cluster-scoped", "namespace"],
)
def test_core_paths(path: str, methods: set[str]) -> None:
    item = doc("", "v1")["paths"][path]
    assert set(item) - {"parameters"} == methods


def test_namespaces_have_no_delete_collection() -> None:
    assert "delete" not in doc("", "v1")["paths"]["/api/v1/namespaces"]


def test_scale_subresource_speaks_autoscaling_scale() -> None:
    item = doc("apps", "v1")["paths"][
        "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"
    ]
    assert item["patch"]["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling",
        "version": "v1",
        "kind": "Scale",
    }
    assert "io.k8s.api.autoscaling.v1.Scale" in doc("apps", "v1")["components"]["schemas"]


@pytest.mark.parametrize(
    ("group", "version", "path", "strategic"),
    [
        ("apps", "v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", True),
        (
            "networking.istio.io",
            "v1",
            "/apis/networking.istio.io/v1/namespaces/{namespace}/virtualservices/{name}",
            False,
        ),
    ],
    ids=["builtin", "custom-resource"],
)
def test_patch_content_types(group: str, version: str, path: str, strategic: bool) -> None:
    types = set(doc(group, version)["paths"][path]["patch"]["requestBody"]["content"])
    assert "application/merge-patch+json" in types
    assert "application/json-patch+json" in types
    assert "application/apply-patch+yaml" in types
    assert ("application/strategic-merge-patch+json" in types) is strategic


@pytest.mark.parametrize(
    ("group", "version", "path", "operation_id"),
    [
        ("", "v1", "/api/v1/namespaces/{namespace}/pods", "listCoreV1NamespacedPod"),
        ("", "v1", "/api/v1/pods", "listCoreV1PodForAllNamespaces"),
        (
            "apps",
            "v1",
            "/apis/apps/v1/namespaces/{namespace}/deployments",
            "listAppsV1NamespacedDeployment",
        ),
        (
            "admissionregistration.k8s.io",
            "v1",
            "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
            "listAdmissionregistrationV1MutatingWebhookConfiguration",
        ),
        (
            "networking.istio.io",
            "v1beta1",
            "/apis/networking.istio.io/v1beta1/namespaces/{namespace}/virtualservices",
            "listNetworkingIstioIoV1beta1NamespacedVirtualService",
        ),
    ],
    ids=["core", "all-namespaces", "apps", "k8s-io-group", "istio"],
)
def test_operation_ids(group: str, version: str, path: str, operation_id: str) -> None:
    assert doc(group, version)["paths"][path]["get"]["operationId"] == operation_id


def test_custom_resources_get_a_list_schema() -> None:
    schemas = doc("networking.istio.io", "v1")["components"]["schemas"]
    listed = schemas["io.istio.networking.v1.VirtualServiceList"]
    assert listed["properties"]["items"]["items"] == {
        "$ref": REF + "io.istio.networking.v1.VirtualService"
    }
    assert {"group": "networking.istio.io", "version": "v1beta1", "kind": "VirtualServiceList"} in (
        listed["x-kubernetes-group-version-kind"]
    )
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta" in schemas


def test_strategic_merge_metadata_is_published_for_kubectl_apply() -> None:
    schemas = doc("apps", "v1")["components"]["schemas"]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["items"] == {"$ref": REF + "io.k8s.api.core.v1.Container"}


def test_every_version_of_an_istio_kind_documents_the_same_schema() -> None:
    name = "io.istio.networking.v1.VirtualService"
    versions = [
        doc("networking.istio.io", v)["components"]["schemas"]
        for v in ("v1", "v1beta1", "v1alpha3")
    ]
    assert versions[0][name] == versions[1][name] == versions[2][name]
