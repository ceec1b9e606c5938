"""The mesh CA and workload certificates (istio/istio security/pkg/pki/ca/ca.go,
security/pkg/pki/util/generate_cert.go, pilot/pkg/serviceregistry/kube/controller/
namespacecontroller.go; istio.io docs/concepts/security "Istio identity" and "PKI",
docs/tasks/security/cert-management/plugin-ca-cert)."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
import traffic_lab as t
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from example_certs import make_root

from meshcert.kube.cluster import Cluster
from meshcert.mesh.security.ca import mesh_ca
from meshcert.mesh.security.certificates import (
    certificate_for,
    certificate_hash,
    workload_certificate,
)
from meshcert.mesh.simulation.state import current_view

ISTIOD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system, labels: {app: istiod}}
spec:
  selector: {matchLabels: {app: istiod}}
  template:
    metadata: {labels: {app: istiod}}
    spec:
      containers: [{name: discovery, image: docker.io/istio/pilot:1.26.2}]
"""


def secret(cluster: Cluster, name: str) -> dict[str, object] | None:
    return cluster.find(cluster.kind("", "secrets"), "istio-system", name)


def root_configmap(cluster: Cluster, namespace: str) -> dict[str, object] | None:
    return cluster.find(cluster.kind("", "configmaps"), namespace, "istio-ca-root-cert")


@pytest.fixture
def cluster() -> Cluster:
    made = t.lab(namespaces=("istio-system", "foo", "kube-public"))
    t.apply(made, ISTIOD)
    return made


def test_no_ca_before_istiod() -> None:
    cluster = t.lab(namespaces=("istio-system", "foo"))
    assert secret(cluster, "istio-ca-secret") is None
    assert root_configmap(cluster, "foo") is None


def test_istiod_creates_its_self_signed_root(cluster: Cluster) -> None:
    found = secret(cluster, "istio-ca-secret")
    assert found is not None
    assert found["type"] == "istio.io/ca-root"
    data = found["data"]
    assert isinstance(data, dict)
    assert sorted(data) == [
        "ca-cert.pem", "ca-key.pem", "cert-chain.pem", "key.pem", "root-cert.pem"]  # fmt: skip
    root = x509.load_pem_x509_certificate(base64.b64decode(data["ca-cert.pem"]))
    assert root.subject.rfc4514_string() == "O=cluster.local"
    assert root.issuer == root.subject
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert root.not_valid_after_utc - root.not_valid_before_utc == timedelta(days=3650)


def test_root_cert_configmap_in_every_namespace_but_the_skipped(cluster: Cluster) -> None:
    ca = mesh_ca(cluster)
    assert ca is not None
    for ns in ("default", "foo", "istio-system", "kube-system"):
        cm = root_configmap(cluster, ns)
        assert cm is not None, ns
        assert cm["data"] == {"root-cert.pem": ca.root_pem}
        assert cm["metadata"]["labels"] == {"istio.io/config": "true"}
    assert root_configmap(cluster, "kube-public") is None
    t.apply(cluster, "apiVersion: v1\nkind: Namespace\nmetadata: {name: bar}\n")
    assert root_configmap(cluster, "bar") is not None
    # deleted: istiod writes it back
    cluster.delete(cluster.kind("", "configmaps"), "foo", "istio-ca-root-cert")
    assert root_configmap(cluster, "foo") is not None


def test_workload_certificate(cluster: Cluster) -> None:
    with cluster.lock:
        cert = certificate_for(cluster, "foo", "httpbin")
    assert cert is not None
    leaf = x509.load_pem_x509_certificate(cert.chain_pem.encode())
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.critical
    assert san.value.get_values_for_type(x509.UniformResourceIdentifier) == [
        "spiffe://cluster.local/ns/foo/sa/httpbin"
    ]
    assert len(leaf.subject) == 0
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == timedelta(hours=24)
    ca = mesh_ca(cluster)
    assert ca is not None
    leaf.verify_directly_issued_by(ca.cert)
    assert cert.root_pem == ca.root_pem
    # stable for the lab's lifetime: the same certificate on the next ask
    with cluster.lock:
        again = certificate_for(cluster, "foo", "httpbin")
    assert again == cert


def test_certificate_hash_is_sha256_of_the_der(cluster: Cluster) -> None:
    t.httpbin(cluster, "foo")
    with cluster.lock:
        view = current_view(cluster)
        workload = next(w for w in view.workloads if w.namespace == "foo")
        cert = workload_certificate(view, workload)
        digest = certificate_hash(view, workload)
    assert cert is not None
    leaf = x509.load_pem_x509_certificate(cert.chain_pem.encode())
    assert digest == hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest()


def test_trust_domain_from_mesh_config() -> None:
    cluster = t.lab(namespaces=("istio-system", "foo"))
    t.apply(cluster, """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    trustDomain: example.org
""")  # fmt: skip
    t.apply(cluster, ISTIOD)
    with cluster.lock:
        cert = certificate_for(current_view(cluster), "foo", "default")
    assert cert is not None
    assert cert.identity == "spiffe://example.org/ns/foo/sa/default"


def test_plugin_ca_from_cacerts(tmp_path: Path) -> None:
    # plugin-ca-cert: `kubectl create secret generic cacerts -n istio-system --from-file=...`
    base = tmp_path
    root = make_root(base, "plugin")
    cert_pem = (base / "example.com.crt").read_text()
    key_pem = (base / "example.com.key").read_text()
    cluster = t.lab(namespaces=("istio-system", "foo"))
    data = {"ca-cert.pem": cert_pem, "ca-key.pem": key_pem, "root-cert.pem": cert_pem,
            "cert-chain.pem": cert_pem}  # fmt: skip
    t.create(cluster, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "cacerts"},
                       "data": {k: base64.b64encode(v.encode()).decode()
                                for k, v in data.items()}}, "istio-system")  # fmt: skip
    t.apply(cluster, ISTIOD)
    assert secret(cluster, "istio-ca-secret") is None
    cm = root_configmap(cluster, "foo")
    assert cm is not None
    assert cm["data"] == {"root-cert.pem": cert_pem}
    with cluster.lock:
        cert = certificate_for(cluster, "foo", "default")
    assert cert is not None
    chain = x509.load_pem_x509_certificates(cert.chain_pem.encode())
    assert chain[1] == root[0]  # the leaf, then cert-chain.pem
    chain[0].verify_directly_issued_by(root[0])
