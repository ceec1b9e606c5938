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
        "install.istio.io/v1alpha1",
    ):
        assert gv in versions
    assert "gateway.networking.k8s.io/v1" not in versions  # until its CRDs are installed


def test_gateway_api_kinds_are_served_once_their_crds_exist(api: RunningApi) -> None:
    """As on a real cluster (kind, kubeadm): the Gateway API kinds appear with their CRDs
    (istio.io docs/tasks/traffic-management/ingress/gateway-api installs them first), and until
    then `gateway` names Istio's networking.istio.io Gateway."""
    import yaml

    from meshcert.kube.gateway_api import crd_manifests

    assert "httproutes" not in _rows(api.ok("api-resources"))
    missing = api.kubectl("get", "httproutes")
    assert missing.returncode == 1
    assert 'the server doesn\'t have a resource type "httproutes"' in missing.stderr
    api.ok("create", "namespace", "web")
    api.ok("create", "-n", "web", "-f", "-", input=_ISTIO_GATEWAY)
    assert api.ok("get", "gateway", "-n", "web", "-o", "name") == (
        "gateway.networking.istio.io/web-gateway\n"
    )

    out = api.ok("apply", "-f", "-", input=yaml.safe_dump_all(crd_manifests()))
    created = "customresourcedefinition.apiextensions.k8s.io/gateways.gateway.networking.k8s.io"
    assert f"{created} created" in out
    api.ok("wait", "--for", "condition=Established", "crd/httproutes.gateway.networking.k8s.io")
    listing = api.ok("api-resources")
    rows = _rows(listing)
    assert rows["httproutes"] == ["httproutes", "gateway.networking.k8s.io/v1", "true", "HTTPRoute"]
    assert re.search(
        r"^gateways\s+gtw\s+gateway.networking.k8s.io/v1\s+true\s+Gateway$", listing, re.M
    )
    # Now `gateway` is ambiguous and kubectl prefers the Gateway API group, as on a real cluster.
    assert api.ok("get", "gateway", "-n", "web", "-o", "name") == ""
    assert api.ok("get", "gateways.networking.istio.io", "-n", "web", "-o", "name") == (
        "gateway.networking.istio.io/web-gateway\n"
    )

    # Deleting a CRD deletes its objects and stops serving the kind.
    api.ok("create", "-n", "web", "-f", "-", input=_HTTP_ROUTE)
    api.ok("delete", "crd", "httproutes.gateway.networking.k8s.io")
    assert "httproutes" not in _rows(api.ok("api-resources"))
    api.ok("apply", "-f", "-", input=yaml.safe_dump_all(crd_manifests()))
    assert api.ok("get", "httproutes", "-A", "-o", "name") == ""


_ISTIO_GATEWAY = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: web-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
"""

_HTTP_ROUTE = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs: [{name: web}]
"""


def test_version_reports_the_server(api: RunningApi) -> None:
    out = api.ok("version")
    assert re.search(r"^Server Version: v1\.\d+\.\d+$", out, re.M)


def test_short_names_and_categories_resolve(api: RunningApi) -> None:
    api.ok("create", "namespace", "x")
    assert api.ok("get", "vs,dr,gw,se", "-n", "x").strip() == ""
    nothing = api.kubectl("get", "all", "-n", "x")
    assert nothing.returncode == 0
    assert "No resources found in x namespace." in nothing.stderr
