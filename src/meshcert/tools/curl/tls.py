"""curl's TLS side: what it offers in the handshake (`--cacert`, `--cert`, `--key`, `-k`,
`--tlsv1.2`, `--tlsv1.3`, `--tls-max`), how it reports a failed handshake, and its `-v` trace.

Files come from the pod's file system (a candidate copies them in with `kubectl cp` or
`kubectl exec -i ... -- sh -c 'cat > f' < f`). Exit codes and texts (curl 8 with OpenSSL 3,
lib/vtls/openssl.c, lib/strerror.c; istio.io docs/tasks/traffic-management/ingress/
secure-ingress):

- an unreadable `--cacert`: 77 `error setting certificate file: F`;
- an unreadable `--cert`: 58 `could not load PEM client certificate from F, ...`; a key that
  does not load or match: 58 `unable to set private key file: 'F' type PEM`;
- the server chain does not verify: 60 `SSL certificate problem: <OpenSSL's reason>`, then the
  "More details here" advice; the name does not match: 60 `SSL: no alternative certificate
  subject name matches target hostname 'h'`;
- the server's alert after the handshake (TLS 1.3): 56 `OpenSSL SSL_read: OpenSSL/3.5.4:
  error:0A00045C:SSL routines::tlsv13 alert certificate required, errno 0` (and `unknown ca`,
  `certificate expired`); no version in common: 35 `... tlsv1 alert protocol version`;
- the server closed the connection (no filter chain for the SNI): 35 `OpenSSL SSL_connect:
  SSL_ERROR_SYSCALL in connection to h:p`; what came back is not TLS (a sidecar originating
  TLS over the app's own TLS): 35 `... wrong version number`.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import SignatureAlgorithmOID

from meshcert.kube.execution import ExecContext, FileSystemError
from meshcert.mesh.security import certificates_tls as tls
from meshcert.mesh.security.certificates_tls import ClientTls, Handshake, key_size
from meshcert.mesh.security.certificates_verification import (
    PemError,
    load_certificates,
    name_text,
)

from .options import CurlOptions

OPENSSL = "OpenSSL/3.5.4"
SYSTEM_CA_FILE = "/etc/ssl/certs/ca-certificates.crt"
SYSTEM_CA_PATH = "/etc/ssl/certs"
VERIFY_ADVICE = (
    "More details here: https://curl.se/docs/sslcerts.html\n\n"
    "curl failed to verify the legitimacy of the server and therefore could not\n"
    "establish a secure connection to it. To learn more about this situation and\n"
    "how to fix it, please visit the webpage mentioned above.\n"
)
_TLS_MAX = {"1.0": "TLSv1", "1.1": "TLSv1.1", "1.2": "TLSv1.2", "1.3": "TLSv1.3",
            "default": "TLSv1.3"}  # fmt: skip


class TlsSetupError(Exception):
    """A TLS option curl cannot use: exit code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _is_ip(host: str) -> bool:
    parts = host.split(".")
    return (len(parts) == 4 and all(p.isdigit() for p in parts)) or ":" in host


def client_tls(ctx: ExecContext, opts: CurlOptions, host: str) -> ClientTls:
    """The ClientTls of this transfer (raises TlsSetupError for unusable files)."""
    trust: tuple[x509.Certificate, ...] | None = None
    cafile = opts.last("cacert")
    label = cafile or SYSTEM_CA_FILE
    if cafile is not None and not opts.on("insecure"):
        try:
            trust = tuple(load_certificates(ctx.read_file(cafile)))
        except (FileSystemError, PemError):
            raise TlsSetupError(77, f"error setting certificate file: {cafile}") from None
    chain: tuple[x509.Certificate, ...] = ()
    cert = opts.last("cert")
    if cert is not None:
        path = cert.split(":", 1)[0]  # FILE[:password]
        try:
            data = ctx.read_file(path)
            chain = tuple(load_certificates(data))
        except FileSystemError:
            raise TlsSetupError(58, f"could not load PEM client certificate from {path}, "
                                "OpenSSL error error:80000002:system library::No such file "
                                "or directory, (no key found, wrong pass phrase, or wrong "
                                "file format?)") from None  # fmt: skip
        except PemError:
            raise TlsSetupError(58, f"could not load PEM client certificate from {path}, "
                                f"OpenSSL error error:0480006C:PEM routines::no start line, "
                                "(no key found, wrong pass phrase, or wrong file "
                                "format?)") from None  # fmt: skip
        key_path = opts.last("key") or path
        key_data = data if key_path == path else _read_key(ctx, key_path)
        _check_key(chain[0], key_data, key_path)
    low = "TLSv1.3" if opts.on("tlsv13") else "TLSv1.2"
    high = _TLS_MAX.get(opts.last("tls_max") or "default", "TLSv1.3")
    return ClientTls(sni="" if _is_ip(host) else host.lower(), trust=trust, trust_label=label,
                     verify=not opts.on("insecure"), chain=chain, min_version=low,
                     max_version=high)  # fmt: skip


