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

from dataclasses import dataclass, replace
from functools import cached_property

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.routing.proxies import is_gateway_workload
from meshcert.mesh.view import MeshView

from .authz import extauthz
from .authz.attributes import attributes_for
from .authz.matching import Attributes, Predicate, Prepared, prepare
from .authz.policies import Policy, policies_for
from .peers import Peer, Rejection
from .requestauthn import Authenticated

RBAC_DENIED = "RBAC: access denied"
BAD_CUSTOM = "-deny-due-to-bad-CUSTOM-action"


def _is_gateway(view: MeshView, workload: Workload) -> bool:
    key = ("authz-gateway", workload.namespace, workload.name)
    found = view.memo(key)
    if found is None:
        found = view.remember(key, is_gateway_workload(workload))
    return bool(found)


def _denied(policy_id: str) -> Rejection:
    return Rejection(403, RBAC_DENIED, f"rbac_access_denied_matched_policy[{policy_id}]")


@dataclass(frozen=True)
class Enforced:
    """The policies a workload's proxy enforces, by action, rules prepared."""

    custom: tuple[Prepared, ...] = ()
    deny: tuple[Prepared, ...] = ()
    allow: tuple[Prepared, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.custom or self.deny or self.allow)

    @cached_property
    def flat(self) -> dict[str, tuple[tuple[tuple[Predicate, str], ...], tuple[Predicate, ...]]]:
        """Per traffic kind (`http`, `tcp`, `ztunnel`): every DENY rule's predicate with its
        Envoy policy name, in order, and every ALLOW rule's predicate: `decide` walks two flat
        tuples instead of asking each policy."""
        out = {}
        for mode in ("http", "tcp", "ztunnel"):
            deny = tuple(
                (plan.matches, prepared.policy.rule_id(index))
                for prepared in self.deny
                for index, plan in enumerate(getattr(prepared, mode))
            )
            allow = tuple(plan.matches for prepared in self.allow
                          for plan in getattr(prepared, mode))  # fmt: skip
            out[mode] = (deny, allow)
        return out


def enforced(view: MeshView, workload: Workload) -> Enforced:
    """The policies of `workload` (memoized per view; each policy is prepared once per view,
    whatever number of workloads it selects). AUDIT policies decide nothing: left out."""
    key = ("authz-enforced", workload.namespace, workload.name)
    found = view.memo(key)
    if found is None:
        by_action: dict[str, list[Prepared]] = {"CUSTOM": [], "DENY": [], "ALLOW": []}
        for policy in policies_for(view, workload):
            if policy.action not in by_action:
                continue
            policy_key = ("authz-plan", policy.namespace, policy.name)
            one = view.memo(policy_key)
            if one is None:
                one = view.remember(policy_key, prepare(policy))
            by_action[policy.action].append(one)
        found = view.remember(key, Enforced(tuple(by_action["CUSTOM"]),
                                            tuple(by_action["DENY"]),
                                            tuple(by_action["ALLOW"])))  # fmt: skip
    return found  # type: ignore[no-any-return]


def _custom(
    view: MeshView, custom: tuple[Prepared, ...], attrs: Attributes
) -> tuple[Policy, int, extauthz.Provider | None] | None:
    """The first CUSTOM policy rule that matches, with its provider (None: a bad provider,
    which istiod turns into a deny of what the policy matches)."""
    names = {p.policy.provider for p in custom}
    for prepared in custom:
        index = prepared.first_match(attrs)
        if index is None:
            continue
        policy = prepared.policy
        found = extauthz.provider(view, policy.provider) if len(names) == 1 else None
        return policy, index, found
    return None


def decide(view: MeshView, workload: Workload, attrs: Attributes) -> Rejection | None:
    """RBAC's decision for `attrs` at `workload` (None: allowed). CUSTOM policies are left
    to the caller, which needs the request to ask the provider."""
    policies = enforced(view, workload)
    mode = "ztunnel" if attrs.ztunnel else "http" if attrs.request is not None else "tcp"
    deny, allow = policies.flat[mode]
    for matches, rule_id in deny:
        if matches(attrs):
            return _denied(rule_id)
    if not policies.allow:
        return None
    for matches in allow:
        if matches(attrs):
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
    policies = enforced(view, workload)
    if not policies:
        return request
    attrs = attributes_for(view, workload, port, peer, request, authn,
                           gateway=_is_gateway(view, workload))  # fmt: skip
    custom = _custom(view, policies.custom, attrs) if policies.custom else None
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


def authorize_ztunnel(view: MeshView, workload: Workload, port: int, peer: Peer) -> bool:
    """Whether the ztunnel in front of an ambient `workload` lets a connection from `peer`
    through (False: it closes the connection; curl exits 56). ztunnel enforces ALLOW and
    DENY policies bound by selector, namespace or root namespace (targetRefs are for
    waypoints), with L4 attributes only: an ALLOW rule using HTTP attributes matches nothing,
    a DENY rule is enforced without them (istio.io docs/ambient/usage/l4-policy;
    pilot/pkg/serviceregistry/kube/controller/ambient/authorization.go). Clients in the mesh
    (ambient or sidecar) reach it over HBONE mTLS, so their identity is known."""
    policies = enforced(view, workload)
    if not policies.deny and not policies.allow:
        return True
    client = peer.workload
    if client is not None and not peer.mtls and (client.ambient or client.has_sidecar):
        peer = Peer(peer.ip, client, mtls=True)
    attrs = attributes_for(view, workload, port, peer, None, None, gateway=False)
    return decide(view, workload, replace(attrs, ztunnel=True)) is None


def authorize_tcp(view: MeshView, workload: Workload, port: int, peer: Peer) -> bool:
    """Whether the policies selecting `workload` allow a TCP connection from `peer`."""
    if not enforced(view, workload):
        return True
    attrs = attributes_for(view, workload, port, peer, None, None, gateway=False)
    return decide(view, workload, attrs) is None


__all__ = [
    "RBAC_DENIED",
    "Enforced",
    "authorize_http",
    "authorize_tcp",
    "authorize_ztunnel",
    "decide",
    "enforced",
]
