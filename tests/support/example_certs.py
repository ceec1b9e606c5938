"""The certificates istio.io's secure-ingress page makes with openssl, made with `cryptography`
as a stand-in (the tests do not depend on an openssl binary):

    openssl req -x509 -sha256 -nodes -days 365 -newkey rsa:2048 \
        -subj '/O=example Inc./CN=example.com' -keyout example.com.key -out example.com.crt
    openssl req -out httpbin.example.com.csr -newkey rsa:2048 -nodes \
        -keyout httpbin.example.com.key -subj "/CN=httpbin.example.com/O=httpbin organization"
    openssl x509 -req -sha256 -days 365 -CA example.com.crt -CAkey example.com.key \
        -set_serial 0 -in httpbin.example.com.csr -out httpbin.example.com.crt

Like those made by OpenSSL 3: a root with basicConstraints CA:TRUE and a subject key
identifier, leaves with subject and authority key identifiers and no subjectAltName (curl then
matches the common name), RSA 2048 keys.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


@functools.cache
def _key(label: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


def _name(*parts: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_root(directory: Path, label: str) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """`example.com.crt` / `.key` in `directory` (O=example Inc., CN=example.com)."""
    key = _key(f"{label}/root")
    name = _name((NameOID.ORGANIZATION_NAME, "example Inc."), (NameOID.COMMON_NAME, "example.com"))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "example.com.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "example.com.key").write_bytes(_pem_key(key))
    return cert, key


def make_leaf(
    directory: Path,
    host: str,
    organization: str,
    root: tuple[x509.Certificate, rsa.RSAPrivateKey],
    serial: int = 0,
    label: str = "",
) -> None:
    """`<host>.crt` / `.key` in `directory`, signed by `root` (CN=host, O=organization)."""
    key = _key(f"{label or directory}/{host}")
    ca_cert, ca_key = root
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name((NameOID.COMMON_NAME, host), (NameOID.ORGANIZATION_NAME, organization)))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial + 1)  # cryptography wants a positive serial (openssl: 0)
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=365))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    (directory / f"{host}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / f"{host}.key").write_bytes(_pem_key(key))


def example_certs(base: Path) -> None:
    """The page's example_certs1 (root, httpbin, helloworld, client) and example_certs2
    (another root with the same subject, and httpbin)."""
    one = make_root(base / "example_certs1", "one")
    make_leaf(base / "example_certs1", "httpbin.example.com", "httpbin organization", one, 0)
    make_leaf(base / "example_certs1", "helloworld.example.com", "helloworld organization",
              one, 1)  # fmt: skip
    make_leaf(base / "example_certs1", "client.example.com", "client organization", one, 1)
    two = make_root(base / "example_certs2", "two")
    make_leaf(base / "example_certs2", "httpbin.example.com", "httpbin organization", two, 0)
