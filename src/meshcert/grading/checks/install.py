"""Install checks: an istiod of a revision is available, the components of a profile (or the
listed ones) are present, as `istioctl install` and the Helm charts leave them.

Components are read from the `operator.istio.io/component` label the installer and the Helm
charts put on their Deployments and DaemonSets (Pilot, IngressGateways, EgressGateways, Cni,
Ztunnel); a workload without it counts by its `app` label (istiod, istio-cni-node, ztunnel).
A profile is not recorded in the cluster (Istio 1.24 dropped the installed-state
IstioOperator), so a `profile` check compares the gateway and node components present with
those the profile installs (manifests/profiles/*.yaml in istio/istio).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..client import KubeClient, Obj
from .base import CheckBase, GradeContext, Verdict

COMPONENT_LABEL = "operator.istio.io/component"
APP_COMPONENTS = {"istiod": "Pilot", "istio-cni-node": "Cni", "ztunnel": "Ztunnel"}
REVISION_LABEL = "istio.io/rev"
PROFILE_COMPONENTS: dict[str, frozenset[str]] = {
    "default": frozenset({"Pilot", "IngressGateways"}),
    "demo": frozenset({"Pilot", "IngressGateways", "EgressGateways"}),
    "minimal": frozenset({"Pilot"}),
    "preview": frozenset({"Pilot", "IngressGateways"}),
    "ambient": frozenset({"Pilot", "Cni", "Ztunnel"}),
    "empty": frozenset(),
}


def _available(obj: Obj) -> bool:
    status = obj.get("status") or {}
    if obj.get("kind") == "DaemonSet":
        return int(status.get("numberAvailable") or 0) >= 1
    return int(status.get("availableReplicas") or 0) >= 1


class InstallCheck(CheckBase):
    type: Literal["install"]
    namespace: str = "istio-system"
    revision: str | None = Field(default=None, description="'default' for no revision")
    profile: Literal["default", "demo", "minimal", "preview", "ambient", "empty"] | None = None
    components: tuple[str, ...] = ()
    absent_components: tuple[str, ...] = ()

    def _workloads(self, client: KubeClient) -> list[tuple[dict[str, str], Obj]]:
        """(labels with the component filled in, workload) of the installation's workloads."""
        found = []
        for kind in ("Deployment", "DaemonSet"):
            for obj in client.list("apps/v1", kind, self.namespace):
                obj.setdefault("kind", kind)
                labels = dict(obj["metadata"].get("labels") or {})
                component = labels.get(COMPONENT_LABEL) or APP_COMPONENTS.get(labels.get("app", ""))
                if component:
                    labels[COMPONENT_LABEL] = component
                    found.append((labels, obj))
        return found

    def evaluate(self, client: KubeClient, context: GradeContext) -> Verdict:
        labels = self._workloads(client)
        if self.revision is not None:
            istiods = [w for lab, w in labels if lab.get(COMPONENT_LABEL) == "Pilot"
                       and lab.get(REVISION_LABEL, "default") == self.revision]  # fmt: skip
            if not istiods:
                return Verdict(False, f"no istiod of revision {self.revision} in "
                                      f"{self.namespace}")  # fmt: skip
            if not any(_available(w) for w in istiods):
                return Verdict(False, f"istiod of revision {self.revision} is not available")
        present = {str(lab[COMPONENT_LABEL]) for lab, w in labels if _available(w)}
        missing = [c for c in self.components if c not in present]
        if missing:
            return Verdict(False, f"missing component(s): {', '.join(missing)}")
        extra = [c for c in self.absent_components if c in present]
        if extra:
            return Verdict(False, f"component(s) present: {', '.join(extra)}")
        if self.profile is not None:
            wanted = PROFILE_COMPONENTS[self.profile]
            if present != wanted:
                have = ", ".join(sorted(present)) or "none"
                return Verdict(False, f"components present ({have}) are not those of the "
                                      f"{self.profile} profile")  # fmt: skip
        return Verdict(True, "installation as expected")


__all__ = ["PROFILE_COMPONENTS", "InstallCheck"]
