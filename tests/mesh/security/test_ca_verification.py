"""Chain and name checks as OpenSSL and curl make them (crypto/x509/x509_vfy.c and
x509_txt.c; curl lib/vtls/openssl.c `ossl_verifyhost`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from meshcert.mesh.security.certificates_verification import (
    EXPIRED,
    SELF_SIGNED,
    SIGNATURE_FAILURE,
    UNABLE_TO_GET_ISSUER,
    hostname_match,
    name_text,
    verify_chain,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _cert(subject: str, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
          *, ca: bool = False, san: list[x509.GeneralName] | None = None, akid: bool = True,
          days: int = 365) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    signer_key = issuer[1] if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[0].subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW - timedelta(days=1) + timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
    if issuer and akid:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), False
        )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), False)
    return builder.sign(signer_key, hashes.SHA256()), key


def test_chain_through_an_intermediate() -> None:
    root = _cert("root", None, ca=True)
    inter = _cert("inter", root, ca=True)
    leaf = _cert("leaf", inter)
    assert verify_chain([leaf[0], inter[0]], [root[0]], NOW) is None
    assert verify_chain([leaf[0]], [root[0]], NOW) == UNABLE_TO_GET_ISSUER


def test_self_signed_leaf_not_trusted() -> None:
    leaf = _cert("self", None)
    other = _cert("root", None, ca=True)
    assert verify_chain([leaf[0]], [other[0]], NOW) == SELF_SIGNED
    assert verify_chain([leaf[0]], [leaf[0]], NOW) is None


def test_same_name_other_key_without_key_identifiers() -> None:
    # no authority key identifier: OpenSSL takes the issuer by name, then the signature fails
    root = _cert("root", None, ca=True)
    impostor = _cert("root", None, ca=True)
    leaf = _cert("leaf", root, akid=False)
    assert verify_chain([leaf[0]], [impostor[0]], NOW) == SIGNATURE_FAILURE


def test_expired() -> None:
    root = _cert("root", None, ca=True)
    leaf = _cert("leaf", root, days=1)
    assert verify_chain([leaf[0]], [root[0]], NOW + timedelta(days=2)) == EXPIRED


@pytest.mark.parametrize(
    ("names", "host", "expected"),
    [
        ([x509.DNSName("a.example.com")], "a.example.com", ("san", "a.example.com")),
        ([x509.DNSName("*.example.com")], "a.example.com", ("san", "*.example.com")),
        (
            [x509.DNSName("*.example.com")],
            "a.b.example.com",
            "SSL: no alternative certificate subject name matches target hostname "
            "'a.b.example.com'",
        ),
        # only a URI (a workload certificate): curl falls back to the common name
        (
            [x509.UniformResourceIdentifier("spiffe://cluster.local/ns/a/sa/b")],
            "leaf",
            ("cn", "leaf"),
        ),
        (
            None,
            "other",
            "SSL: certificate subject name 'leaf' does not match target hostname 'other'",
        ),
    ],
)
def test_hostname(names: list[x509.GeneralName] | None, host: str,
                  expected: tuple[str, str] | str) -> None:  # fmt: skip
    root = _cert("root", None, ca=True)
    leaf = _cert("leaf", root, san=names)
    assert hostname_match(leaf[0], host) == expected


def test_name_text_keeps_the_certificate_order() -> None:
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "example Inc."),
                      x509.NameAttribute(NameOID.COMMON_NAME, "example.com")])  # fmt: skip
    assert name_text(name) == "O=example Inc.; CN=example.com"
