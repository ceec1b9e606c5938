"""Plug installation, injection and the control plane into a cluster: the sidecar injection
hook, the control-plane controller and the `istioctl` and `helm` programs (every image)."""

from __future__ import annotations

from meshcert.kube.cluster import Cluster
from meshcert.kube.execution import workstation
from meshcert.mesh import controlplane, injection

from .program import istioctl_program


def register(cluster: Cluster) -> None:
    from meshcert.tools.helm.program import helm_program

    injection.register(cluster)
    controlplane.register(cluster)
    cluster.programs.register("istioctl", istioctl_program)
    cluster.programs.register("helm", helm_program)
    # and on the candidate's machine: `meshcert istioctl|helm`, the shims of `meshcert lab env`
    workstation.allow(cluster, "istioctl")
    workstation.allow(cluster, "helm")
