"""PeerAuthentication in front of ambient workloads (in-process): ztunnel closes connections
that bypass the mesh under STRICT (curl exits 56, `000`), mesh clients arrive over HBONE
mTLS, and DISABLE is not supported in ambient: it accepts both. Source: istio/api
security/v1beta1/peer_authentication.proto ("In ambient mode ... DISABLE mode is not
supported. STRICT mode is useful to ensure that connections that bypass the mesh are not
possible")."""

from __future__ import annotations

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster


@pytest.fixture
def lab() -> Cluster:
    """httpbin and curl in the ambient namespace `ambient-demo`; curl outside the mesh in
    `outside` and with a sidecar in `sidecar`."""
    cluster = t.lab(namespaces=("outside", "sidecar"))
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {
        "name": "ambient-demo", "labels": {"istio.io/dataplane-mode": "ambient"}}})  # fmt: skip
    t.httpbin(cluster, "ambient-demo", sidecar=False)
    t.curl_client(cluster, "ambient-demo", sidecar=False)
    t.curl_client(cluster, "outside", sidecar=False)
    t.curl_client(cluster, "sidecar")
    return cluster


def code(cluster: Cluster, namespace: str) -> tuple[str, int]:
    got = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                 "http://httpbin.ambient-demo:8000/ip", namespace=namespace)  # fmt: skip
    return got.stdout.decode(), got.exit_code


def mode(cluster: Cluster, value: str) -> None:
    t.apply(cluster, f"""
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {{name: default}}
spec: {{mtls: {{mode: {value}}}}}
""", "ambient-demo")  # fmt: skip


def test_strict_closes_connections_from_outside_the_mesh(lab: Cluster) -> None:
    assert code(lab, "outside") == ("200", 0)
    mode(lab, "STRICT")
    assert code(lab, "outside") == ("000", 56)
    assert code(lab, "ambient-demo") == ("200", 0)
    assert code(lab, "sidecar") == ("200", 0)


def test_disable_is_not_supported_in_ambient(lab: Cluster) -> None:
    mode(lab, "DISABLE")
    assert code(lab, "outside") == ("200", 0)
    assert code(lab, "ambient-demo") == ("200", 0)


def test_workload_port_level_mode_applies_at_ztunnel(lab: Cluster) -> None:
    mode(lab, "STRICT")
    t.apply(lab, """
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: httpbin}
spec:
  selector: {matchLabels: {app: httpbin}}
  portLevelMtls: {80: {mode: PERMISSIVE}}
""", "ambient-demo")  # fmt: skip
    assert code(lab, "outside") == ("200", 0)
