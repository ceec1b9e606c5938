"""A CA, a server certificate for 127.0.0.1 and a client certificate signed by it, as a
cluster that authenticates users by client certificate has them (kubeadm's layout: the
apiserver's serving certificate with an IP SAN, a user certificate with CN = user name and
O = group). Files in `directory`; returns their paths by name."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())  # fmt: skip


def client_and_server_certs(directory: Path) -> dict[str, Path]:
    now = datetime.now(UTC) - timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
          .sign(ca_key, hashes.SHA256()))  # fmt: skip
    out = {"ca.crt": directory / "ca.crt"}
    out["ca.crt"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def leaf(name: str, subject: x509.Name, usage: x509.ObjectIdentifier,
             san: x509.SubjectAlternativeName | None) -> None:  # fmt: skip
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       ca_key.public_key()), critical=False))  # fmt: skip
        if san is not None:
            builder = builder.add_extension(san, critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        out[f"{name}.crt"] = directory / f"{name}.crt"
        out[f"{name}.key"] = directory / f"{name}.key"
        out[f"{name}.crt"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        out[f"{name}.key"].write_bytes(_key_pem(key))

    leaf(
        "server",
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]),
        ExtendedKeyUsageOID.SERVER_AUTH,
        x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
    )
    leaf("client", x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
                              x509.NameAttribute(NameOID.COMMON_NAME, "candidate")]),
         ExtendedKeyUsageOID.CLIENT_AUTH, None)  # fmt: skip
    return out
