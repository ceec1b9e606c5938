"""`istioctl` in the lab: install, upgrade, uninstall, manifest generate, verify-install,
profile, tag, version and waypoint over `meshcert.mesh.install` and the control plane, with
istioctl 1.26's texts. `run_istioctl(cluster, argv)` runs it without a pod; `register(cluster)`
plugs installation, injection, the control plane and the programs into a cluster.

The command tree (analyze, proxy-config, describe, ...) loads on first use: a lab server that
only seeds a scenario does not pay for importing it (docs/benchmarks.md, lab start)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .registration import register

if TYPE_CHECKING:
    from .program import build_root, istioctl_program, run_istioctl

_LAZY = frozenset({"build_root", "istioctl_program", "run_istioctl"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import program

        return getattr(program, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["build_root", "istioctl_program", "register", "run_istioctl"]
