"""The mesh CA: istiod's signing certificate and key, and the roots workloads trust.

Two sources, as istiod (istio/istio security/pkg/pki/ca/ca.go, pilot/pkg/bootstrap/
istio_ca.go; istio.io docs/tasks/security/cert-management/plugin-ca-cert):

- the plug-in CA: Secret `cacerts` in istio-system with `ca-cert.pem` (the signing
  certificate), `ca-key.pem`, `cert-chain.pem` (signing certificate up to the root) and
  `root-cert.pem`; used whenever it exists (istiod watches the mounted files);
- otherwise the self-signed CA istiod creates on first start and keeps in Secret
  `istio-ca-secret` (type `istio.io/ca-root`, keys `ca-cert.pem`, `ca-key.pem` and the empty
  `cert-chain.pem`, `key.pem`, `root-cert.pem` that `BuildSecret` writes): a root with subject
  `O=<trust domain>`, valid ten years (CITADEL_SELF_SIGNED_CA_CERT_TTL).

Deviation, said plainly: Istio's self-signed root has an RSA 2048 key; the lab's uses ECDSA
P-256 (Istio accepts EC CA keys, e.g. a plug-in CA; RSA key generation costs ~50 ms per lab).
The controller that writes the secret lives in `meshcert.mesh.controlplane.certificates`; this
module only reads and builds. Pure apart from the parse cache in `cluster.extensions`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from meshcert.mesh.config.meshconfig import ISTIO_NAMESPACE
from meshcert.mesh.view import MeshView

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

CA_SECRET = "istio-ca-secret"
CA_SECRET_TYPE = "istio.io/ca-root"
PLUGIN_SECRET = "cacerts"
CA_CERT = "ca-cert.pem"
CA_KEY = "ca-key.pem"
CERT_CHAIN = "cert-chain.pem"
ROOT_CERT = "root-cert.pem"
ROOT_TTL = timedelta(days=3650)
_CACHE_KEY = "mesh.security.ca"

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class MeshCA:
    """The CA istiod signs workload certificates with.

    `chain_pem`: what follows a workload certificate in its chain (the plug-in CA's
    `cert-chain.pem`; empty for the self-signed root, whose workloads' chain is the leaf
    alone). `root_pem`: the trust anchors published in `istio-ca-root-cert`.
    """

    cert: x509.Certificate
    key: SigningKey
    chain_pem: str
    root_pem: str
    plugged: bool

    @property
    def fingerprint(self) -> bytes:
        return self.cert.fingerprint(hashes.SHA256())

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


class CAError(ValueError):
    """A CA secret that cannot be used (istiod logs it and does not start the CA)."""


def self_signed_root(trust_domain: str, now: datetime) -> tuple[str, str]:
    """A new self-signed root (certificate PEM, key PEM) as istiod makes one."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, trust_domain)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + ROOT_TTL)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


def ca_secret_object(trust_domain: str, now: datetime) -> dict[str, Any]:
    """The `istio-ca-secret` Secret istiod writes on its first start."""
    cert_pem, key_pem = self_signed_root(trust_domain, now)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": CA_SECRET, "namespace": ISTIO_NAMESPACE},
        "type": CA_SECRET_TYPE,
        "data": {
            CA_CERT: _b64(cert_pem),
            CA_KEY: _b64(key_pem),
            CERT_CHAIN: "",
            "key.pem": "",
            ROOT_CERT: "",
        },
    }


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret_text(secret: Mapping[str, Any], key: str) -> str:
    """A Secret's value as text (`data` is base64, `stringData` plain); "" when absent."""
    data = secret.get("data") or {}
    if key in data:
        try:
            return base64.b64decode(str(data[key] or "")).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return ""
    return str((secret.get("stringData") or {}).get(key) or "")


def parse_ca(secret: Mapping[str, Any], plugged: bool) -> MeshCA:
    """The CA of a `cacerts` or `istio-ca-secret` Secret; CAError when it is unusable."""
    cert_text, key_text = secret_text(secret, CA_CERT), secret_text(secret, CA_KEY)
    if not cert_text or not key_text:
        raise CAError(f"{'cacerts' if plugged else CA_SECRET} has no {CA_CERT} or {CA_KEY}")
    try:
        cert = x509.load_pem_x509_certificate(cert_text.encode())
        key = serialization.load_pem_private_key(
            key_text.encode(), None, unsafe_skip_rsa_key_validation=True
        )
    except ValueError as exc:
        raise CAError(f"failed to create CA KeyCertBundle ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise CAError("failed to create CA KeyCertBundle (unsupported key type)")
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise CAError("certificate is not authorized to sign other certificates")
    if plugged:
        chain = secret_text(secret, CERT_CHAIN)
        root = secret_text(secret, ROOT_CERT) or cert_text
    else:
        chain, root = "", cert_text
    return MeshCA(cert, key, chain, root, plugged)


def _source_cluster(source: MeshView | Cluster) -> Cluster | None:
    if isinstance(source, MeshView):
        found = getattr(source, "source", None)
        return found if found is not None else None
    return source


def mesh_ca(source: MeshView | Cluster) -> MeshCA | None:
    """The CA istiod signs with now (None: no istiod has created one, or the view was built
    from manifests). Call with `cluster.lock` held (as everything in the mesh is)."""
    cluster = _source_cluster(source)
    if cluster is None:
        return None
    kind = cluster.registry.by_plural("", "secrets")
    if kind is None:
        return None
    plugged = cluster.store.get(kind, ISTIO_NAMESPACE, PLUGIN_SECRET)
    own = cluster.store.get(kind, ISTIO_NAMESPACE, CA_SECRET)
    chosen, is_plugged = (plugged, True) if plugged is not None else (own, False)
    if chosen is None:
        return None
    version = (chosen.get("metadata") or {}).get("resourceVersion")
    cached = cluster.extensions.get(_CACHE_KEY)
    if isinstance(cached, tuple) and cached[0] == (is_plugged, version):
        found = cached[1]
        return found if isinstance(found, MeshCA) else None
    try:
        ca: MeshCA | None = parse_ca(chosen, is_plugged)
    except CAError:
        ca = None
    cluster.extensions[_CACHE_KEY] = ((is_plugged, version), ca)
    return ca


__all__ = [
    "CA_CERT",
    "CA_KEY",
    "CA_SECRET",
    "CA_SECRET_TYPE",
    "CERT_CHAIN",
    "PLUGIN_SECRET",
    "ROOT_CERT",
    "CAError",
    "MeshCA",
    "ca_secret_object",
    "mesh_ca",
    "parse_ca",
    "secret_text",
    "self_signed_root",
]
