"""IST0116 DeploymentAssociatedToMultipleServices and IST0137 DeploymentConflictingPorts: the
Services of a Deployment's namespace whose (non-empty) selector matches its pod template
either use one port number with different protocols (IST0116), or one targetPort behind
different port numbers (IST0137; a missing targetPort is the port itself), which Istio cannot
tell apart. Only Deployments in the mesh are checked (util.DeploymentInMesh: an `istio-proxy`
container, else the `sidecar.istio.io/inject` label or annotation of the template, else the
namespace's `istio-injection=enabled`), waypoints excepted. Services are named
`namespace/name` and sorted; the message is on the Deployment's name. Source: istio/istio
pkg/config/analysis/analyzers/deployment/services.go (ServiceAssociationAnalyzer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource
from .scoping import selects

MANAGED = "gateway.istio.io/managed"
WAYPOINT_CONTROLLER = "istio.io-mesh-controller"


def deployment_in_mesh(deployment: Resource, context: Context) -> bool:
    template = deployment.spec.get("template") or {}
    meta = template.get("metadata") or {}
    containers = (template.get("spec") or {}).get("containers") or []
    if any((c or {}).get("name") == "istio-proxy" and (c or {}).get("image") for c in containers):
        return True
    for source in (meta.get("labels") or {}, meta.get("annotations") or {}):
        if "sidecar.istio.io/inject" in source:
            return str(source["sidecar.istio.io/inject"]) == "true"
    namespace = context.find("Namespace", "", deployment.namespace)
    return namespace is not None and namespace.labels.get("istio-injection") == "enabled"


def _target_port(port: Mapping[str, Any]) -> str:
    """intstr's String(); an unset (or 0) targetPort defaults to the port."""
    target = port.get("targetPort")
    text = "" if target is None else str(target)
    return str(port.get("port") or 0) if text in ("", "0") else text


class ServiceAssociationAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "deployment.MultiServiceAnalyzer", "Checks association between services and pods",
        ("Service", "Deployment", "Namespace"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        by_namespace: dict[str, list[Resource]] = {}
        for svc in context.each("Service"):
            if svc.spec.get("selector"):  # an empty selector selects nothing here
                by_namespace.setdefault(svc.namespace, []).append(svc)
        for deployment in context.each("Deployment"):
            if deployment.labels.get(MANAGED) == WAYPOINT_CONTROLLER:
                continue
            if not deployment_in_mesh(deployment, context):
                continue
            template = deployment.spec.get("template") or {}
            labels = (template.get("metadata") or {}).get("labels") or {}
            services = [s for s in by_namespace.get(deployment.namespace, [])
                        if selects(s.spec.get("selector"), labels)]  # fmt: skip
            self._port_protocols(deployment, services, context)
            self._target_ports(deployment, services, context)

    @staticmethod
    def _port_protocols(deployment: Resource, services: list[Resource], context: Context) -> None:
        by_port: dict[int, dict[str, list[str]]] = {}
        for svc in services:
            for port in svc.spec.get("ports") or []:
                protocol = str((port or {}).get("protocol") or "TCP")
                number = int((port or {}).get("port") or 0)
                by_port.setdefault(number, {}).setdefault(protocol, []).append(svc.full_name)
        for number, protocols in by_port.items():
            if len(protocols) > 1:
                names = sorted(n for found in protocols.values() for n in found)
                context.report(msg.DeploymentAssociatedToMultipleServices, deployment,
                               deployment.name, number, names, at=("metadata", "name"))  # fmt: skip

    @staticmethod
    def _target_ports(deployment: Resource, services: list[Resource], context: Context) -> None:
        by_target: dict[str, dict[int, str]] = {}
        for svc in services:
            for port in svc.spec.get("ports") or []:
                number = int((port or {}).get("port") or 0)
                by_target.setdefault(_target_port(port or {}), {})[number] = svc.full_name
        for target, ports in by_target.items():
            if len(ports) > 1:
                context.report(msg.DeploymentConflictingPorts, deployment, deployment.name,
                               sorted(ports.values()), target, sorted(ports),
                               at=("metadata", "name"))  # fmt: skip
