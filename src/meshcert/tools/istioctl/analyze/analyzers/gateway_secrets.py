"""IST0101 ReferencedResourceNotFound (`credentialName`): a TLS server's credentialName names
no Secret in the namespace of the gateway workload (the pods the selector matches, not the
Gateway's own namespace); IST0161 InvalidGatewayCredential: the Secret is there but unusable
(`credential_problem`). Source: istio/istio pkg/config/analysis/analyzers/gateway/secret.go
(isValidSecret, with pilot/pkg/credentials/kube/secrets.go ExtractCertInfo and
pilot/pkg/xds/sds.go ValidateCertificate). A selector matching no pod is reported as
`selector` (the same message IngressGatewayPortAnalyzer gives; printed once).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from cryptography import x509

from .. import messages as msg
from ..context import Context, Metadata
from .scoping import selector_string, selects


class SecretAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "gateway.SecretAnalyzer", "Checks a gateway's referenced secrets for correctness",
        ("Gateway", "Pod", "Secret"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        for gw in context.each("Gateway"):
            selector = gw.spec.get("selector") or {}
            pod = next((p for p in context.each("Pod") if selects(selector, p.labels)), None)
            if pod is None:
                context.report(msg.ReferencedResourceNotFound, gw, "selector",
                               selector_string(selector), at=_selector_path(selector))  # fmt: skip
                continue
            for i, server in enumerate(gw.spec.get("servers") or []):
                name = str(((server or {}).get("tls") or {}).get("credentialName") or "")
                if not name:
                    continue
                ns, _, secret_name = name.rpartition("/")
                at = ("spec", "servers", i, "tls", "credentialName")
                secret = context.find("Secret", ns or pod.namespace, secret_name)
                if secret is None:
                    context.report(
                        msg.ReferencedResourceNotFound, gw, "credentialName", name, at=at
                    )
                elif credential_problem(secret.obj):
                    context.report(msg.InvalidGatewayCredential, gw, gw.name, pod.namespace,
                                   at=at)  # fmt: skip


def _selector_path(selector: dict[str, str]) -> tuple[str, ...]:
    """util.GatewaySelector: the line of the selector's first label."""
    return ("spec", "selector", min(selector)) if selector else ("spec", "selector")


_PEM = re.compile(rb"-----BEGIN ([^-\n]*)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


def _data(secret: Mapping[str, Any]) -> dict[str, bytes]:
    """A Secret's `data`, decoded (stringData is the API server's to merge, as for Istio)."""
    out: dict[str, bytes] = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            out[str(key)] = base64.b64decode(str(value or ""), validate=False)
        except (binascii.Error, ValueError):
            out[str(key)] = b""
    return out


def credential_problem(secret: Mapping[str, Any], now: datetime | None = None) -> str:
    """Why istiod would not serve this Secret as a gateway certificate, or "".

    ExtractCertInfo: non-empty `cert` + `key`, else `tls.crt` + `tls.key`. ValidateCertificate:
    the first PEM block of the certificate parses as X.509 and is within its validity period.
    The key is not parsed (Istio's check does not either)."""
    data = _data(secret)
    cert = next((data[c] for c, k in (("cert", "key"), ("tls.crt", "tls.key"))
                 if data.get(c) and data.get(k)), b"")  # fmt: skip
    if not cert:
        return "no certificate and key"
    block = _PEM.search(cert)
    if block is None:
        return "pem decode failed"
    try:
        der = base64.b64decode(re.sub(rb"\s+", b"", block[2]), validate=True)
        certificate = x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError):
        return "certificate does not parse"
    moment = now or datetime.now(UTC)
    if moment > certificate.not_valid_after_utc or moment < certificate.not_valid_before_utc:
        return "certificate is expired or not yet valid"
    return ""
