"""Checking certificates as OpenSSL and curl do: the chain up to a trust anchor, validity
dates, and the name the client asked for.

- `verify_chain`: builds the path from the leaf through the presented intermediates to a
  certificate of the trust store (matched by subject/issuer name and, when both are present,
  authority/subject key identifiers; the signature verified with the issuer's key) and returns
  OpenSSL's verify error text (`X509_verify_cert_error_string`, crypto/x509/x509_txt.c) or
  None: `unable to get local issuer certificate`, `self-signed certificate`, `self-signed
  certificate in certificate chain`, `certificate signature failure`, `certificate has
  expired`, `certificate is not yet valid`.
- `hostname_error`: curl's `ossl_verifyhost` (lib/vtls/openssl.c): the DNS (or IP)
  subjectAltNames when there are any (a wildcard only as the whole leftmost label), else the
  subject's last common name; returns curl's message or None.

Pure functions over `cryptography` objects; no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

UNABLE_TO_GET_ISSUER = "unable to get local issuer certificate"
SELF_SIGNED = "self-signed certificate"
SELF_SIGNED_IN_CHAIN = "self-signed certificate in certificate chain"
SIGNATURE_FAILURE = "certificate signature failure"
EXPIRED = "certificate has expired"
NOT_YET_VALID = "certificate is not yet valid"
MAX_DEPTH = 10


class PemError(ValueError):
    """Bytes that hold no PEM certificate (or key) OpenSSL could load."""


def load_certificates(pem: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle, in order; PemError when there is none."""
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise PemError("no certificate") from None
    if not certs:
        raise PemError("no certificate")
    return certs


def _key_id(cert: x509.Certificate, ext: type[x509.ExtensionType]) -> bytes | None:
    try:
        value = cert.extensions.get_extension_for_class(ext).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    if isinstance(value, x509.SubjectKeyIdentifier):
        return value.digest
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return value.key_identifier
    return None


def _names_issuer(candidate: x509.Certificate, cert: x509.Certificate) -> bool:
    """OpenSSL's check_issued: the name matches and the key identifiers do not disagree."""
    if candidate.subject != cert.issuer:
        return False
    akid = _key_id(cert, x509.AuthorityKeyIdentifier)
    skid = _key_id(candidate, x509.SubjectKeyIdentifier)
    return akid is None or skid is None or akid == skid


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _self_issued(cert: x509.Certificate) -> bool:
    return _names_issuer(cert, cert)


def verify_chain(
    chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate], now: datetime
) -> str | None:
    """OpenSSL's verify error for `chain` (leaf first) against `anchors`, or None."""
    if not chain:
        return UNABLE_TO_GET_ISSUER
    untrusted = list(chain[1:])
    path = [chain[0]]
    current = chain[0]
    for depth in range(MAX_DEPTH):
        if current in anchors:
            break
        issuer = next((a for a in anchors if _names_issuer(a, current)), None)
        if issuer is not None:
            if not _signed_by(current, issuer):
                return SIGNATURE_FAILURE
            path.append(issuer)
            break
        if _self_issued(current):
            return SELF_SIGNED if depth == 0 else SELF_SIGNED_IN_CHAIN
        issuer = next((c for c in untrusted if _names_issuer(c, current)), None)
        if issuer is None:
            return UNABLE_TO_GET_ISSUER
        if not _signed_by(current, issuer):
            return SIGNATURE_FAILURE
        untrusted.remove(issuer)
        path.append(issuer)
        current = issuer
    else:
        return UNABLE_TO_GET_ISSUER
    moment = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    for cert in path:
        if moment < cert.not_valid_before_utc:
            return NOT_YET_VALID
        if moment > cert.not_valid_after_utc:
            return EXPIRED
    return None


def common_name(cert: x509.Certificate) -> str | None:
    """The subject's last CN (curl uses the most specific one)."""
    found = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not found:
        return None
    value = found[-1].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _dns_matches(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern == host:
        return True
    if not pattern.startswith("*.") or pattern.count(".") < 2:
        return False
    head, _, rest = host.partition(".")
    return bool(head) and rest == pattern[2:]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def subject_alt_names(cert: x509.Certificate) -> x509.SubjectAlternativeName | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return None


def hostname_match(cert: x509.Certificate, host: str) -> tuple[str, str] | str:
    """How curl matches `host` against the server certificate: ("san", matched name) or
    ("cn", common name) when it matches, else curl's error message."""
    is_ip = _is_ip(host)
    target = ("ipv6 address" if ":" in host else "ipv4 address") if is_ip else "hostname"
    san = subject_alt_names(cert)
    if san is not None:
        dns = san.get_values_for_type(x509.DNSName)
        ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
        if dns or ips:
            if is_ip:
                if host.strip("[]") in ips:
                    return ("san", host)
            else:
                found = next((d for d in dns if _dns_matches(d, host)), None)
                if found is not None:
                    return ("san", found)
            return f"SSL: no alternative certificate subject name matches target {target} '{host}'"
    cn = common_name(cert)
    if cn is None:
        return "SSL: unable to obtain common name from peer certificate"
    if (not is_ip and _dns_matches(cn, host)) or cn == host:
        return ("cn", cn)
    return f"SSL: certificate subject name '{cn}' does not match target {target} '{host}'"


_SHORT = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.COUNTRY_NAME: "C",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.LOCALITY_NAME: "L",
    NameOID.EMAIL_ADDRESS: "emailAddress",
}


def name_text(name: x509.Name) -> str:
    """A distinguished name as curl -v prints it: `CN=httpbin.example.com; O=httpbin
    organization` (the certificate's order, `; ` between parts)."""
    parts = []
    for attr in name:
        label = _SHORT.get(attr.oid, attr.oid.dotted_string)
        value = attr.value if isinstance(attr.value, str) else attr.value.decode()
        parts.append(f"{label}={value}")
    return "; ".join(parts)


def keys_match(cert: x509.Certificate, key_pem: str) -> bool:
    """Whether the PEM private key `key_pem` belongs to `cert`."""
    try:
        key = serialization.load_pem_private_key(
            key_pem.encode(), None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError):
        return False
    public = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    mine = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public == mine


__all__ = [
    "EXPIRED",
    "NOT_YET_VALID",
    "SELF_SIGNED",
    "SELF_SIGNED_IN_CHAIN",
    "SIGNATURE_FAILURE",
    "UNABLE_TO_GET_ISSUER",
    "PemError",
    "common_name",
    "hostname_match",
    "keys_match",
    "load_certificates",
    "name_text",
    "subject_alt_names",
    "verify_chain",
]
