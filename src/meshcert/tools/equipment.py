"""Equip a fresh cluster with Istio's behaviour and the lab's programs.

The lab calls `equip` on every cluster it creates (new, resumed or seeded from a scenario):
admission hooks, controllers and exec programs are process state, not cluster objects, so they
are plugged in again each time. Each part registers itself through one function of its own.
"""

from __future__ import annotations

from meshcert.kube.cluster import Cluster


def equip(cluster: Cluster) -> None:
    """Register the Istio admission hooks, controllers and programs on `cluster`."""
    # installation, injection and the control plane (issue 3, installation)
    # traffic: validation, request simulation, curl & co (issue 3, traffic management)


__all__ = ["equip"]
