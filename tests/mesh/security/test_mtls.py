"""Mutual TLS in-process: PeerAuthentication layers and modes at the server's sidecar, the
client's TLS choice (auto mTLS, DestinationRule tls), what clients see when they do not match,
and the X-Forwarded-Client-Cert header.

Sources: istio.io docs/tasks/security/authentication/authn-policy and mtls-migration (the
from/to matrices, `000` with curl exit 56 for plaintext clients of STRICT workloads, the XFCC
line of "Auto mutual TLS"); pilot/pkg/security/authn/policy_applier.go
ComposePeerAuthentication; pilot/pkg/model/authentication.go; pilot/pkg/networking/core/
cluster_tls.go (auto mTLS); istio/istio issues 53030 and 53368 (the WRONG_VERSION_NUMBER 503).
"""

from __future__ import annotations

import json
import re

import pytest
import traffic_lab as t

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster

NAMESPACES = ("foo", "bar", "legacy")
RESET = ("000", 56)
OK = ("200", 0)


@pytest.fixture
def lab() -> Cluster:
    """httpbin and curl with sidecars in foo and bar, without in legacy (the pages' setup)."""
    cluster = t.lab(namespaces=NAMESPACES)
    cluster.clock = FakeClock()
    for ns in NAMESPACES:
        sidecar = ns != "legacy"
        t.httpbin(cluster, ns, sidecar=sidecar)
        t.curl_client(cluster, ns, sidecar=sidecar)
    return cluster


def apply(cluster: Cluster, text: str, namespace: str = "default") -> None:
    """Apply `text`, then let a second pass (creation timestamps order policies)."""
    t.apply(cluster, text, namespace)
    clock = cluster.clock
    assert isinstance(clock, FakeClock)
    clock.advance(1)


def code(cluster: Cluster, source: str, target: str, path: str = "/ip") -> tuple[str, int]:
    got = t.curl(cluster, f"http://httpbin.{target}:8000{path}", "-s", "-o", "/dev/null",
                 "-w", "%{http_code}", namespace=source)  # fmt: skip
    return got.stdout.decode(), got.exit_code


def matrix(cluster: Cluster) -> dict[tuple[str, str], tuple[str, int]]:
    return {(s, d): code(cluster, s, d) for s in NAMESPACES for d in NAMESPACES}


def peer_authentication(name: str, namespace: str, body: str) -> str:
    return f"""
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {{name: {name}, namespace: {namespace}}}
spec: {body}
"""


def expect(failing: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, int]]:
    return {(s, d): RESET if (s, d) in failing else OK for s in NAMESPACES for d in NAMESPACES}


def test_without_policies_every_client_reaches_every_server(lab: Cluster) -> None:
    assert matrix(lab) == expect(set())


def test_namespace_strict_resets_only_plaintext_clients_of_that_namespace(lab: Cluster) -> None:
    apply(lab, peer_authentication("default", "foo", "{mtls: {mode: STRICT}}"))
    assert matrix(lab) == expect({("legacy", "foo")})


def test_mesh_strict_in_the_root_namespace_covers_every_sidecar(lab: Cluster) -> None:
    apply(lab, peer_authentication("default", "istio-system", "{mtls: {mode: STRICT}}"))
    # httpbin.legacy has no sidecar: nothing enforces there, and auto mTLS sends plaintext
    assert matrix(lab) == expect({("legacy", "foo"), ("legacy", "bar")})


def test_workload_policy_overrides_the_namespace(lab: Cluster) -> None:
    apply(lab, peer_authentication("default", "foo", "{mtls: {mode: STRICT}}"))
    apply(lab, peer_authentication("overwrite-example", "foo",
                                   "{selector: {matchLabels: {app: httpbin}}, "
                                   "mtls: {mode: DISABLE}}"))  # fmt: skip
    assert code(lab, "legacy", "foo") == OK
    # auto mTLS sees the DISABLE and sends plaintext, so no client certificate arrives
    assert "X-Forwarded-Client-Cert" not in headers(lab, "foo", "foo")
    assert code(lab, "foo", "foo") == OK