def _read_key(ctx: ExecContext, path: str) -> bytes:
    try:
        return ctx.read_file(path)
    except FileSystemError:
        raise TlsSetupError(58, f"unable to set private key file: '{path}' type PEM") from None


def _check_key(cert: x509.Certificate, data: bytes, path: str) -> None:
    try:
        key = serialization.load_pem_private_key(data, None, unsafe_skip_rsa_key_validation=True)
    except (ValueError, TypeError):
        raise TlsSetupError(58, f"unable to set private key file: '{path}' type PEM") from None
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if key.public_key().public_bytes(der, spki) != cert.public_key().public_bytes(der, spki):
        raise TlsSetupError(58, "Private key does not match the certificate public key")


def failure(handshake: Handshake, host: str, port: int) -> tuple[int, str]:
    """curl's exit code and message for a failed handshake."""
    kind = handshake.failure
    if kind == tls.VERIFY:
        return 60, f"SSL certificate problem: {handshake.detail}"
    if kind == tls.HOSTNAME:
        return 60, handshake.detail
    if kind == tls.PROTOCOL_VERSION:
        return 35, f"{OPENSSL}: error:0A00042E:SSL routines::tlsv1 alert protocol version"
    if kind == tls.WRONG_VERSION:
        return 35, f"{OPENSSL}: error:0A00010B:SSL routines::wrong version number"
    alerts = {
        tls.CERTIFICATE_REQUIRED: "0A00045C:SSL routines::tlsv13 alert certificate required",
        tls.UNKNOWN_CA: "0A000418:SSL routines::tlsv1 alert unknown ca",
        tls.CERTIFICATE_EXPIRED: "0A000415:SSL routines::sslv3 alert certificate expired",
    }
    if kind in alerts:
        if handshake.version != "TLSv1.3":  # TLS 1.2: the alert ends the handshake itself
            return 35, f"{OPENSSL}: error:{alerts[kind]}"
        return 56, f"OpenSSL SSL_read: {OPENSSL}: error:{alerts[kind]}, errno 0"
    return 35, f"OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to {host}:{port}"


def _date(moment: object) -> str:
    from datetime import datetime

    assert isinstance(moment, datetime)
    return f"{moment:%b} {moment.day:2d} {moment:%H:%M:%S %Y} GMT"


_ECDSA = {
    SignatureAlgorithmOID.ECDSA_WITH_SHA256: "ecdsa-with-SHA256",
    SignatureAlgorithmOID.ECDSA_WITH_SHA384: "ecdsa-with-SHA384",
    SignatureAlgorithmOID.ECDSA_WITH_SHA512: "ecdsa-with-SHA512",
}


def _signed_using(cert: x509.Certificate) -> str:
    found = _ECDSA.get(cert.signature_algorithm_oid)
    if found is not None:
        return found
    algorithm = cert.signature_hash_algorithm
    return f"{algorithm.name if algorithm is not None else 'unknown'}WithRSAEncryption"


