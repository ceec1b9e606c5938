"""Pod checks: the pods a selector picks have (or lack) the Istio sidecar, were recreated
since the attempt started, are running (as kubectl's STATUS says: a crash-looping container
is not running); and `PodRef`, how other checks name a pod to exec in.

A sidecar is the `istio-proxy` container, or an `istio-proxy` init container with
`restartPolicy: Always` (native sidecars, Istio's `ENABLE_NATIVE_SIDECARS`). "Restarted"
compares pod uids with those recorded when the attempt started (`GradeContext`), which works
the same on every cluster and does not depend on clock resolution.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from meshcert.kube.tables.pods import pod_status

from ..client import KubeClient, Obj
from .base import CheckBase, GradeContext, Model, Verdict

PROXY = "istio-proxy"


def live(pod: Obj) -> bool:
    """Neither being deleted nor finished."""
    status = pod.get("status") or {}
    return not pod["metadata"].get("deletionTimestamp") and status.get("phase") not in (
        "Succeeded",
        "Failed",
    )


def has_sidecar(pod: Obj) -> bool:
    spec = pod.get("spec") or {}
    if any(c.get("name") == PROXY for c in spec.get("containers") or []):
        return True
    return any(
        c.get("name") == PROXY and c.get("restartPolicy") == "Always"
        for c in spec.get("initContainers") or []
    )


def status_text(pod: Obj) -> str:
    """The pod's STATUS as `kubectl get pods` prints it (kube/tables/pods.py, the apiserver's
    printer: a waiting container's reason such as CrashLoopBackOff wins over the phase), with
    `NotReady` for a Running pod whose containers are not all ready, as "running" means to a
    candidate."""
    status, ready, total, _ = pod_status(pod)
    return "NotReady" if status == "Running" and ready < total else status


class PodRef(Model):
    """A pod to run programs in: the first live pod the selector picks, running pods first,
    then by name (so the choice is the same on every run)."""

    namespace: str
    selector: str
    container: str = ""

    def pick(self, client: KubeClient) -> str | Verdict:
        pods = [p for p in client.list("v1", "Pod", self.namespace, self.selector) if live(p)]
        if not pods:
            return Verdict(False, f"no running pod matches {self.selector!r} in namespace "
                                  f"{self.namespace}")  # fmt: skip
        pods.sort(key=lambda p: ((p.get("status") or {}).get("phase") != "Running",
                                 p["metadata"]["name"]))  # fmt: skip
        return str(pods[0]["metadata"]["name"])


class PodCheck(CheckBase):
    type: Literal["pod"]
    namespace: str
    selector: str
    sidecar: bool | None = None
    restarted: bool | None = Field(default=None, description="recreated since the start")
    running: bool | None = None
    min_pods: int = Field(default=1, ge=0)

    def evaluate(self, client: KubeClient, context: GradeContext) -> Verdict:
        pods = [p for p in client.list("v1", "Pod", self.namespace, self.selector) if live(p)]
        if len(pods) < self.min_pods:
            where = f"{self.selector!r} in namespace {self.namespace}"
            return Verdict(False, f"{len(pods)} pod(s) match {where}, expected {self.min_pods}+")
        for pod in pods:
            name = pod["metadata"]["name"]
            if self.sidecar is not None and has_sidecar(pod) != self.sidecar:
                has = "has" if has_sidecar(pod) else "has no"
                return Verdict(False, f"pod {name} {has} istio-proxy sidecar")
            uid = pod["metadata"].get("uid", "")
            if self.restarted is not None and (uid not in context.baseline_pods) != self.restarted:
                was = "was not" if uid in context.baseline_pods else "was"
                return Verdict(False, f"pod {name} {was} recreated since the task started")
            state = status_text(pod)
            if self.running is not None and (state == "Running") != self.running:
                return Verdict(False, f"pod {name} is {state}")
        return Verdict(True, f"{len(pods)} pod(s) as expected")


__all__ = ["PodCheck", "PodRef", "has_sidecar", "live", "status_text"]
