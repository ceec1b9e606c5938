"""Which DestinationRule applies to a client's traffic to a service host.

Source: pilot/pkg/model/push_context.go destinationRule(): the client's namespace first, then
the service's namespace (rules exported to the client), then the root namespace (exported
rules); the first namespace with a match wins, nothing merges across namespaces; within a
namespace the most specific host wins (MostSpecificHostMatch: exact, then the longest
wildcard). pilot/pkg/model/destination_rule.go mergeDestinationRule: several rules for one host
in one namespace are consolidated (subsets unioned, the first of a name wins; the first
top-level trafficPolicy wins). workloadSelector rules apply only to matching client workloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import hosts
from ..config import exports
from ..config.destinationrules import DestinationRule, Subset
from ..config.objects import ConfigKey
from ..config.workloads import selects
from ..view import MeshView


@dataclass(frozen=True)
class ConsolidatedRule:
    """The DestinationRules of one namespace for one host, merged as istiod merges them."""

    keys: tuple[ConfigKey, ...]
    host: str
    traffic_policy: Mapping[str, Any] | None
    subsets: tuple[Subset, ...]

    @property
    def key(self) -> ConfigKey:
        return self.keys[0]

    def subset(self, name: str) -> Subset | None:
        return next((s for s in self.subsets if s.name == name), None)


def _consolidate(rules: tuple[DestinationRule, ...]) -> ConsolidatedRule:
    policy = next((r.traffic_policy for r in rules if r.traffic_policy is not None), None)
    seen: set[str] = set()
    subsets: list[Subset] = []
    for r in rules:
        for s in r.subsets:
            if s.name not in seen:
                seen.add(s.name)
                subsets.append(s)
    return ConsolidatedRule(tuple(r.key for r in rules), rules[0].host, policy, tuple(subsets))


def _in_namespace(
    view: MeshView,
    namespace: str,
    host: str,
    client_namespace: str,
    labels: Mapping[str, str] | None,
    exported_only: bool,
) -> ConsolidatedRule | None:
    for pattern in (host, *hosts.wildcard_keys(host)):
        found = view.destination_rules_for(namespace, pattern)
        if not found:
            continue
        usable = tuple(
            r
            for r in found
            if (not exported_only or exports.visible(r.export_to, r.namespace, client_namespace))
            and (
                r.workload_selector is None
                or (
                    labels is not None
                    and r.namespace == client_namespace
                    and selects(r.workload_selector, labels)
                )
            )
        )
        if not usable:
            continue
        selected = tuple(r for r in usable if r.workload_selector is not None)
        return _consolidate(selected or usable)
    return None


def destination_rule_for(
    view: MeshView,
    client_namespace: str,
    host: str,
    service_namespace: str,
    client_labels: Mapping[str, str] | None = None,
) -> ConsolidatedRule | None:
    """The (consolidated) DestinationRule a proxy in `client_namespace` applies to `host`
    (a service of `service_namespace`)."""
    key = (
        "dr",
        client_namespace,
        host,
        service_namespace,
        tuple(sorted((client_labels or {}).items())),
    )
    found = view.memo(key)
    if found is not None:
        return found if isinstance(found, ConsolidatedRule) else None
    root = view.root_namespace
    result = _in_namespace(view, client_namespace, host, client_namespace, client_labels, False)
    if result is None and service_namespace and service_namespace != client_namespace:
        result = _in_namespace(view, service_namespace, host, client_namespace, None, True)
    if result is None and root not in (client_namespace,):
        result = _in_namespace(view, root, host, client_namespace, None, True)
    view.remember(key, result if result is not None else False)
    return result


__all__ = ["ConsolidatedRule", "destination_rule_for"]
