"""AuthorizationPolicy at an ambient waypoint: the policies whose `targetRefs` name the
waypoint's Gateway (kind Gateway, group gateway.networking.k8s.io, in the waypoint's namespace)
or the destination Service (kind Service, group "", in the Service's namespace), DENY then
ALLOW, with the full HTTP attributes and the client's mesh identity (HBONE mTLS).

Policies bound by `selector` or namespace-wide are enforced by the destination's ztunnel
(`authorization.authorize_ztunnel`), never by the waypoint. CUSTOM policies at a waypoint are
not supported in the lab (they are left out of the decision).

Sources: istio.io docs/ambient/usage/l7-features ("Security": targetRefs to the waypoint or a
Service), docs/ambient/getting-started/enforce-auth-policies (the `productpage-waypoint`
policy: `RBAC: access denied` for DELETE and for other service accounts),
docs/reference/config/security/authorization-policy (targetRefs).
"""

from __future__ import annotations

from meshcert.mesh.config.services import Service
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.view import MeshView

from .authorization import RBAC_DENIED
from .authz.attributes import attributes_for
from .authz.matching import Prepared, prepare
from .authz.policies import GATEWAY_NAME_LABEL, KIND, Policy, parse_policy
from .peers import Peer, Rejection

GATEWAY_GROUP = "gateway.networking.k8s.io"


def _targets(policy: Policy, waypoint: Workload, service: Service | None) -> bool:
    for ref in policy.target_refs:
        kind, group = str(ref.get("kind") or ""), str(ref.get("group") or "")
        name = str(ref.get("name") or "")
        if kind == "Gateway" and group == GATEWAY_GROUP:
            if policy.namespace == waypoint.namespace and (
                waypoint.labels.get(GATEWAY_NAME_LABEL) == name
            ):
                return True
        elif (
            kind == "Service"
            and group in ("", "core")
            and service is not None
            and (policy.namespace, name) == (service.namespace, service.name)
        ):
            return True
    return False


def waypoint_policies(
    view: MeshView, waypoint: Workload, service: Service | None
) -> tuple[Prepared, ...]:
    """The prepared policies the waypoint enforces for traffic to `service`, root namespace
    first, then oldest first (memoized per view)."""
    key = ("waypoint-authz", waypoint.namespace, waypoint.name,
           service.namespace if service else "", service.name if service else "")  # fmt: skip
    found = view.memo(key)
    if found is None:
        namespaces = dict.fromkeys(
            [waypoint.namespace, *([service.namespace] if service is not None else [])]
        )
        out: list[Prepared] = []
        for ns in namespaces:
            for obj in view.policies(KIND, ns):
                policy = parse_policy(obj)
                if policy.dry_run or not policy.target_refs:
                    continue
                if _targets(policy, waypoint, service):
                    out.append(prepare(policy))
        found = view.remember(key, tuple(out))
    return found  # type: ignore[no-any-return]


def authorize_waypoint(
    view: MeshView,
    waypoint: Workload,
    service: Service | None,
    port: int,
    request: HttpRequest,
    peer: Peer,
) -> Rejection | None:
    """None when the waypoint lets `request` from `peer` to `service:port` through, else
    Envoy's 403 `RBAC: access denied` with the matched DENY rule or `[none]`."""
    policies = waypoint_policies(view, waypoint, service)
    if not policies:
        return None
    attrs = attributes_for(view, waypoint, port, peer, request, None, gateway=False)
    for prepared in policies:
        if prepared.policy.action != "DENY":
            continue
        index = prepared.first_match(attrs)
        if index is not None:
            return _denied(prepared.policy.rule_id(index))
    allow = [p for p in policies if p.policy.action == "ALLOW"]
    if not allow:
        return None
    if any(p.first_match(attrs) is not None for p in allow):
        return None
    return _denied("none")


def _denied(policy_id: str) -> Rejection:
    return Rejection(403, RBAC_DENIED, f"rbac_access_denied_matched_policy[{policy_id}]")


__all__ = ["authorize_waypoint", "waypoint_policies"]
