"""Discovery as kubectl sees it: api-resources, api-versions, version."""

from __future__ import annotations

import re

from running_api import RunningApi


def _rows(text: str) -> dict[str, list[str]]:
    lines = text.splitlines()
    return {re.split(r"\s+", line.strip())[0]: re.split(r"\s+", line.strip()) for line in lines[1:]}


def test_api_resources_lists_core_and_istio_kinds(api: RunningApi) -> None:
    rows = _rows(api.ok("api-resources"))
    assert rows["pods"] == ["pods", "po", "v1", "true", "Pod"]
    assert rows["deployments"] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    assert rows["virtualservices"] == [
        "virtualservices",
        "vs",
        "networking.istio.io/v1",
        "true",
        "VirtualService",
    ]
    assert rows["peerauthentications"][1:] == [
        "pa",
        "security.istio.io/v1",
        "true",
        "PeerAuthentication",
    ]
    assert rows["namespaces"] == ["namespaces", "ns", "v1", "false", "Namespace"]
    assert rows["httproutes"] == ["httproutes", "gateway.networking.k8s.io/v1", "true", "HTTPRoute"]
    assert rows["envoyfilters"] == [
        "envoyfilters",
        "networking.istio.io/v1alpha3",
        "true",
        "EnvoyFilter",
    ]


def test_api_resources_by_group_and_api_versions(api: RunningApi) -> None:
    names = api.ok("api-resources", "--api-group=security.istio.io", "-o", "name").split()
    assert names == [
        "authorizationpolicies.security.istio.io",
        "peerauthentications.security.istio.io",
        "requestauthentications.security.istio.io",
    ]
    versions = api.ok("api-versions").split()
    for gv in (
        "v1",
        "apps/v1",
        "networking.istio.io/v1",
        "networking.istio.io/v1beta1",
        "networking.istio.io/v1alpha3",
        "security.istio.io/v1beta1",
        "gateway.networking.k8s.io/v1",
        "install.istio.io/v1alpha1",
    ):
        assert gv in versions


def test_version_reports_the_server(api: RunningApi) -> None:
    out = api.ok("version")
    assert re.search(r"^Server Version: v1\.\d+\.\d+$", out, re.M)


def test_short_names_and_categories_resolve(api: RunningApi) -> None:
    api.ok("create", "namespace", "x")
    assert api.ok("get", "vs,dr,gw,se", "-n", "x").strip() == ""
    nothing = api.kubectl("get", "all", "-n", "x")
    assert nothing.returncode == 0
    assert "No resources found in x namespace." in nothing.stderr