def test_port_level_mode_is_keyed_by_the_container_port(lab: Cluster) -> None:
    kind = lab.kind("security.istio.io", "peerauthentications")
    selector = "selector: {matchLabels: {app: httpbin}}, mtls: {mode: STRICT}"
    apply(lab, peer_authentication("httpbin", "bar", f"{{{selector}}}"))
    assert code(lab, "legacy", "bar") == RESET
    lab.delete(kind, "bar", "httpbin")
    # 8000 is the Service port: the sidecar listens on the pod's port 80
    apply(
        lab,
        peer_authentication(
            "httpbin", "bar", f"{{{selector}, portLevelMtls: {{8000: {{mode: DISABLE}}}}}}"
        ),
    )
    assert code(lab, "legacy", "bar") == RESET
    lab.delete(kind, "bar", "httpbin")
    apply(
        lab,
        peer_authentication(
            "httpbin", "bar", f"{{{selector}, portLevelMtls: {{80: {{mode: DISABLE}}}}}}"
        ),
    )
    assert code(lab, "legacy", "bar") == OK
    assert code(lab, "foo", "bar") == OK


def test_unset_inherits_from_the_parent_scope(lab: Cluster) -> None:
    apply(lab, peer_authentication("default", "istio-system", "{mtls: {mode: STRICT}}"))
    apply(lab, peer_authentication("default", "foo", "{mtls: {mode: UNSET}}"))
    apply(lab, peer_authentication("httpbin", "bar", "{selector: {matchLabels: {app: httpbin}}, "
                                   "portLevelMtls: {80: {mode: UNSET}}}"))  # fmt: skip
    assert code(lab, "legacy", "foo") == RESET
    assert code(lab, "legacy", "bar") == RESET


def test_mesh_policy_unset_is_permissive(lab: Cluster) -> None:
    apply(lab, peer_authentication("default", "istio-system", "{}"))
    apply(lab, peer_authentication("default", "foo", "{mtls: {mode: UNSET}}"))
    assert code(lab, "legacy", "foo") == OK


def test_oldest_policy_of_a_layer_wins(lab: Cluster) -> None:
    apply(lab, peer_authentication("strict", "foo", "{mtls: {mode: STRICT}}"))
    apply(lab, peer_authentication("another", "foo", "{mtls: {mode: PERMISSIVE}}"))
    assert code(lab, "legacy", "foo") == RESET
    apply(lab, peer_authentication("open", "bar", "{selector: {matchLabels: {app: httpbin}}, "
                                   "mtls: {mode: PERMISSIVE}}"))  # fmt: skip
    apply(lab, peer_authentication("closed", "bar", "{selector: {matchLabels: {app: httpbin}}, "
                                   "mtls: {mode: STRICT}}"))  # fmt: skip
    assert code(lab, "legacy", "bar") == OK


def test_root_namespace_policy_with_a_selector_is_ignored(lab: Cluster) -> None:
    apply(lab, peer_authentication("httpbins", "istio-system",
                                   "{selector: {matchLabels: {app: httpbin}}, "
                                   "mtls: {mode: STRICT}}"))  # fmt: skip
    assert code(lab, "legacy", "foo") == OK


# The client side ------------------------------------------------------------------------------


def destination_rule(namespace: str, host: str, mode: str) -> str:
    return f"""
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: tls, namespace: {namespace}}}
spec: {{host: "{host}", trafficPolicy: {{tls: {{mode: {mode}}}}}}}
"""


def body(cluster: Cluster, source: str, target: str) -> tuple[int, str]:
    got = t.curl(cluster, "-s", "-w", " %{http_code}", f"http://httpbin.{target}:8000/ip",
                 namespace=source)  # fmt: skip
    return got.exit_code, got.stdout.decode()


def test_destination_rule_disable_to_a_strict_server_is_reset_by_its_sidecar(lab: Cluster) -> None:
    apply(lab, peer_authentication("default", "foo", "{mtls: {mode: STRICT}}"))
    apply(lab, destination_rule("bar", "httpbin.foo.svc.cluster.local", "DISABLE"))
    assert body(lab, "bar", "foo") == (
        0,
        "upstream connect error or disconnect/reset before "
        "headers. reset reason: connection termination 503",
    )
    assert code(lab, "foo", "foo") == OK  # the rule lives in bar: foo's clients keep auto mTLS


