"""IST0149 JwtClaimBasedRoutingWithoutRequestAuthN: a VirtualService that routes on a JWT claim
(a match on a `@request.auth.claims...` header, in `headers` or `withoutHeaders`) through an
ingress Gateway, where a pod the Gateway selects has no RequestAuthentication (from its own
namespace or the istio namespace) whose selector matches it: the claims are only known once a
RequestAuthentication has validated the token. One message per such pod, naming the first
claim key, the gateway and the pod. Source: istio/istio
pkg/config/analysis/analyzers/virtualservice/jwtclaimroute.go (JWTClaimRouteAnalyzer);
istio.io docs/tasks/security/authentication/jwt-route.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from .scoping import MESH_GATEWAY, selects

CLAIM_PREFIX = "@request.auth.claims"


def claim_key(spec: Mapping[str, Any]) -> str:
    """routeBasedOnJWTClaimKey: the first claim header an HTTP match uses, or ""."""
    for route in spec.get("http") or []:
        for match in (route or {}).get("match") or []:
            for field in ("headers", "withoutHeaders"):
                for key in (match or {}).get(field) or {}:
                    if str(key).startswith(CLAIM_PREFIX):
                        return str(key)
    return ""


class JWTClaimRouteAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "virtualservice.JWTClaimRouteAnalyzer",
        "Checks the VirtualService using JWT claim based routing has corresponding "
        "RequestAuthentication",
        ("VirtualService", "RequestAuthentication", "Gateway", "Pod"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        selectors: dict[str, list[Mapping[str, Any]]] = {}
        for ra in context.each("RequestAuthentication"):
            labels = (ra.spec.get("selector") or {}).get("matchLabels") or {}
            selectors.setdefault(ra.namespace, []).append(labels)
        for vs in context.each("VirtualService"):
            key = claim_key(vs.spec)
            if not key:
                continue
            for gw_name in vs.spec.get("gateways") or []:
                if gw_name == MESH_GATEWAY:
                    continue
                ns, _, name = str(gw_name).rpartition("/")
                gateway = context.find("Gateway", ns or vs.namespace, name)
                if gateway is None:  # reported by virtualservice.GatewayAnalyzer
                    continue
                for pod in context.each("Pod"):
                    if not selects(gateway.spec.get("selector") or {}, pod.labels):
                        continue
                    applicable = [*selectors.get(context.istio_namespace, []),
                                  *selectors.get(pod.namespace, [])]  # fmt: skip
                    if not any(selects(labels, pod.labels) for labels in applicable):
                        context.report(msg.JwtClaimBasedRoutingWithoutRequestAuthN, vs, key,
                                       gateway.full_name, pod.name)  # fmt: skip
