"""IST0128 NoServerCertificateVerificationDestinationLevel and IST0129
NoServerCertificateVerificationPortLevel: a DestinationRule originates TLS (SIMPLE or MUTUAL)
without `caCertificates`. Source: istio/istio
pkg/config/analysis/analyzers/destinationrule/ca-certificates.go. A `credentialName` does not
count as CA certificates there either.
"""

from __future__ import annotations

from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata

ORIGINATING = ("SIMPLE", "MUTUAL")


class CaCertificateAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "destinationrule.CaCertificateAnalyzer",
        "Checks if caCertificates is set when TLS mode is SIMPLE/MUTUAL",
        ("DestinationRule",))  # fmt: skip

    def analyze(self, context: Context) -> None:
        for dr in context.each("DestinationRule"):
            policy = dr.spec.get("trafficPolicy") or {}
            host = str(dr.spec.get("host") or "")
            tls = policy.get("tls") or {}
            if tls.get("mode") in ORIGINATING and not tls.get("caCertificates"):
                context.report(msg.NoServerCertificateVerificationDestinationLevel, dr,
                               dr.full_name, dr.namespace, tls["mode"], host,
                               at=("spec", "trafficPolicy", "tls", "mode"))  # fmt: skip
            for i, setting in enumerate(policy.get("portLevelSettings") or []):
                tls = (setting or {}).get("tls") or {}
                if tls.get("mode") in ORIGINATING and not tls.get("caCertificates"):
                    port = ((setting or {}).get("port") or {}).get("number", 0)
                    context.report(msg.NoServerCertificateVerificationPortLevel, dr,
                                   dr.full_name, dr.namespace, tls["mode"], host,
                                   f"number:{port}",
                                   at=("spec", "trafficPolicy", "portLevelSettings", i, "tls",
                                       "mode"))  # fmt: skip