def test_istio_mutual_to_a_pod_without_sidecar_fails_the_handshake(lab: Cluster) -> None:
    apply(lab, destination_rule("foo", "*.local", "ISTIO_MUTUAL"))
    assert body(lab, "foo", "legacy") == (
        0,
        "upstream connect error or disconnect/reset before headers. retried and the latest "
        "reset reason: remote connection failure, transport failure reason: TLS_error:"
        "|268435703:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER:TLS_error_end"
        ":TLS_error_end 503",
    )
    assert code(lab, "foo", "bar") == OK


def test_istio_mutual_to_a_disable_workload_fails_the_handshake(lab: Cluster) -> None:
    apply(lab, peer_authentication("plain", "bar", "{selector: {matchLabels: {app: httpbin}}, "
                                   "mtls: {mode: DISABLE}}"))  # fmt: skip
    assert code(lab, "foo", "bar") == OK
    apply(lab, destination_rule("foo", "httpbin.bar.svc.cluster.local", "ISTIO_MUTUAL"))
    assert code(lab, "foo", "bar") == ("503", 0)


def test_destination_rule_disable_beats_auto_mtls(lab: Cluster) -> None:
    apply(lab, destination_rule("foo", "httpbin.bar.svc.cluster.local", "DISABLE"))
    assert "X-Forwarded-Client-Cert" not in headers(lab, "foo", "bar")


def test_namespace_disable_turns_auto_mtls_off(lab: Cluster) -> None:
    apply(lab, peer_authentication("default", "bar", "{mtls: {mode: DISABLE}}"))
    assert "X-Forwarded-Client-Cert" not in headers(lab, "foo", "bar")
    assert code(lab, "legacy", "bar") == OK


# X-Forwarded-Client-Cert -----------------------------------------------------------------------


def headers(cluster: Cluster, source: str, target: str) -> dict[str, str]:
    got = t.curl(cluster, "-s", f"http://httpbin.{target}:8000/headers", namespace=source)
    return dict(json.loads(got.stdout)["headers"])


XFCC = re.compile(r'^By=spiffe://cluster\.local/ns/([\w-]+)/sa/([\w-]+);Hash=([0-9a-f]{64});'
                  r'Subject="";URI=spiffe://cluster\.local/ns/([\w-]+)/sa/([\w-]+)$')  # fmt: skip


def test_client_certificate_header_names_both_identities(lab: Cluster) -> None:
    value = headers(lab, "foo", "bar")["X-Forwarded-Client-Cert"]
    found = XFCC.match(value)
    assert found is not None, value
    assert (found[1], found[2], found[4], found[5]) == ("bar", "default", "foo", "default")


def test_client_certificate_hash_is_stable_per_identity(lab: Cluster) -> None:
    first = XFCC.match(headers(lab, "foo", "bar")["X-Forwarded-Client-Cert"])
    again = XFCC.match(headers(lab, "foo", "foo")["X-Forwarded-Client-Cert"])
    other = XFCC.match(headers(lab, "bar", "foo")["X-Forwarded-Client-Cert"])
    assert first is not None
    assert again is not None
    assert other is not None
    assert first[3] == again[3] != other[3]


def test_no_client_certificate_header_without_mtls(lab: Cluster) -> None:
    assert "X-Forwarded-Client-Cert" not in headers(lab, "foo", "legacy")
    assert "X-Forwarded-Client-Cert" not in headers(lab, "legacy", "foo")


# TCP -----------------------------------------------------------------------------------------


@pytest.fixture
def echo(lab: Cluster) -> Cluster:
    for ns in ("foo", "legacy"):
        made = t.deployment("tcp-echo", "docker.io/istio/tcp-echo-server:1.3",
                            args=["9000", "hello"], port=9000, sidecar=ns == "foo")  # fmt: skip
        t.create(lab, made, ns)
        t.create(lab, t.service("tcp-echo", 9000, port_name="tcp"), ns)
    return lab


def nc(cluster: Cluster, source: str, target: str) -> str:
    got = t.run(cluster, source, "curl",
                ["sh", "-c", f'echo world | nc tcp-echo.{target} 9000'])  # fmt: skip
    return got.stdout.decode()


