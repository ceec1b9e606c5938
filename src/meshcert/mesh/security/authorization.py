"""AuthorizationPolicy at a workload's proxy: CUSTOM, then DENY, then ALLOW.

Sources: istio.io docs/concepts/security ("Authorization policies": "the proxy evaluates
CUSTOM, DENY and ALLOW actions in that order"; AUDIT only marks requests), docs/reference/
config/security/authorization-policy; pilot/pkg/security/authz/builder (one Envoy RBAC policy
per rule, named `ns[NS]-policy[NAME]-rule[N]`).

- Some CUSTOM policy matches: the ext-authz provider decides (`authz.extauthz`); a denial is
  its reply.
- Some DENY rule matches: denied. HTTP: 403 `RBAC: access denied`, %RESPONSE_CODE_DETAILS%
  `rbac_access_denied_matched_policy[ns[NS]-policy[NAME]-rule[N]]`.
- ALLOW policies apply to the workload and no rule matches: denied, details
  `rbac_access_denied_matched_policy[none]`. `spec: {}` is an ALLOW policy without rules:
  it allows nothing. No ALLOW policy at all: allowed.
- TCP: the same order; a denied connection is closed by the proxy (the client reads nothing).
"""

from __future__ import annotations

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.routing.proxies import is_gateway_workload
from meshcert.mesh.view import MeshView

from .authz import extauthz
from .authz.attributes import attributes_for
from .authz.matching import Attributes, first_match
from .authz.policies import Policy, policies_for
from .peers import Peer, Rejection
from .requestauthn import Authenticated

RBAC_DENIED = "RBAC: access denied"
BAD_CUSTOM = "-deny-due-to-bad-CUSTOM-action"


def _denied(policy_id: str) -> Rejection:
    return Rejection(403, RBAC_DENIED, f"rbac_access_denied_matched_policy[{policy_id}]")


def _custom(
    view: MeshView, policies: tuple[Policy, ...], attrs: Attributes
) -> tuple[Policy, int, extauthz.Provider | None] | None:
    """The first CUSTOM policy rule that matches, with its provider (None: a bad provider,
    which istiod turns into a deny of what the policy matches)."""
    custom = [p for p in policies if p.action == "CUSTOM"]
    if not custom:
        return None
    names = {p.provider for p in custom}
    for policy in custom:
        index = first_match(policy, attrs)
        if index is None:
            continue
        found = extauthz.provider(view, policy.provider) if len(names) == 1 else None
        return policy, index, found
    return None


def decide(view: MeshView, workload: Workload, attrs: Attributes) -> Rejection | None:
    """RBAC's decision for `attrs` at `workload` (None: allowed). CUSTOM policies are left
    to the caller, which needs the request to ask the provider."""
    policies = policies_for(view, workload)
    if not policies:
        return None
    for policy in policies:
        if policy.action == "DENY":
            index = first_match(policy, attrs)
            if index is not None:
                return _denied(policy.rule_id(index))
    allow = [p for p in policies if p.action == "ALLOW"]
    if not allow:
        return None
    if any(first_match(p, attrs) is not None for p in allow):
        return None
    return _denied("none")


def authorize_http(
    view: MeshView,
    workload: Workload,
    port: int,
    request: HttpRequest,
    peer: Peer,
    authn: Authenticated,
) -> HttpRequest | Rejection:
    """The request to pass on when the policies selecting `workload` allow it (a CUSTOM
    provider may add headers), else the 403 (or the ext-authz provider's reply)."""
    policies = policies_for(view, workload)
    if not policies:
        return request
    attrs = attributes_for(view, workload, port, peer, request, authn,
                           gateway=is_gateway_workload(workload))  # fmt: skip
    custom = _custom(view, policies, attrs)
    if custom is not None:
        policy, index, provider = custom
        if provider is None:
            return _denied(f"istio-ext-authz-{policy.rule_id(index)}{BAD_CUSTOM}")
        checked = extauthz.check(view, provider, request, attrs.principal)
        if isinstance(checked, Rejection):
            return checked
        request = checked
    denied = decide(view, workload, attrs)
    return denied if denied is not None else request


def authorize_tcp(view: MeshView, workload: Workload, port: int, peer: Peer) -> bool:
    """Whether the policies selecting `workload` allow a TCP connection from `peer`."""
    if not policies_for(view, workload):
        return True
    attrs = attributes_for(view, workload, port, peer, None, None, gateway=False)
    return decide(view, workload, attrs) is None


__all__ = ["RBAC_DENIED", "authorize_http", "authorize_tcp", "decide"]
