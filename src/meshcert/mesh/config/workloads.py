"""Workloads: the pods of the cluster as the mesh sees them (identity, address, proxy).

Sources: the injected pod's `istio-proxy` container and labels `security.istio.io/tlsMode`,
`istio.io/rev` (pkg/kube/inject); ambient enrolment by the namespace or pod label
`istio.io/dataplane-mode=ambient` (istio.io docs/ambient/usage/add-workloads).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PROXY_CONTAINER = "istio-proxy"
DATAPLANE_MODE = "istio.io/dataplane-mode"


@dataclass(frozen=True)
class Workload:
    """One pod. `labels` and `obj` are read-only views of the stored pod: do not mutate."""

    namespace: str
    name: str
    labels: Mapping[str, str]
    service_account: str
    ip: str
    node: str
    has_sidecar: bool
    revision: str
    ambient: bool
    ready: bool
    locality: str = ""
    created: str = ""
    obj: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @functools.cached_property
    def is_gateway(self) -> bool:
        """A gateway pod runs `istio-proxy` as a router (`proxy router` args, or the `gateway`
        injection template) rather than as an injected sidecar. Computed once per workload
        (a view's workloads live as long as the view; this is on every request's path)."""
        annotations = (self.obj.get("metadata") or {}).get("annotations") or {}
        if annotations.get("inject.istio.io/templates") == "gateway":
            return True
        for container in (self.obj.get("spec") or {}).get("containers") or []:
            args = container.get("args") or []
            if container.get("name") == PROXY_CONTAINER and "router" in [str(a) for a in args]:
                return True
        return False

    @functools.cached_property
    def redirect_annotations(self) -> Mapping[str, Any]:
        """The pod's `traffic.sidecar.istio.io/*` annotations (istio-init's interception
        ranges and ports); empty for most pods, so the request path checks it once."""
        annotations = (self.obj.get("metadata") or {}).get("annotations") or {}
        return {k: v for k, v in annotations.items() if k.startswith("traffic.sidecar.istio.io/")}

    @property
    def images(self) -> tuple[str, ...]:
        """Container images, app containers first, the proxy last."""
        spec = self.obj.get("spec") or {}
        return tuple(str(c.get("image", "")) for c in spec.get("containers") or [])

    def container_port(self, name: str) -> int | None:
        """The number of the container port called `name` (a Service's named targetPort)."""
        for container in (self.obj.get("spec") or {}).get("containers") or []:
            for port in container.get("ports") or []:
                if port.get("name") == name and isinstance(port.get("containerPort"), int):
                    return int(port["containerPort"])
        return None

    @classmethod
    def from_pod(
        cls, pod: Mapping[str, Any], namespace_labels: Mapping[str, str], locality: str = ""
    ) -> Workload:
        meta = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        status = pod.get("status") or {}
        labels: Mapping[str, str] = meta.get("labels") or {}
        containers = spec.get("containers") or []
        has_sidecar = any(c.get("name") == PROXY_CONTAINER for c in containers) or any(
            c.get("name") == PROXY_CONTAINER for c in spec.get("initContainers") or []
        )
        mode = labels.get(DATAPLANE_MODE) or namespace_labels.get(DATAPLANE_MODE, "")
        ready = (
            any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in status.get("conditions") or []
            )
            and status.get("phase", "Running") == "Running"
        )
        return cls(
            namespace=str(meta.get("namespace", "")),
            name=str(meta.get("name", "")),
            labels=labels,
            service_account=str(spec.get("serviceAccountName") or "default"),
            ip=str(status.get("podIP") or ""),
            node=str(spec.get("nodeName") or ""),
            has_sidecar=has_sidecar,
            revision=str(labels.get("istio.io/rev", "")),
            ambient=(mode == "ambient" and not has_sidecar),
            ready=ready,
            locality=labels.get("istio-locality", "").replace(".", "/") or locality,
            created=str(meta.get("creationTimestamp", "")),
            obj=pod,
        )


def selects(selector: Mapping[str, str] | None, labels: Mapping[str, str]) -> bool:
    """A map selector (workloadSelector, Service.spec.selector): every pair present. Empty or
    None selects everything."""
    if not selector:
        return True
    return all(labels.get(k) == v for k, v in selector.items())


def node_locality(node: Mapping[str, Any]) -> str:
    """`region/zone/subzone` from a Node's topology labels."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    region = labels.get("topology.kubernetes.io/region", "")
    zone = labels.get("topology.kubernetes.io/zone", "")
    subzone = labels.get("topology.istio.io/subzone", "")
    return "/".join(p for p in (region, zone, subzone) if p)


__all__ = ["DATAPLANE_MODE", "PROXY_CONTAINER", "Workload", "node_locality", "selects"]
