"""Plug installation, injection and the control plane into a cluster: the sidecar injection
hook, the control-plane controller and the `istioctl` and `helm` programs (every image).
The programs' modules load when first run."""

from __future__ import annotations

from meshcert.kube.cluster import Cluster
from meshcert.kube.execution import ExecContext, workstation
from meshcert.mesh import controlplane, injection


def _istioctl(ctx: ExecContext) -> int:
    from .program import istioctl_program

    return istioctl_program(ctx)


def _helm(ctx: ExecContext) -> int:
    from meshcert.tools.helm.program import helm_program

    return helm_program(ctx)


def register(cluster: Cluster) -> None:
    injection.register(cluster)
    controlplane.register(cluster)
    cluster.programs.register("istioctl", _istioctl)
    cluster.programs.register("helm", _helm)
    # and on the candidate's machine: `meshcert istioctl|helm`, the shims of `meshcert lab env`
    workstation.allow(cluster, "istioctl")
    workstation.allow(cluster, "helm")
