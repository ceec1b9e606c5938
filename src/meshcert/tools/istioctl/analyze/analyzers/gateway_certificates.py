"""IST0138 GatewayDuplicateCertificate: two Gateways serving the same certificate (the same
`credentialName`; or, without credential names, the same `serverCertificate` and
`privateKey` files) to workloads one selector covers. Envoy may then reuse an HTTP/2
connection opened for one gateway's host for the other's, and answer 404. Source: istio/istio
pkg/config/analysis/analyzers/gateway/certificate.go (CertificateAnalyzer): the other gateways
are those whose selector is a superset of this one's (all of them for an empty selector; the
lab keeps PILOT_SCOPE_GATEWAY_TO_NAMESPACE off, Istio's default); each pair of TLS servers
sharing a certificate is one message, on the Gateway's name, naming both gateways.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource


def same_certificate(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """haveSameCertificate over two servers' `tls` settings."""
    cred_a, cred_b = str(a.get("credentialName") or ""), str(b.get("credentialName") or "")
    if cred_a and cred_b:
        return cred_a == cred_b
    if cred_a or cred_b:
        return False
    cert_a, cert_b = str(a.get("serverCertificate") or ""), str(b.get("serverCertificate") or "")
    if not cert_a or cert_a != cert_b:
        return False
    key_a, key_b = str(a.get("privateKey") or ""), str(b.get("privateKey") or "")
    return bool(key_a and key_b) and key_a == key_b


def selector_subset(x: Mapping[str, Any], y: Mapping[str, Any]) -> bool:
    """Every label of `x` is in `y` with the same value."""
    return all(k in y and y[k] == v for k, v in x.items())


class CertificateAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "gateway.CertificateAnalyzer", "Checks a gateway certificate", ("Gateway",)
    )

    def analyze(self, context: Context) -> None:
        # only gateways with TLS servers can share a certificate
        tls: list[tuple[Resource, Mapping[str, Any], list[Mapping[str, Any]]]] = []
        for gw in context.each("Gateway"):
            servers = [s["tls"] for s in gw.spec.get("servers") or [] if (s or {}).get("tls")]
            if servers:
                tls.append((gw, gw.spec.get("selector") or {}, servers))
        for gw, selector, servers in tls:
            for other, other_selector, theirs in tls:
                if other is gw or not selector_subset(selector, other_selector):
                    continue
                for mine in servers:
                    for their in theirs:
                        if same_certificate(mine, their):
                            context.report(msg.GatewayDuplicateCertificate, gw,
                                           [gw.full_name, other.full_name],
                                           at=("metadata", "name"))  # fmt: skip
