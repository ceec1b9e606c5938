"""AuthorizationPolicy objects parsed into what the RBAC filter evaluates, and their scope.

A rule is Istio's model (pilot/pkg/security/authz/model/model.go `New`): every `from` entry is
a list of principal clauses, every `to` entry a list of permission clauses, and each `when`
condition is one more clause that every entry must also satisfy. A clause is one key with its
`values` (any matches) and `notValues` (none matches).

Scope (istio.io docs/reference/config/security/authorization-policy, "workload selector"):
a policy applies to the workloads its `selector.matchLabels` selects in its own namespace, to
every workload of the namespace without a selector, and mesh-wide (selector or not) in the root
namespace (meshConfig.rootNamespace, istio-system by default). A policy with `targetRef` /
`targetRefs` does not apply to sidecars; one naming a Gateway API `Gateway` applies to that
gateway's pods (label `gateway.networking.k8s.io/gateway-name`). Policies targeting a
waypoint or a Service are enforced by the waypoint (`security/waypoint_authz.py`), not here;
ServiceEntry and GatewayClass targets are not modelled (the validation webhook says so).
Policies annotated `istio.io/dry-run: "true"` are only shadow-evaluated by Istio, never
enforced (istio.io docs/tasks/security/authorization/authz-dry-run).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meshcert.mesh.config.workloads import Workload, selects
from meshcert.mesh.view import MeshView

Obj = Mapping[str, Any]
KIND = "AuthorizationPolicy"
ACTIONS = ("ALLOW", "DENY", "AUDIT", "CUSTOM")
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"
DRY_RUN = "istio.io/dry-run"

# Source fields -> the key of the clause they make (model.go insertFront order is irrelevant
# to the outcome: every clause of an entry must hold).
SOURCE_FIELDS = (
    ("principals", "notPrincipals", "source.principal"),
    ("requestPrincipals", "notRequestPrincipals", "request.auth.principal"),
    ("namespaces", "notNamespaces", "source.namespace"),
    ("serviceAccounts", "notServiceAccounts", "source.serviceAccount"),
    ("ipBlocks", "notIpBlocks", "source.ip"),
    ("remoteIpBlocks", "notRemoteIpBlocks", "remote.ip"),
)
OPERATION_FIELDS = (
    ("hosts", "notHosts", "host"),
    ("ports", "notPorts", "destination.port"),
    ("methods", "notMethods", "method"),
    ("paths", "notPaths", "path"),
)


@dataclass(frozen=True)
class Clause:
    """One key with its values (any must match) and notValues (none may match)."""

    key: str
    values: tuple[str, ...] = ()
    not_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """`sources`: one clause list per `from` entry (one empty list without `from`);
    `operations`: likewise per `to` entry; `conditions`: the `when` clauses."""

    sources: tuple[tuple[Clause, ...], ...]
    operations: tuple[tuple[Clause, ...], ...]
    conditions: tuple[Clause, ...]


@dataclass(frozen=True)
class Policy:
    namespace: str
    name: str
    action: str
    rules: tuple[Rule, ...]
    selector: Mapping[str, str] | None
    target_refs: tuple[Mapping[str, Any], ...]
    provider: str = ""
    dry_run: bool = False

    def rule_id(self, index: int) -> str:
        """The Envoy RBAC policy name Istio gives rule `index` (builder.go: the
        `ns[NS]-policy[NAME]-rule[N]` of %RESPONSE_CODE_DETAILS%)."""
        return f"ns[{self.namespace}]-policy[{self.name}]-rule[{index}]"


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return ()
    return tuple(str(v) for v in value)


def _clauses(block: Any, fields: tuple[tuple[str, str, str], ...]) -> tuple[Clause, ...]:
    if not isinstance(block, Mapping):
        return ()
    found = []
    for positive, negative, key in fields:
        values, not_values = _strings(block.get(positive)), _strings(block.get(negative))
        if values or not_values:
            found.append(Clause(key, values, not_values))
    return tuple(found)


def parse_rule(raw: Any) -> Rule:
    raw = raw if isinstance(raw, Mapping) else {}
    froms = [f for f in raw.get("from") or [] if isinstance(f, Mapping)]
    tos = [t for t in raw.get("to") or [] if isinstance(t, Mapping)]
    sources = tuple(_clauses(f.get("source"), SOURCE_FIELDS) for f in froms) or ((),)
    operations = tuple(_clauses(t.get("operation"), OPERATION_FIELDS) for t in tos) or ((),)
    conditions = tuple(
        Clause(str(w.get("key") or ""), _strings(w.get("values")), _strings(w.get("notValues")))
        for w in raw.get("when") or []
        if isinstance(w, Mapping)
    )
    return Rule(sources, operations, conditions)


def parse_policy(obj: Obj) -> Policy:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    selector = (spec.get("selector") or {}).get("matchLabels")
    refs = [r for r in spec.get("targetRefs") or [] if isinstance(r, Mapping)]
    if isinstance(spec.get("targetRef"), Mapping):
        refs.insert(0, spec["targetRef"])
    annotations = meta.get("annotations") or {}
    return Policy(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        action=str(spec.get("action") or "ALLOW").upper(),
        rules=tuple(parse_rule(r) for r in spec.get("rules") or []),
        selector=dict(selector) if isinstance(selector, Mapping) else None,
        target_refs=tuple(refs),
        provider=str((spec.get("provider") or {}).get("name") or ""),
        dry_run=str(annotations.get(DRY_RUN, "")).lower() == "true",
    )


def _parsed_in(view: MeshView, namespace: str) -> tuple[Policy, ...]:
    key = ("authz-parsed", namespace)
    found = view.memo(key)
    if found is None:
        found = view.remember(key, tuple(parse_policy(o) for o in view.policies(KIND, namespace)))
    return found  # type: ignore[no-any-return]


def _targets(policy: Policy, workload: Workload) -> bool:
    """Whether a policy with targetRefs applies to `workload`: a Gateway API Gateway's pods
    in the policy's namespace (waypoints, Services, ServiceEntries and GatewayClasses are
    not modelled: see the module docstring)."""
    for ref in policy.target_refs:
        if str(ref.get("kind") or "") != "Gateway":
            continue
        if str(ref.get("group") or "") != "gateway.networking.k8s.io":
            continue
        if workload.namespace != policy.namespace:
            continue
        if workload.labels.get(GATEWAY_NAME_LABEL) == str(ref.get("name") or ""):
            return True
    return False


def applies(view: MeshView, policy: Policy, workload: Workload) -> bool:
    if policy.dry_run:
        return False
    if policy.target_refs:
        return _targets(policy, workload)
    if policy.namespace != view.root_namespace and policy.namespace != workload.namespace:
        return False
    return selects(policy.selector, workload.labels)  # none or empty: every workload


def policies_for(view: MeshView, workload: Workload) -> tuple[Policy, ...]:
    """The enforced AuthorizationPolicies of `workload`: root namespace first, then its own
    namespace, each oldest first (memoized per view)."""
    key = ("authz-for", workload.namespace, workload.name)
    found = view.memo(key)
    if found is None:
        namespaces = [view.root_namespace]
        if workload.namespace != view.root_namespace:
            namespaces.append(workload.namespace)
        found = tuple(
            p for ns in namespaces for p in _parsed_in(view, ns) if applies(view, p, workload)
        )
        view.remember(key, found)
    return found  # type: ignore[no-any-return]


__all__ = [
    "ACTIONS",
    "KIND",
    "Clause",
    "Policy",
    "Rule",
    "applies",
    "parse_policy",
    "parse_rule",
    "policies_for",
]
