"""IST0106 SchemaValidationError, IST0133 SchemaWarning, IST0130 VirtualServiceUnreachableRule
and IST0131 VirtualServiceIneffectiveMatch: Istio's own validation (the webhook's, in
`meshcert.mesh.validation`) run on every Istio resource, one analyzer per kind named
`schema.ValidationAnalyzer.<Kind>`. Source: istio/istio
pkg/config/analysis/analyzers/schema/validation.go (each error of a multierror is one message;
the unreachable-rule and ineffective-match warnings get their own codes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from meshcert.mesh.validation import validate_config
from meshcert.mesh.validation.authorizationpolicies import validate_authorization_policy
from meshcert.mesh.validation.peerauthentications import validate_peer_authentication
from meshcert.mesh.validation.requestauthentications import validate_request_authentication
from meshcert.mesh.validation.warnings import virtual_service_warnings

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource

UNUSED = re.compile(r"^virtualService rule (.+) not used \((.*)\)$")
INEFFECTIVE = re.compile(
    r"^virtualService rule (.+) match (.+) is not used \(duplicate/overlapping match in rule "
    r"(.+)\)$"
)
KINDS = ("VirtualService", "DestinationRule", "Gateway", "ServiceEntry", "Sidecar",
         "AuthorizationPolicy", "RequestAuthentication", "PeerAuthentication")  # fmt: skip

_WARNINGS: dict[str, Callable[[Resource], list[str]]] = {
    "VirtualService": lambda r: virtual_service_warnings(r.spec),
    "AuthorizationPolicy": lambda r: validate_authorization_policy(r.name, r.namespace, r.spec)[1],
    "RequestAuthentication": lambda r: validate_request_authentication(r.spec)[1],
    "PeerAuthentication": lambda r: validate_peer_authentication(r.spec)[1],
}


class ValidationAnalyzer:
    """Schema validation of one Istio kind (built by `for_kind`)."""

    metadata: ClassVar[Metadata]
    kind: ClassVar[str]

    def analyze(self, context: Context) -> None:
        for r in context.each(self.kind):
            for error in validate_config(self.kind, r.name, r.namespace, r.spec).items:
                context.report(msg.SchemaValidationError, r, error)
            warn = _WARNINGS.get(self.kind)
            for warning in warn(r) if warn else []:
                if m := INEFFECTIVE.match(warning):
                    context.report(msg.VirtualServiceIneffectiveMatch, r, m[1], m[2], m[3])
                elif m := UNUSED.match(warning):
                    context.report(msg.VirtualServiceUnreachableRule, r, m[1], m[2])
                else:
                    context.report(msg.SchemaWarning, r, warning)


def for_kind(kind: str) -> type[ValidationAnalyzer]:
    return type(
        f"{kind}ValidationAnalyzer",
        (ValidationAnalyzer,),
        {
            "kind": kind,
            "metadata": Metadata(
                f"schema.ValidationAnalyzer.{kind}",
                f"Runs schema validation as an analyzer on '{kind}' resources",
                (kind,),
            ),
        },
    )


ANALYZERS = tuple(for_kind(kind) for kind in KINDS)
