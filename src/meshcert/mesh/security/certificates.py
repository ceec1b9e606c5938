"""Workload certificates: what istiod's CA signs for each proxy (the SDS secret `default`).

A workload certificate (istio/istio security/pkg/pki/util/generate_cert.go `GenCertFromCSR`,
security/pkg/server/ca/server.go `CreateCertificate`): an empty subject, the SPIFFE ID as the
only Subject Alternative Name (a URI, critical because the subject is empty), key usage
digital signature + key encipherment, extended key usage server and client auth, valid 24 h
(DEFAULT_WORKLOAD_CERT_TTL), issued by the mesh CA; the chain is the leaf followed by the
plug-in CA's `cert-chain.pem` (nothing more for the self-signed root), and the trust bundle
is the CA's root (`ROOTCA`).

Keys are ECDSA P-256 (Istio's agent makes them with ECC_SIGNATURE_ALGORITHM=ECDSA; its default
is RSA 2048, which costs ~50 ms each to generate). A key is derived from the CA key and the
SPIFFE ID, so it stays the same for the lab's lifetime and across restarts; a certificate is
issued on first use and cached per (CA, identity) in `cluster.extensions`, then renewed when
half its lifetime is gone (SECRET_GRACE_PERIOD_RATIO 0.5), as the agent rotates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.view import MeshView

from .ca import MeshCA, mesh_ca
from .identity import spiffe_id

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

WORKLOAD_TTL = timedelta(hours=24)
GRACE_RATIO = 0.5
_CACHE_KEY = "mesh.security.workload-certificates"
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True)
class WorkloadCertificate:
    """One workload's certificate as its proxy holds it.

    `chain_pem`: the leaf then the intermediates (Envoy's `certificate_chain`); `key_pem`:
    its private key (PKCS#8); `root_pem`: the trust bundle; `der`: the leaf in DER.
    """

    identity: str
    chain_pem: str
    key_pem: str
    root_pem: str
    der: bytes
    not_before: datetime
    not_after: datetime
    serial: int

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the leaf's DER (Envoy's XFCC `Hash=`)."""
        return hashlib.sha256(self.der).hexdigest()


def _now(cluster: Cluster) -> datetime:
    return cluster.logs.now().replace(microsecond=0)


def _cluster(source: MeshView | Cluster) -> Cluster | None:
    if isinstance(source, MeshView):
        return source.source
    return source


def _trust_domain(source: MeshView | Cluster, cluster: Cluster) -> str:
    if isinstance(source, MeshView):
        return source.mesh.trust_domain
    from meshcert.mesh.simulation.state import current_view

    return current_view(cluster).mesh.trust_domain


def issue(ca: MeshCA, identity: str, now: datetime) -> WorkloadCertificate:
    """Sign a certificate for `identity` (a SPIFFE ID) valid from `now` for 24 h."""
    seed = hashlib.sha256(ca.key_pem + b"\0" + identity.encode()).digest()
    key = ec.derive_private_key(int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1,
                                ec.SECP256R1())  # fmt: skip
    serial = int.from_bytes(hashlib.sha256(seed + now.isoformat().encode()).digest()[:16], "big")
    serial = (serial >> 1) or 1  # positive, at most 127 bits as RFC 5280 allows
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(now + WORKLOAD_TTL)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity)]), critical=True
        )
        .sign(ca.key, hashes.SHA256())
    )
    leaf = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return WorkloadCertificate(
        identity=identity,
        chain_pem=leaf + ca.chain_pem,
        key_pem=key_pem,
        root_pem=ca.root_pem,
        der=cert.public_bytes(serialization.Encoding.DER),
        not_before=now,
        not_after=now + WORKLOAD_TTL,
        serial=serial,
    )


def certificate_for(source: MeshView | Cluster, namespace: str,
                    service_account: str) -> WorkloadCertificate | None:  # fmt: skip
    """The certificate of identity `namespace/service_account` (None: no CA yet, or a view
    built from manifests). Call with `cluster.lock` held."""
    cluster = _cluster(source)
    if cluster is None:
        return None
    ca = mesh_ca(cluster)
    if ca is None:
        return None
    identity = spiffe_id(_trust_domain(source, cluster), namespace, service_account)
    cache = cluster.extensions.setdefault(_CACHE_KEY, {})
    assert isinstance(cache, dict)
    key = (ca.fingerprint, identity)
    now = _now(cluster)
    found = cache.get(key)
    if isinstance(found, WorkloadCertificate):
        renew_at = found.not_before + WORKLOAD_TTL * GRACE_RATIO
        if found.not_before <= now < renew_at:
            return found
    made = issue(ca, identity, now)
    cache[key] = made
    return made


def workload_certificate(source: MeshView | Cluster,
                         workload: Workload) -> WorkloadCertificate | None:  # fmt: skip
    """The certificate `workload`'s proxy presents (its service account's identity)."""
    return certificate_for(source, workload.namespace, workload.service_account)


def certificate_hash(source: MeshView | Cluster, workload: Workload) -> str:
    """Hex SHA-256 of the DER of `workload`'s certificate, as Envoy writes it in the
    X-Forwarded-Client-Cert `Hash=` field ("" when the lab has no CA yet)."""
    cert = workload_certificate(source, workload)
    return cert.sha256 if cert is not None else ""


__all__ = [
    "WORKLOAD_TTL",
    "WorkloadCertificate",
    "certificate_for",
    "certificate_hash",
    "issue",
    "workload_certificate",
]
