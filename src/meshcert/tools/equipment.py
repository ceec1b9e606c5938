"""Equip a fresh cluster with Istio's behaviour and the lab's programs.

The lab calls `equip` on every cluster it creates (new, resumed or seeded from a scenario):
admission hooks, controllers and exec programs are process state, not cluster objects, so they
are plugged in again each time. Each part registers itself through one function of its own.
"""

from __future__ import annotations

from meshcert.kube.cluster import Cluster
from meshcert.mesh import validation
from meshcert.tools import traffic_programs


def equip(cluster: Cluster) -> None:
    """Register the Istio admission hooks, controllers and programs on `cluster`."""
    # installation, injection and the control plane (issue 3, installation)
    from meshcert.tools.istioctl import register as register_installation

    register_installation(cluster)
    # security: istiod's CA secret and the istio-ca-root-cert ConfigMaps (issue 4)
    from meshcert.mesh.controlplane import certificates

    certificates.register(cluster)
    # traffic: validation, request simulation, curl & co (issue 3, traffic management)
    validation.install(cluster)
    traffic_programs.register(cluster)


__all__ = ["equip"]
