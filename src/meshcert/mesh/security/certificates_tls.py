"""A TLS handshake between a client (curl, or a proxy originating TLS) and a TLS server (a
gateway's Envoy): what each side offers and what came out of it.

`negotiate(client, server, now)` walks a TLS 1.3 (or 1.2) handshake as far as it gets:

1. versions: the highest both allow (Envoy's server default TLSv1.2..TLSv1.3, a Gateway's
   `minProtocolVersion`/`maxProtocolVersion`; curl's default TLSv1.2..TLSv1.3, `--tlsv1.3`,
   `--tls-max`); none in common = the server's `protocol version` alert;
2. the client verifies the server's chain against its trust store (curl `--cacert`; none
   given = the system store, which trusts none of the lab's CAs) and the name it asked for
   (`-k` skips both): OpenSSL's verify error or curl's name mismatch;
3. the server asks for a client certificate when its mode is MUTUAL or ISTIO_MUTUAL (and
   OPTIONAL_MUTUAL, which accepts none): in TLS 1.3 the client sees the server's alert only
   when it reads the response: `certificate required` without one, `unknown ca` when the
   chain does not verify against the server's CA, `certificate expired`.

Sources: istio.io docs/tasks/traffic-management/ingress/secure-ingress (the MUTUAL failure
without a client certificate: `tlsv13 alert certificate required`); RFC 8446 section 4.4.2.4
(the `certificate_required` alert); envoyproxy/envoy source/common/tls/context_impl.cc
(default protocol versions). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .certificates_verification import EXPIRED, hostname_match, verify_chain

VERSIONS = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
# Gateway `minProtocolVersion` / `maxProtocolVersion` values (networking/v1 gateway.proto)
PROTOCOL_VERSIONS = {"TLSV1_0": "TLSv1", "TLSV1_1": "TLSv1.1", "TLSV1_2": "TLSv1.2",
                     "TLSV1_3": "TLSv1.3"}  # fmt: skip

# How a handshake failed (Handshake.failure)
CLOSED = "closed"  # the server closed the connection (no filter chain, no certificate)
WRONG_VERSION = "wrong-version"  # the answer is not TLS (e.g. TLS originated over TLS)
VERIFY = "verify"  # the client rejected the server's chain (detail: OpenSSL's text)
HOSTNAME = "hostname"  # the client rejected the server's name (detail: curl's message)
CERTIFICATE_REQUIRED = "certificate-required"  # server alert: no client certificate
UNKNOWN_CA = "unknown-ca"  # server alert: the client chain does not verify
CERTIFICATE_EXPIRED = "certificate-expired"  # server alert: the client certificate expired
PROTOCOL_VERSION = "protocol-version"  # server alert: no version in common
MUTUAL_MODES = frozenset({"MUTUAL", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"})


@dataclass(frozen=True)
class ClientTls:
    """What a TLS client offers: the SNI ("" for an IP literal), the trust store (`trust`:
    None = the system store; `trust_label`: the CAfile name for logs), whether it verifies
    (`-k` = False), its own certificate chain and key, its version range and ALPN list."""

    sni: str = ""
    trust: tuple[x509.Certificate, ...] | None = None
    trust_label: str = ""
    verify: bool = True
    chain: tuple[x509.Certificate, ...] = ()
    min_version: str = "TLSv1.2"
    max_version: str = "TLSv1.3"
    alpn: tuple[str, ...] = ("h2", "http/1.1")


@dataclass(frozen=True)
class ServerTls:
    """What a TLS server presents: its mode (SIMPLE, MUTUAL, OPTIONAL_MUTUAL, ISTIO_MUTUAL),
    certificate chain, the CA it checks client certificates with, its version range and
    ALPN list."""

    mode: str
    chain: tuple[x509.Certificate, ...]
    client_ca: tuple[x509.Certificate, ...] = ()
    min_version: str = "TLSv1.2"
    max_version: str = "TLSv1.3"
    alpn: tuple[str, ...] = ("h2", "http/1.1")


@dataclass(frozen=True)
class Handshake:
    """The outcome: what was negotiated and shown (for `curl -v`), and `failure` (one of the
    module's constants, "" on success) with its `detail`."""

    version: str = "TLSv1.3"
    cipher: str = "TLS_AES_256_GCM_SHA384"
    group: str = "X25519"
    signature: str = "RSASSA-PSS"
    alpn: str = ""
    server_chain: tuple[x509.Certificate, ...] = ()
    host_match: tuple[str, str] | None = None
    verified: bool = False
    client_cert_requested: bool = False
    client_cert_sent: bool = False
    failure: str = ""
    detail: str = ""
    trust_label: str = field(default="", compare=False)

    @property
    def ok(self) -> bool:
        return not self.failure


def closed() -> Handshake:
    """The server closed the connection before its ServerHello."""
    return Handshake(failure=CLOSED)


def not_tls() -> Handshake:
    """What came back to the ClientHello is not a TLS record (OpenSSL: wrong version number)."""
    return Handshake(failure=WRONG_VERSION)


def _cipher(version: str, key: object) -> tuple[str, str]:
    is_ec = isinstance(key, ec.EllipticCurvePublicKey)
    if version == "TLSv1.3":
        return "TLS_AES_256_GCM_SHA384", "id-ecPublicKey" if is_ec else "RSASSA-PSS"
    cipher = "ECDHE-ECDSA-AES128-GCM-SHA256" if is_ec else "ECDHE-RSA-AES128-GCM-SHA256"
    return cipher, "id-ecPublicKey" if is_ec else "RSASSA-PSS"


def _index(version: str) -> int:
    return VERSIONS.index(version) if version in VERSIONS else VERSIONS.index("TLSv1.2")


def negotiate(client: ClientTls, server: ServerTls, now: datetime) -> Handshake:
    """The handshake between `client` and `server` at `now`."""
    high = min(_index(client.max_version), _index(server.max_version))
    low = max(_index(client.min_version), _index(server.min_version))
    if high < low:
        return Handshake(failure=PROTOCOL_VERSION)
    version = VERSIONS[high]
    leaf = server.chain[0] if server.chain else None
    key = leaf.public_key() if leaf is not None else None
    cipher, signature = _cipher(version, key)
    alpn = next((p for p in client.alpn if p in server.alpn), "")
    base = Handshake(version=version, cipher=cipher, signature=signature, alpn=alpn,
                     server_chain=server.chain, trust_label=client.trust_label,
                     client_cert_requested=server.mode in MUTUAL_MODES)  # fmt: skip
    if client.verify:
        anchors = client.trust or ()
        error = verify_chain(server.chain, anchors, now)
        if error is not None:
            return _with(base, failure=VERIFY, detail=error)
        assert leaf is not None
        host = client.sni
        if host:
            matched = hostname_match(leaf, host)
            if isinstance(matched, str):
                return _with(base, failure=HOSTNAME, detail=matched)
            base = _with(base, host_match=matched, verified=True)
        else:
            base = _with(base, verified=True)
    if server.mode not in MUTUAL_MODES:
        return base
    sent = bool(client.chain)
    base = _with(base, client_cert_sent=sent)
    if not sent:
        if server.mode == "OPTIONAL_MUTUAL":
            return base
        return _with(base, failure=CERTIFICATE_REQUIRED)
    error = verify_chain(client.chain, server.client_ca, now)
    if error == EXPIRED:
        return _with(base, failure=CERTIFICATE_EXPIRED, detail=error)
    if error is not None:
        return _with(base, failure=UNKNOWN_CA, detail=error)
    return base


def _with(handshake: Handshake, **changes: object) -> Handshake:
    from dataclasses import replace

    return replace(handshake, **changes)  # type: ignore[arg-type]


def key_size(cert: x509.Certificate) -> tuple[str, int]:
    """(`RSA` or `EC`, bits) of a certificate's public key, as curl -v describes it."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    return "unknown", 0


__all__ = [
    "CERTIFICATE_EXPIRED",
    "CERTIFICATE_REQUIRED",
    "CLOSED",
    "HOSTNAME",
    "MUTUAL_MODES",
    "PROTOCOL_VERSION",
    "PROTOCOL_VERSIONS",
    "UNKNOWN_CA",
    "VERIFY",
    "WRONG_VERSION",
    "ClientTls",
    "Handshake",
    "ServerTls",
    "closed",
    "key_size",
    "negotiate",
    "not_tls",
]
