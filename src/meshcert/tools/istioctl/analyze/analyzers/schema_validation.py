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
            errors, warnings = _validated(self.kind, r)
            for error in errors:
                context.report(msg.SchemaValidationError, r, error)
            for warning in warnings:
                if m := INEFFECTIVE.match(warning):
                    context.report(msg.VirtualServiceIneffectiveMatch, r, m[1], m[2], m[3])
                elif m := UNUSED.match(warning):
                    context.report(msg.VirtualServiceUnreachableRule, r, m[1], m[2])
                else:
                    context.report(msg.SchemaWarning, r, warning)


# Validation results per stored object version (uid, resourceVersion): an object read from a
# cluster is validated once however often it is analyzed. Objects from files are not cached.
_MEMO: dict[tuple[str, str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {}
_MEMO_LIMIT = 50_000


def _validated(kind: str, r: Resource) -> tuple[tuple[str, ...], tuple[str, ...]]:
    uid, version = r.metadata.get("uid"), r.metadata.get("resourceVersion")
    key = (kind, str(uid), str(version)) if uid and version and not r.file else None
    if key is not None and key in _MEMO:
        return _MEMO[key]
    warn = _WARNINGS.get(kind)
    result = (
        tuple(validate_config(kind, r.name, r.namespace, r.spec).items),
        tuple(warn(r)) if warn else (),
    )
    if key is not None:
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        _MEMO[key] = result
    return result


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
