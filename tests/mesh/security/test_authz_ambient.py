"""AuthorizationPolicy at ztunnel for ambient workloads (in-process): L4 attributes only, an
ALLOW rule with HTTP attributes matches nothing, a DENY rule is enforced without them, and a
denied connection is closed (curl exits 56). Sources: istio.io docs/ambient/usage/l4-policy;
pilot/pkg/serviceregistry/kube/controller/ambient/authorization.go (handleRule)."""

from __future__ import annotations

import copy

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster


@pytest.fixture
def lab() -> Cluster:
    """httpbin (sa httpbin) and curl (sa curl) without sidecars in the ambient namespace
    `ambient-demo`; a curl outside the mesh in `outside`."""
    cluster = t.lab(namespaces=("outside",))
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {
        "name": "ambient-demo", "labels": {"istio.io/dataplane-mode": "ambient"}}})  # fmt: skip
    for name, image in (("httpbin", "docker.io/kennethreitz/httpbin"),
                        ("curl", "curlimages/curl")):  # fmt: skip
        t.create(cluster, {"apiVersion": "v1", "kind": "ServiceAccount",
                           "metadata": {"name": name}}, "ambient-demo")  # fmt: skip
        sleep = None if name == "httpbin" else ["/bin/sleep", "infinity"]
        port = 80 if name == "httpbin" else None
        made = t.deployment(name, image, sidecar=False, port=port, command=sleep)
        made = copy.deepcopy(made)
        made["spec"]["template"]["spec"]["serviceAccountName"] = name
        t.create(cluster, made, "ambient-demo")
    t.create(cluster, t.service("httpbin", 8000, 80), "ambient-demo")
    t.curl_client(cluster, "outside", sidecar=False)
    return cluster


def policy(cluster: Cluster, body: str) -> None:
    t.apply(cluster, "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n" + body,
            "ambient-demo")  # fmt: skip


def get(cluster: Cluster, namespace: str = "ambient-demo") -> tuple[int, str]:
    got = t.curl(cluster, "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                 "http://httpbin.ambient-demo:8000/get", namespace=namespace)  # fmt: skip
    return got.exit_code, got.stdout.decode() + got.stderr.decode()


ALLOW_CURL = """metadata: {name: allow-curl-to-httpbin}
spec:
  selector: {matchLabels: {app: httpbin}}
  action: ALLOW
  rules:
  - from: [{source: {principals: [cluster.local/ns/ambient-demo/sa/curl]}}]
"""


def test_without_policy_everything_passes(lab: Cluster) -> None:
    assert get(lab) == (0, "200")
    assert get(lab, "outside") == (0, "200")


def test_l4_allow_policy_on_the_peer_identity(lab: Cluster) -> None:
    # "pods with the label app: httpbin only allow traffic from sources with an identity
    # principal of cluster.local/ns/ambient-demo/sa/curl"
    policy(lab, ALLOW_CURL)
    assert get(lab) == (0, "200")
    code, text = get(lab, "outside")  # no mesh identity: ztunnel closes the connection
    assert code == 56
    assert "Connection reset by peer" in text


def test_l7_attributes_without_a_waypoint_deny_the_connection(lab: Cluster) -> None:
    # "the presence of a L7 policy, and the traffic not originating from a waypoint proxy,
    # causes the ztunnel to deny the connection: command terminated with exit code 56"
    policy(
        lab,
        ALLOW_CURL.replace("sa/curl]}}]", "sa/curl]}}]\n    to: [{operation: {methods: [GET]}}]"),
    )
    assert get(lab)[0] == 56


def test_deny_with_http_attributes_is_enforced_without_them(lab: Cluster) -> None:
    policy(lab, """metadata: {name: deny-get}
spec:
  action: DENY
  rules: [{to: [{operation: {methods: [GET], ports: ["80"]}}]}]
""")  # fmt: skip
    assert get(lab)[0] == 56  # any method on port 80
    assert get(lab, "outside")[0] == 56


def test_custom_and_target_refs_are_not_for_ztunnel(lab: Cluster) -> None:
    policy(lab, """metadata: {name: waypoint-only}
spec:
  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]
  action: DENY
  rules: [{}]
""")  # fmt: skip
    assert get(lab) == (0, "200")
