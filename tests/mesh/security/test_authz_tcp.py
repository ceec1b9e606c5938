"""AuthorizationPolicy on TCP connections (nc to tcp-echo, in-process): HTTP-only fields make
an ALLOW rule match nothing and are ignored in a DENY rule; a denied connection is closed, so
nc reads nothing. Source: istio.io docs/tasks/security/authorization/authz-tcp;
pilot/pkg/security/authz/model/model.go (checkError)."""

from __future__ import annotations

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster


@pytest.fixture
def lab() -> Cluster:
    """tcp-echo (ports 9000, 9001 in its Service, 9002 only in its arguments) and curl,
    both with sidecars, in `foo`."""
    cluster = t.lab(namespaces=("foo",))
    echo = t.deployment("tcp-echo", "docker.io/istio/tcp-echo-server:1.3",
                        args=["9000,9001,9002", "hello"])  # fmt: skip
    echo["spec"]["template"]["spec"]["containers"][0]["ports"] = [
        {"containerPort": 9000}, {"containerPort": 9001}]  # fmt: skip
    t.create(cluster, echo, "foo")
    svc = t.service("tcp-echo", 9000, port_name="tcp")
    svc["spec"]["ports"].append({"name": "tcp-other", "port": 9001})
    t.create(cluster, svc, "foo")
    t.curl_client(cluster, "foo")
    return cluster


def nc(cluster: Cluster, port: int) -> str:
    target = "tcp-echo"
    if port == 9002:  # not in the Service: the page sends it to the pod IP
        target = t.pod_named(cluster, "foo", "tcp-echo")["status"]["podIP"]
    got = t.run(cluster, "foo", "curl", ["sh", "-c", f'echo "port {port}" | nc {target} {port}'])
    return got.stdout.decode()


def policy(cluster: Cluster, action: str, operation: str) -> None:
    t.apply(cluster, f"""
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {{name: tcp-policy}}
spec:
  selector: {{matchLabels: {{app: tcp-echo}}}}
  action: {action}
  rules: [{{to: [{{operation: {operation}}}]}}]
""", "foo")  # fmt: skip


def test_without_policy_every_port_answers(lab: Cluster) -> None:
    assert [nc(lab, p) for p in (9000, 9001, 9002)] == [
        "hello port 9000\n", "hello port 9001\n", "hello port 9002\n"]  # fmt: skip


def test_allow_ports_also_covers_the_pass_through_port(lab: Cluster) -> None:
    # "This is enforced by the authorization policy which also applies to the pass through
    # filter chain"
    policy(lab, "ALLOW", '{ports: ["9000", "9001"]}')
    assert [nc(lab, p) for p in (9000, 9001, 9002)] == [
        "hello port 9000\n", "hello port 9001\n", ""]  # fmt: skip


def test_allow_rule_with_an_http_only_field_matches_nothing(lab: Cluster) -> None:
    policy(lab, "ALLOW", '{methods: ["GET"], ports: ["9000"]}')
    assert [nc(lab, p) for p in (9000, 9001)] == ["", ""]


def test_deny_rule_with_only_http_fields_denies_every_port(lab: Cluster) -> None:
    policy(lab, "DENY", '{methods: ["GET"]}')
    assert [nc(lab, p) for p in (9000, 9001)] == ["", ""]


def test_deny_rule_keeps_its_tcp_fields(lab: Cluster) -> None:
    policy(lab, "DENY", '{methods: ["GET"], ports: ["9000"]}')
    assert [nc(lab, p) for p in (9000, 9001)] == ["", "hello port 9001\n"]


@pytest.mark.parametrize(
    ("source", "allowed"),
    [
        ("{principals: [cluster.local/ns/foo/sa/default]}", True),
        ("{namespaces: [bar]}", False),
        ("{requestPrincipals: ['*']}", False),  # HTTP-only in an ALLOW rule
    ],
)
def test_tcp_sources(lab: Cluster, source: str, allowed: bool) -> None:
    t.apply(lab, f"""
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {{name: tcp-policy}}
spec:
  selector: {{matchLabels: {{app: tcp-echo}}}}
  rules: [{{from: [{{source: {source}}}]}}]
""", "foo")  # fmt: skip
    assert (nc(lab, 9000) == "hello port 9000\n") is allowed


GATEWAY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway, app: istio-ingressgateway}}
    spec:
      containers:
      - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.26.0", args: [proxy, router]}
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  type: NodePort
  selector: {istio: ingressgateway}
  ports: [{name: tcp, port: 31400, targetPort: 31400}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: tcp-echo-gateway, namespace: foo}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 31400, name: tcp, protocol: TCP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp-echo, namespace: foo}
spec:
  hosts: ["*"]
  gateways: [tcp-echo-gateway]
  tcp: [{match: [{port: 31400}], route: [{destination: {host: tcp-echo, port: {number: 9000}}}]}]
"""


def test_a_gateway_enforces_its_tcp_policies(lab: Cluster) -> None:
    # authz-ingress with a TCP server: ipBlocks on the gateway's TCP listener; a denied
    # connection is closed before it is routed
    t.apply(lab, GATEWAY)
    svc = lab.find(lab.kind("", "services"), "istio-system", "istio-ingressgateway")
    assert svc is not None
    node = lab.list(lab.kind("", "nodes"))[0]["status"]["addresses"][0]["address"]
    target = f"{node} {svc['spec']['ports'][0]['nodePort']}"

    def through_gateway() -> str:
        got = t.run(lab, "foo", "curl", ["sh", "-c", f"echo hello | nc {target}"])
        return got.stdout.decode()

    assert through_gateway() == "hello hello\n"
    t.apply(lab, """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ingress-policy, namespace: istio-system}
spec:
  selector: {matchLabels: {app: istio-ingressgateway}}
  rules: [{from: [{source: {ipBlocks: ["1.2.3.4"]}}]}]
""")  # fmt: skip
    assert through_gateway() == ""
