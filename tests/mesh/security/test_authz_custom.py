"""CUSTOM AuthorizationPolicies through the simulation (in-process): the ext-authz providers of
the mesh config answered as Istio's sample server (samples/extauthz/cmd/extauthz/main.go)
answers, before DENY and ALLOW. Sources: istio.io docs/tasks/security/authorization/
authz-custom; pilot/pkg/security/authz/builder (bad providers deny what the policy matches)."""

from __future__ import annotations

import json

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster

DENIED = "denied by ext_authz for not found header `x-ext-authz: allow` in the request"
MESH = """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    accessLogFile: /dev/stdout
    extensionProviders:
    - name: "sample-ext-authz-grpc"
      envoyExtAuthzGrpc:
        service: "ext-authz.foo.svc.cluster.local"
        port: "9000"
    - name: "sample-ext-authz-http"
      envoyExtAuthzHttp:
        service: "ext-authz.foo.svc.cluster.local"
        port: "8000"
        includeRequestHeadersInCheck: ["x-ext-authz"]
"""
EXT_AUTHZ = """
apiVersion: v1
kind: Service
metadata: {name: ext-authz, labels: {app: ext-authz}}
spec:
  ports: [{name: http, port: 8000, targetPort: 8000}, {name: grpc, port: 9000, targetPort: 9000}]
  selector: {app: ext-authz}
"""


@pytest.fixture
def lab() -> Cluster:
    cluster = t.lab(namespaces=("foo",))
    t.apply(cluster, MESH)
    t.httpbin(cluster, "foo")
    t.curl_client(cluster, "foo")
    t.create(cluster, t.deployment("ext-authz", "gcr.io/istio-testing/ext-authz:latest",
                                   port=8000), "foo")  # fmt: skip
    t.apply(cluster, EXT_AUTHZ, "foo")
    return cluster


def custom(cluster: Cluster, provider: str, paths: str = "[/headers]") -> None:
    t.apply(cluster, f"""
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {{name: ext-authz}}
spec:
  selector: {{matchLabels: {{app: httpbin}}}}
  action: CUSTOM
  provider: {{name: {provider}}}
  rules: [{{to: [{{operation: {{paths: {paths}}}}}]}}]
""", "foo")  # fmt: skip


def get(cluster: Cluster, path: str, *args: str) -> tuple[str, str]:
    got = t.curl(cluster, "-s", "-w", "\n%{http_code}", *args,
                 f"http://httpbin.foo:8000{path}", namespace="foo")  # fmt: skip
    body, _, code = got.stdout.decode().rpartition("\n")
    return body, code


@pytest.mark.parametrize("provider", ["sample-ext-authz-grpc", "sample-ext-authz-http"])
def test_the_sample_server_decides_on_the_x_ext_authz_header(lab: Cluster, provider: str) -> None:
    custom(lab, provider)
    assert get(lab, "/headers", "-H", "x-ext-authz: deny") == (DENIED, "403")
    body, code = get(lab, "/headers", "-H", "x-ext-authz: allow")
    assert code == "200"
    headers = json.loads(body)["headers"]
    if provider == "sample-ext-authz-grpc":  # the OkResponse headers reach the upstream
        assert headers["X-Ext-Authz-Check-Result"] in ("allowed", ["allowed"])
    else:  # headersToUpstreamOnAllow is not set: nothing is added
        assert "X-Ext-Authz-Check-Result" not in headers
    assert get(lab, "/ip")[1] == "200"  # not matched by the policy: no check


def test_http_provider_only_sends_the_included_headers(lab: Cluster) -> None:
    # without includeRequestHeadersInCheck the server never sees x-ext-authz
    lab.delete(lab.kind("", "configmaps"), "istio-system", "istio")
    t.apply(lab, MESH.replace('includeRequestHeadersInCheck: ["x-ext-authz"]', 'port: "8000"'))
    custom(lab, "sample-ext-authz-http")
    assert get(lab, "/headers", "-H", "x-ext-authz: allow") == (DENIED, "403")


def test_denial_details_and_headers(lab: Cluster) -> None:
    custom(lab, "sample-ext-authz-grpc")
    got = t.curl(lab, "-s", "-i", "-H", "x-ext-authz: deny", "http://httpbin.foo:8000/headers",
                 namespace="foo")  # fmt: skip
    text = got.stdout.decode()
    assert "x-ext-authz-check-result: denied" in text
    pod = t.pod_named(lab, "foo", "httpbin")["metadata"]["name"]
    assert " 403 UAEX ext_authz_denied " in t.logs(lab, "foo", pod, "istio-proxy")[-1]


def test_custom_runs_before_deny_and_allow(lab: Cluster) -> None:
    custom(lab, "sample-ext-authz-grpc")
    t.apply(lab, """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-headers}
spec:
  action: DENY
  rules: [{to: [{operation: {paths: [/headers]}}]}]
""", "foo")  # fmt: skip
    assert get(lab, "/headers", "-H", "x-ext-authz: deny") == (DENIED, "403")
    assert get(lab, "/headers", "-H", "x-ext-authz: allow") == ("RBAC: access denied", "403")


def test_an_unknown_provider_denies_what_the_policy_matches(lab: Cluster) -> None:
    custom(lab, "no-such-provider")
    assert get(lab, "/headers", "-H", "x-ext-authz: allow") == ("RBAC: access denied", "403")
    assert get(lab, "/ip")[1] == "200"
    pod = t.pod_named(lab, "foo", "httpbin")["metadata"]["name"]
    assert (
        "rbac_access_denied_matched_policy[istio-ext-authz-ns[foo]-policy[ext-authz]-rule[0]"
        "-deny-due-to-bad-CUSTOM-action]"
    ) in t.logs(lab, "foo", pod, "istio-proxy")[-2]


def test_unreachable_server_fails_closed(lab: Cluster) -> None:
    kind = lab.kind("", "services")
    lab.delete(kind, "foo", "ext-authz")
    custom(lab, "sample-ext-authz-grpc")
    assert get(lab, "/headers", "-H", "x-ext-authz: allow") == ("", "403")
