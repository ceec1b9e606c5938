"""`istioctl` in the lab: install, upgrade, uninstall, manifest generate, verify-install,
profile, tag, version and waypoint over `meshcert.mesh.install` and the control plane, with
istioctl 1.26's texts. `run_istioctl(cluster, argv)` runs it without a pod; `register(cluster)`
plugs installation, injection, the control plane and the programs into a cluster."""

from __future__ import annotations

from .program import build_root, istioctl_program, run_istioctl
from .registration import register

__all__ = ["build_root", "istioctl_program", "register", "run_istioctl"]