def test_strict_closes_plaintext_tcp_connections(echo: Cluster) -> None:
    apply(echo, peer_authentication("default", "foo", "{mtls: {mode: STRICT}}"))
    assert nc(echo, "bar", "foo") == "hello world\n"
    assert nc(echo, "legacy", "foo") == ""


def test_istio_mutual_tcp_to_a_pod_without_sidecar_is_closed(echo: Cluster) -> None:
    assert nc(echo, "foo", "legacy") == "hello world\n"
    apply(echo, destination_rule("foo", "tcp-echo.legacy.svc.cluster.local", "ISTIO_MUTUAL"))
    assert nc(echo, "foo", "legacy") == ""


MESH_CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    accessLogFile: /dev/stdout
"""


def test_access_log_of_a_reset_by_a_strict_server(lab: Cluster) -> None:
    apply(lab, MESH_CONFIG)
    apply(lab, peer_authentication("default", "foo", "{mtls: {mode: STRICT}}"))
    apply(lab, destination_rule("bar", "httpbin.foo.svc.cluster.local", "DISABLE"))
    assert code(lab, "bar", "foo") == ("503", 0)
    client = t.pod_named(lab, "bar", "curl")["metadata"]["name"]
    [line] = t.logs(lab, "bar", client, "istio-proxy")
    assert '" 503 UC upstream_reset_before_response_started{connection_termination} ' in line


def test_auto_mtls_off_in_mesh_config_sends_plaintext(lab: Cluster) -> None:
    apply(lab, MESH_CONFIG.replace("accessLogFile: /dev/stdout", "enableAutoMtls: false"))
    assert "X-Forwarded-Client-Cert" not in headers(lab, "foo", "bar")
    apply(lab, peer_authentication("default", "bar", "{mtls: {mode: STRICT}}"))
    assert code(lab, "foo", "bar") == ("503", 0)


INGRESS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec:
      containers:
      - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.26.0", args: [proxy, router],
         ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: http2, port: 80, targetPort: 8080}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: httpbin-gateway, namespace: foo}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: foo}
spec:
  hosts: ["*"]
  gateways: [httpbin-gateway]
  http: [{route: [{destination: {port: {number: 8000}, host: httpbin.foo.svc.cluster.local}}]}]
"""


def test_gateways_take_plaintext_under_mesh_strict_and_talk_mtls_behind(lab: Cluster) -> None:
    # PeerAuthentication configures sidecars' inbound listeners; a gateway's listeners come
    # from its Gateway servers, so the mesh-wide STRICT of the authn-policy page leaves the
    # ingress gateway open to outside clients while it calls httpbin with auto mTLS.
    apply(lab, INGRESS)
    apply(lab, peer_authentication("default", "istio-system", "{mtls: {mode: STRICT}}"))
    got = t.curl(lab, "-s", "http://istio-ingressgateway.istio-system/headers",
                 namespace="legacy")  # fmt: skip
    value = json.loads(got.stdout)["headers"]["X-Forwarded-Client-Cert"]
    found = XFCC.match(value)
    assert found is not None, value
    assert (found[1], found[4]) == ("foo", "istio-system")


def test_subset_and_port_level_tls_override_the_top_level(lab: Cluster) -> None:
    # MergeTrafficPolicy: a subset's tls replaces the top level's; a matching
    # portLevelSettings entry replaces the policy for that port
    apply(lab, peer_authentication("default", "bar", "{mtls: {mode: STRICT}}"))
    apply(lab, """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin, namespace: foo}
spec:
  host: httpbin.bar.svc.cluster.local
  trafficPolicy: {tls: {mode: DISABLE}}
  subsets:
  - {name: v1, labels: {version: v1}, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin, namespace: bar}
spec:
  host: httpbin.bar.svc.cluster.local
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings: [{port: {number: 8000}, tls: {mode: DISABLE}}]
""")  # fmt: skip
    assert code(lab, "foo", "bar") == ("503", 0)  # DISABLE to STRICT: reset
    assert code(lab, "bar", "bar") == ("503", 0)  # port 8000's DISABLE
    apply(lab, """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: foo}
spec:
  hosts: [httpbin.bar.svc.cluster.local]
  http: [{route: [{destination: {host: httpbin.bar.svc.cluster.local, subset: v1}}]}]
""")  # fmt: skip
    assert code(lab, "foo", "bar") == OK


