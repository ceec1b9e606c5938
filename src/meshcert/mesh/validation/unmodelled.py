"""Istio kinds the lab stores and serves but gives no meaning: applying one is accepted, as
Istio accepts it, with a warning that says so (kubectl prints it as `Warning: ...`), so that
nobody takes the lab's silence for Istio's behaviour.

- EnvoyFilter (istio.io docs/reference/config/networking/envoy-filter): patches to Envoy's
  generated configuration; the lab simulates Envoy's behaviour, not its filter chains.
- WorkloadEntry and WorkloadGroup (istio.io docs/reference/config/networking/workload-entry,
  workload-group; docs/setup/install/virtual-machine): non-Kubernetes workloads such as
  virtual machines; the lab has none, so an entry's address becomes no endpoint.
"""

from __future__ import annotations

NOT_MODELLED = {
    "EnvoyFilter": (
        "not supported in the lab: EnvoyFilter is stored but its patches are not applied to the "
        "simulated proxies (the lab models Envoy's behaviour, not its filter chains)"
    ),
    "WorkloadEntry": (
        "not supported in the lab: WorkloadEntry is stored but its address becomes no endpoint "
        "of a Service or ServiceEntry (the lab has no workloads outside Kubernetes)"
    ),
    "WorkloadGroup": (
        "not supported in the lab: WorkloadGroup is stored but no WorkloadEntry is made from it "
        "(the lab has no workloads outside Kubernetes)"
    ),
}


def unmodelled_warnings(kind: str) -> list[str]:
    """The warning for an Istio kind the lab does not model (none for the others)."""
    found = NOT_MODELLED.get(kind)
    return [found] if found else []


__all__ = ["NOT_MODELLED", "unmodelled_warnings"]
