"""IST0101 ReferencedResourceNotFound (`credentialName`): a TLS server's credentialName names
no Secret in the namespace of the gateway workload (the pods the selector matches, not the
Gateway's own namespace). Source: istio/istio
pkg/config/analysis/analyzers/gateway/secret.go. A selector matching no pod is reported as
`selector` (the same message IngressGatewayPortAnalyzer gives; printed once).
"""

from __future__ import annotations

from typing import ClassVar

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
                ns, _, secret = name.rpartition("/")
                if not context.exists("Secret", ns or pod.namespace, secret):
                    at = ("spec", "servers", i, "tls", "credentialName")
                    context.report(
                        msg.ReferencedResourceNotFound, gw, "credentialName", name, at=at
                    )


def _selector_path(selector: dict[str, str]) -> tuple[str, ...]:
    """util.GatewaySelector: the line of the selector's first label."""
    return ("spec", "selector", min(selector)) if selector else ("spec", "selector")