def test_access_log_of_a_failed_handshake(lab: Cluster) -> None:
    apply(lab, MESH_CONFIG)
    apply(lab, destination_rule("foo", "*.local", "ISTIO_MUTUAL"))
    assert code(lab, "foo", "legacy") == ("503", 0)
    client = t.pod_named(lab, "foo", "curl")["metadata"]["name"]
    [line] = t.logs(lab, "foo", client, "istio-proxy")
    assert ('" 503 UF,URX upstream_reset_before_response_started{remote_connection_failure|'
            "TLS_error:|268435703:SSL_routines:OPENSSL_internal:WRONG_VERSION_NUMBER:"
            "TLS_error_end:TLS_error_end} ") in line  # fmt: skip


def test_pod_ip_through_the_passthrough_cluster_is_plaintext(lab: Cluster) -> None:
    # No service, no endpoint metadata: the PassthroughCluster originates no TLS, so a STRICT
    # sidecar closes the connection and the client's Envoy answers 503 (UC)
    ip = t.pod_named(lab, "bar", "httpbin")["status"]["podIP"]
    got = t.curl(lab, "-s", "-o", "/dev/null", "-w", "%{http_code}", f"http://{ip}:80/ip",
                 namespace="foo")  # fmt: skip
    assert got.stdout == b"200"
    apply(lab, peer_authentication("default", "bar", "{mtls: {mode: STRICT}}"))
    got = t.curl(lab, "-s", f"http://{ip}:80/ip", namespace="foo")
    assert got.stdout == (b"upstream connect error or disconnect/reset before headers. reset "
                          b"reason: connection termination")  # fmt: skip


def test_headless_service_gets_mtls_only_when_every_endpoint_has_a_sidecar(lab: Cluster) -> None:
    # BestEffortInferServiceMTLSMode: a passthrough (headless) service with an endpoint
    # without sidecar gets no auto mTLS at all (istio/istio#27376)
    svc = t.service("httpbin-headless", 8000, 80, selector={"app": "httpbin"})
    svc["spec"]["clusterIP"] = "None"
    t.create(lab, svc, "bar")

    def certificates() -> set[bool]:
        seen = set()
        for _ in range(6):
            got = t.curl(lab, "-s", "http://httpbin-headless.bar:8000/headers", namespace="foo")
            seen.add("X-Forwarded-Client-Cert" in json.loads(got.stdout)["headers"])
        return seen

    assert certificates() == {True}
    t.httpbin(lab, "bar", sidecar=False, name="httpbin-plain", with_service=False)
    assert certificates() == {False}


def test_a_client_cannot_forge_the_client_certificate_header(lab: Cluster) -> None:
    # the client's outbound Envoy sanitizes X-Forwarded-Client-Cert; the server's appends
    # its own element to what arrives
    forged = "By=spiffe://cluster.local/ns/bar/sa/default;URI=spiffe://cluster.local/ns/x/sa/y"
    got = t.curl(lab, "-s", "-H", f"X-Forwarded-Client-Cert: {forged}",
                 "http://httpbin.bar:8000/headers", namespace="foo")  # fmt: skip
    value = json.loads(got.stdout)["headers"]["X-Forwarded-Client-Cert"]
    assert XFCC.match(value) is not None, value
    # without mTLS the sidecar passes the header on as it came (APPEND_FORWARD)
    got = t.curl(lab, "-s", "-H", f"X-Forwarded-Client-Cert: {forged}",
                 "http://httpbin.foo:8000/headers", namespace="legacy")  # fmt: skip
    assert json.loads(got.stdout)["headers"]["X-Forwarded-Client-Cert"] == forged


def test_a_gateway_sets_the_header_for_its_own_mtls_hop(lab: Cluster) -> None:
    apply(lab, INGRESS)
    gateway = "http://istio-ingressgateway.istio-system/headers"
    got = t.curl(lab, "-s", "-H", "X-Forwarded-Client-Cert: By=forged", gateway,
                 namespace="legacy")  # fmt: skip
    value = json.loads(got.stdout)["headers"]["X-Forwarded-Client-Cert"]
    found = XFCC.match(value)
    assert found is not None, value
    assert found[4] == "istio-system"
