"""Locality load balancing: which endpoints of a cluster a proxy sends a request to, by the
localities (`region/zone/subzone` from the nodes' topology labels) of the client and of the
endpoints.

Istio's rules (pilot/pkg/networking/core/loadbalancer/loadbalancer.go
ApplyLocalityLoadBalancer; istio.io docs/tasks/traffic-management/locality-load-balancing and
docs/reference/config/networking/destination-rule "LocalityLoadBalancerSetting"): the
DestinationRule's `localityLbSetting` (else the mesh config's) applies unless `enabled: false`;
- `distribute`: the first entry whose `from` matches the client's locality weights the
  endpoints' localities by its `to` (a `to` shared by several localities is split evenly; a
  locality no `to` matches gets no traffic); Envoy picks a locality by weight scaled by its
  share of healthy endpoints, then an endpoint in it;
- otherwise, only when the cluster has outlier detection (without it Envoy would never leave
  the first priority), failover by priority: 0 for the client's region, zone and subzone, 1
  for its region and zone, 2 for its region, 3 for other regions, and 4 for a region that a
  `failover` entry from the client's region does not name as its `to`. Envoy sends each
  priority min(remaining, 1.4 x its healthy share) of the traffic (the default
  overprovisioning factor), so a priority with every endpoint ejected gets none.
`failoverPriority` (label-based priorities) is not modelled: the priorities are the locality's.
"""

from __future__ import annotations

import fnmatch
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from meshcert.mesh.config.services import Endpoint

OVERPROVISIONING = 1.4


def _parts(locality: str) -> tuple[str, str, str]:
    region, zone, subzone = ([*locality.split("/"), "", "", ""])[:3]
    return region, zone, subzone


def lb_priority(client: str, endpoint: str) -> int:
    """istio/istio pkg/util/... LbPriority: how far `endpoint`'s locality is from `client`'s."""
    c, e = _parts(client), _parts(endpoint)
    if c[0] != e[0]:
        return 3
    if c[1] != e[1]:
        return 2
    return 0 if c[2] == e[2] else 1


def _matches(pattern: str, locality: str) -> bool:
    """A `region/zone/subzone` pattern with `*` segments (`region1/*`, `region1/zone1/*`)."""
    wanted = [p for p in pattern.split("/") if p]
    have = list(_parts(locality))
    for i, part in enumerate(wanted):
        if part == "*":
            return True
        if i >= 3 or not fnmatch.fnmatchcase(have[i], part):
            return False
    return True


def setting(destination_rule: Mapping[str, Any] | None,
            mesh: Mapping[str, Any] | None) -> Mapping[str, Any] | None:  # fmt: skip
    """The locality setting in force (the DestinationRule's, else the mesh's), or None when
    disabled."""
    chosen = destination_rule if destination_rule is not None else mesh
    if not isinstance(chosen, Mapping):
        return {} if chosen is None else None
    if chosen.get("enabled") is False:
        return None
    return chosen


def narrow(candidates: Sequence[Endpoint], endpoints: Sequence[Endpoint], client: str,
           lb: Mapping[str, Any] | None, outlier_detection: bool,
           rng: random.Random) -> list[Endpoint]:  # fmt: skip
    """The healthy `candidates` of the locality group this request goes to (all of them when
    locality load balancing does not apply). `endpoints` are all of the cluster's, healthy or
    not (a group's healthy share counts them)."""
    if lb is None or not candidates or not client:
        return list(candidates)
    distribute = lb.get("distribute")
    if isinstance(distribute, list) and distribute:
        return _distributed(candidates, endpoints, client, distribute, rng)
    if not outlier_detection:
        return list(candidates)
    failover = [f for f in lb.get("failover") or [] if isinstance(f, Mapping)]
    region = _parts(client)[0]
    redirect = next((f for f in failover if f.get("from") == region), None)

    def priority(endpoint: Endpoint) -> int:
        found = lb_priority(client, endpoint.locality)
        if (
            found == 3
            and redirect is not None
            and _parts(endpoint.locality)[0] != redirect.get("to")
        ):
            return 4
        return found

    totals: Counter[int] = Counter(priority(e) for e in endpoints)
    healthy: dict[int, list[Endpoint]] = {p: [] for p in totals}
    for endpoint in candidates:
        healthy.setdefault(priority(endpoint), []).append(endpoint)
    loads: list[tuple[int, float]] = []
    remaining = 100.0
    for p in sorted(totals):
        load = min(remaining, 100.0 * len(healthy[p]) / totals[p] * OVERPROVISIONING)
        loads.append((p, load))
        remaining -= load
    total = sum(load for _, load in loads)
    if total <= 0:
        return list(candidates)
    draw = rng.random() * total
    for p, load in loads:
        if draw < load and healthy[p]:
            return healthy[p]
        draw -= load
    return next(healthy[p] for p, load in reversed(loads) if healthy[p])


def _distributed(candidates: Sequence[Endpoint], endpoints: Sequence[Endpoint], client: str,
                 distribute: list[Any], rng: random.Random) -> list[Endpoint]:  # fmt: skip
    rule = next((d for d in distribute if isinstance(d, Mapping)
                 and _matches(str(d.get("from") or ""), client)), None)  # fmt: skip
    if rule is None:
        return list(candidates)
    targets = {str(k): float(v) for k, v in (rule.get("to") or {}).items()}
    localities = sorted({e.locality for e in endpoints})
    weights: dict[str, float] = {}
    for pattern, weight in targets.items():
        matching = [loc for loc in localities if _matches(pattern, loc)]
        for loc in matching:
            weights[loc] = weights.get(loc, 0.0) + weight / len(matching)
    effective: list[tuple[str, float]] = []
    for loc in localities:
        total = sum(1 for e in endpoints if e.locality == loc)
        healthy = sum(1 for e in candidates if e.locality == loc)
        if weights.get(loc) and healthy:
            effective.append((loc, weights[loc] * healthy / total))
    if not effective:
        return []
    draw = rng.random() * sum(w for _, w in effective)
    chosen = effective[-1][0]
    for loc, weight in effective:
        if draw < weight:
            chosen = loc
            break
        draw -= weight
    return [e for e in candidates if e.locality == chosen]


__all__ = ["lb_priority", "narrow", "setting"]