def trace(handshake: Handshake, client: ClientTls) -> str:
    """The `-v` lines of a handshake, up to where it ended."""
    v = handshake.version
    offers = ",".join(client.alpn)
    lines = [f"ALPN: curl offers {offers}", f"{v} (OUT), TLS handshake, Client hello (1):"]
    if client.verify:
        lines += [f" CAfile: {client.trust_label}",
                  f" CApath: {'none' if client.trust is not None else SYSTEM_CA_PATH}"]  # fmt: skip
    if handshake.failure in (tls.CLOSED, tls.WRONG_VERSION):
        return "".join(f"* {line}\n" for line in lines)
    if handshake.failure == tls.PROTOCOL_VERSION:
        lines.append(f"{v} (IN), TLS alert, protocol version (582):")
        return "".join(f"* {line}\n" for line in lines)
    lines += [f"{v} (IN), TLS handshake, Server hello (2):"]
    if v == "TLSv1.3":
        lines += [f"{v} (IN), TLS change cipher, Change cipher spec (1):",
                  f"{v} (IN), TLS handshake, Encrypted Extensions (8):"]  # fmt: skip
    if handshake.client_cert_requested:
        lines.append(f"{v} (IN), TLS handshake, Request CERT (13):")
    lines += [f"{v} (IN), TLS handshake, Certificate (11):"]
    if handshake.failure == tls.VERIFY:
        lines.append(f"{v} (OUT), TLS alert, unknown CA (560):")
        return "".join(f"* {line}\n" for line in lines)
    lines += [f"{v} (IN), TLS handshake, CERT verify (15):",
              f"{v} (IN), TLS handshake, Finished (20):",
              f"{v} (OUT), TLS change cipher, Change cipher spec (1):"]  # fmt: skip
    if handshake.client_cert_requested:
        lines.append(f"{v} (OUT), TLS handshake, Certificate (11):")
        if handshake.client_cert_sent:
            lines.append(f"{v} (OUT), TLS handshake, CERT verify (15):")
    lines += [f"{v} (OUT), TLS handshake, Finished (20):",
              f"SSL connection using {v} / {handshake.cipher} / {handshake.group} / "
              f"{handshake.signature}"]  # fmt: skip
    if handshake.alpn:
        lines.append(f"ALPN: server accepted {handshake.alpn}")
    else:
        lines.append("ALPN: server did not agree on a protocol. Uses default.")
    lines += _server_certificate(handshake, client)
    alert = _ALERTS_IN.get(handshake.failure)
    if alert is not None:  # TLS 1.3: the server's alert arrives with the first read
        lines.append(f"{v} (IN), TLS alert, {alert}:")
    return "".join(f"* {line}\n" for line in lines)


# curl's names for the alerts it receives (lib/vtls/openssl.c ssl_tls_trace, OpenSSL's
# SSL_alert_desc_string_long has no name for certificate_required: "unknown")
_ALERTS_IN = {
    tls.CERTIFICATE_REQUIRED: "unknown (628)",
    tls.UNKNOWN_CA: "unknown CA (560)",
    tls.CERTIFICATE_EXPIRED: "certificate expired (557)",
}


def _server_certificate(handshake: Handshake, client: ClientTls) -> list[str]:
    if not handshake.server_chain:
        return []
    leaf = handshake.server_chain[0]
    lines = ["Server certificate:", f" subject: {name_text(leaf.subject)}",
             f" start date: {_date(leaf.not_valid_before_utc)}",
             f" expire date: {_date(leaf.not_valid_after_utc)}"]  # fmt: skip
    if handshake.host_match is not None:
        how, name = handshake.host_match
        if how == "san":
            lines.append(f' subjectAltName: host "{client.sni}" matched cert\'s "{name}"')
        else:
            lines.append(f" common name: {name} (matched)")
    lines.append(f" issuer: {name_text(leaf.issuer)}")
    if handshake.failure == tls.HOSTNAME:
        lines.append(f" {handshake.detail}")
        return lines
    if handshake.verified:
        lines.append(" SSL certificate verify ok.")
    else:
        lines.append(" SSL certificate verification SKIPPED")
    for level, cert in enumerate(handshake.server_chain):
        kind, bits = key_size(cert)
        security = {2048: 112, 3072: 128, 4096: 152, 256: 128, 384: 192}.get(bits, 0)
        signed = _signed_using(cert)
        lines.append(f"  Certificate level {level}: Public key type {kind} "
                     f"({bits}/{security} Bits/secBits), signed using {signed}")  # fmt: skip
    return lines


__all__ = ["VERIFY_ADVICE", "TlsSetupError", "client_tls", "failure", "trace"]
