"""istiod's gateway deployment controller: for a Gateway API `Gateway` of class `istio` or
`istio-waypoint`, istiod creates its Deployment, Service and ServiceAccount and reports the
Gateway's status; it also creates the GatewayClasses it serves.

It also writes the status of HTTPRoutes (`sync_routes`): per parentRef, istiod's
conditions Accepted (`Route was valid`, or the listener's refusal: NotAllowedByListeners,
NoMatchingListenerHostname) and ResolvedRefs (`All references resolved`, or BackendNotFound,
InvalidFilter, ...), plus ResolvedWaypoints when ambient is installed; and each listener's
attachedRoutes. A parentRef to a Gateway that does not exist or is not of class `istio` gets
no entry (not modelled: the NoMatchingParent status of newer istiod versions).

Source: istio/istio pilot/pkg/config/kube/gateway/conditions.go (createRouteStatus,
setConditions: conditions sorted by type), conversion.go (`config/httproutes.py`),
deploymentcontroller.go and the
`kube-gateway` / `waypoint` templates of manifests/charts/istio-control/istio-discovery/files;
istio.io docs/ambient/usage/waypoint ("Deploy a waypoint proxy"). Names: a waypoint's objects
are named as the Gateway; a gateway of class `istio` gets `<name>-istio`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from meshcert.kube.clock import timestamp
from meshcert.kube.cluster import Cluster
from meshcert.mesh.install.proxies import proxy_container, proxy_volumes

from .health import installed_revisions, revision_health

if TYPE_CHECKING:
    from meshcert.mesh.config import httproutes

GATEWAY_API = "gateway.networking.k8s.io"

Obj = dict[str, Any]
WAYPOINT_CLASS = "istio-waypoint"
CLASSES = {
    "istio": ("istio.io/gateway-controller", "The default Istio GatewayClass"),
    "istio-remote": (
        "istio.io/unmanaged-gateway",
        "Remote to this cluster. Does not deploy or affect configuration.",
    ),
    WAYPOINT_CLASS: ("istio.io/mesh-controller", "The default Istio waypoint GatewayClass"),
}


def _healthy_revision(cluster: Cluster, gateway: Obj) -> str | None:
    wanted = (gateway["metadata"].get("labels") or {}).get("istio.io/rev")
    for revision in installed_revisions(cluster):
        if wanted and revision != wanted:
            continue
        health = revision_health(cluster, revision)
        if health is not None and health.healthy:
            return revision
    return None


def ensure_gateway_classes(cluster: Cluster) -> None:
    kind = cluster.kind("gateway.networking.k8s.io", "gatewayclasses")
    for name, (controller, description) in CLASSES.items():
        if cluster.find(kind, "", name) is None:
            cluster.create(
                kind,
                {
                    "apiVersion": "gateway.networking.k8s.io/v1",
                    "kind": "GatewayClass",
                    "metadata": {"name": name},
                    "spec": {"controllerName": controller, "description": description},
                },
            )


def deploy_gateway(cluster: Cluster, gateway: Obj) -> None:
    """Create the objects of an istio or istio-waypoint Gateway and set its status."""
    spec = gateway.get("spec") or {}
    klass = spec.get("gatewayClassName")
    if klass not in ("istio", WAYPOINT_CLASS):
        return
    revision = _healthy_revision(cluster, gateway)
    if revision is None:
        return
    meta = gateway["metadata"]
    ns, gw_name = meta["namespace"], meta["name"]
    waypoint = klass == WAYPOINT_CLASS
    name = gw_name if waypoint else f"{gw_name}-istio"
    managed = "istio.io-mesh-controller" if waypoint else "istio.io-gateway-controller"
    labels = {
        "gateway.istio.io/managed": managed,
        "gateway.networking.k8s.io/gateway-name": gw_name,
        "istio.io/rev": revision,
    }
    owner = [
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "name": gw_name,
            "uid": meta["uid"],
        }
    ]
    listeners = spec.get("listeners") or []
    if waypoint:
        ports = [
            {"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021},
            {
                "name": "mesh",
                "port": 15008,
                "protocol": "TCP",
                "targetPort": 15008,
                "appProtocol": "all",
            },
        ]
    else:
        ports = [{"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021}]
        for listener in listeners:
            port = int(listener.get("port", 80))
            if all(p["port"] != port for p in ports):
                ports.append(
                    {
                        "name": f"{str(listener.get('protocol', 'http')).lower()}-{port}",
                        "port": port,
                        "protocol": "TCP",
                        "targetPort": port,
                    }
                )
    pod_labels = {
        **labels,
        "service.istio.io/canonical-name": name,
        "service.istio.io/canonical-revision": "latest",
        "sidecar.istio.io/inject": "false",
        **({"istio.io/dataplane-mode": "none"} if waypoint else {}),
    }
    proxy = proxy_container(
        role="waypoint" if waypoint else "router",
        revision=revision,
        workload=name,
        owner=f"kubernetes://apis/apps/v1/namespaces/{ns}/deployments/{name}",
        ports=[{"containerPort": p["targetPort"], "protocol": "TCP"} for p in ports],
    )
    objects: list[Obj] = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": dict(labels),
                "ownerReferences": copy.deepcopy(owner),
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": dict(labels),
                "ownerReferences": copy.deepcopy(owner),
            },
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"gateway.networking.k8s.io/gateway-name": gw_name}},
                "template": {
                    "metadata": {"labels": pod_labels, "annotations": {"istio.io/rev": revision}},
                    "spec": {
                        "serviceAccountName": name,
                        "containers": [proxy],
                        "volumes": proxy_volumes(),
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": dict(labels),
                "ownerReferences": copy.deepcopy(owner),
            },
            "spec": {
                "type": _service_type(gateway, waypoint),
                "ports": ports,
                "selector": {"gateway.networking.k8s.io/gateway-name": gw_name},
            },
        },
    ]
    for obj in objects:
        kind = cluster.kind_of(obj)
        found = cluster.find(kind, ns, name)
        if found is None:
            cluster.create(kind, obj, ns, field_manager="pilot-discovery")
        elif obj["kind"] == "Service" and found["spec"].get("type") != obj["spec"]["type"]:
            # the `networking.istio.io/service-type` annotation changed
            updated = copy.deepcopy(found)
            updated["spec"]["type"] = obj["spec"]["type"]
            if updated["spec"]["type"] == "ClusterIP":
                for port in updated["spec"].get("ports") or []:
                    port.pop("nodePort", None)
                updated.pop("status", None)
            cluster.update(kind, updated, ns)
    _set_status(cluster, gateway, name, ns, waypoint, _conversion(cluster).attached)


SERVICE_TYPE = "networking.istio.io/service-type"


def _service_type(gateway: Obj, waypoint: bool) -> str:
    """The gateway Service's type: ClusterIP for waypoints, else the Gateway's
    `networking.istio.io/service-type` annotation (istio.io docs/tasks/traffic-management/
    ingress/gateway-api "Automated Deployment"), LoadBalancer by default."""
    if waypoint:
        return "ClusterIP"
    annotations = gateway["metadata"].get("annotations") or {}
    return str(annotations.get(SERVICE_TYPE) or "LoadBalancer")


def _set_status(
    cluster: Cluster,
    gateway: Obj,
    name: str,
    ns: str,
    waypoint: bool,
    attached: Mapping[tuple[str, str, str], int],
) -> None:
    host = f"{name}.{ns}.svc.cluster.local"
    when = gateway["metadata"].get("creationTimestamp")
    generation = gateway["metadata"].get("generation", 1)
    status = {
        "addresses": [{"type": "Hostname", "value": host}],
        "conditions": [
            {
                "type": "Accepted",
                "status": "True",
                "reason": "Accepted",
                "message": "Resource accepted",
                "lastTransitionTime": when,
                "observedGeneration": generation,
            },
            {
                "type": "Programmed",
                "status": "True",
                "reason": "Programmed",
                "message": "Resource programmed, assigned to service(s) "
                f"{host}:{15008 if waypoint else 15021}",
                "lastTransitionTime": when,
                "observedGeneration": generation,
            },
        ],
    }
    listeners = (gateway.get("spec") or {}).get("listeners") or []
    status["listeners"] = [
        {
            "name": listener.get("name"),
            "attachedRoutes": attached.get(
                (ns, gateway["metadata"]["name"], str(listener.get("name"))), 0
            ),
            "supportedKinds": [],
            "conditions": [
                {
                    "type": "Accepted",
                    "status": "True",
                    "reason": "Accepted",
                    "message": "No errors found",
                    "lastTransitionTime": when,
                    "observedGeneration": generation,
                },
                {
                    "type": "Programmed",
                    "status": "True",
                    "reason": "Programmed",
                    "message": "No errors found",
                    "lastTransitionTime": when,
                    "observedGeneration": generation,
                },
            ],
        }
        for listener in listeners
    ]
    if gateway.get("status") == status:
        return
    kind = cluster.kind("gateway.networking.k8s.io", "gateways")
    updated = {**copy.deepcopy(gateway), "status": status}
    cluster.update(kind, updated, ns, subresource="status")


def _conversion(cluster: Cluster) -> httproutes.Conversion:
    from meshcert.mesh.config import httproutes  # only clusters using the Gateway API load it

    reg = cluster.registry
    gw_kind = reg.by_plural(httproutes.GROUP, "gateways")
    route_kind = reg.by_plural(httproutes.GROUP, "httproutes")
    if gw_kind is None or route_kind is None or not reg.is_served(route_kind):
        return httproutes.Conversion()
    services = {
        f"{s['metadata']['name']}.{s['metadata']['namespace']}.svc.cluster.local"
        for s in cluster.list(cluster.kind("", "services"))
    }
    labels = {
        n["metadata"]["name"]: n["metadata"].get("labels") or {}
        for n in cluster.list(cluster.kind("", "namespaces"))
    }
    return httproutes.convert(
        cluster.list(gw_kind), cluster.list(route_kind), services, namespace_labels=labels
    )


def _ambient(cluster: Cluster) -> bool:
    """istiod runs with ambient enabled (the ambient profile installs ztunnel)."""
    kind = cluster.kind("apps", "daemonsets")
    return cluster.find(kind, "istio-system", "ztunnel") is not None


def _uses_waypoint(cluster: Cluster, ref: Mapping[str, Any], namespace: str) -> bool:
    name, ns = str(ref.get("name") or ""), str(ref.get("namespace") or namespace)
    svc = cluster.find(cluster.kind("", "services"), ns, name)
    namespace_obj = cluster.find(cluster.kind("", "namespaces"), "", ns)
    for obj in (svc, namespace_obj):
        if obj is not None and (obj["metadata"].get("labels") or {}).get("istio.io/use-waypoint"):
            return True
    return False


def _conditions(
    cluster: Cluster, route: Obj, parent: httproutes.ParentStatus, previous: list[Obj]
) -> list[Obj]:
    meta = route["metadata"]
    generation = meta.get("generation", 1)
    message = "Route was valid"
    if parent.bound > 1:
        message = f"Route was valid, bound to {parent.bound} parents"
    wanted: dict[str, tuple[str, str, str]] = {
        "Accepted": ("True", "Accepted", message),
        "ResolvedRefs": ("True", "ResolvedRefs", "All references resolved"),
    }
    if parent.route_error is not None:
        wanted["ResolvedRefs"] = ("False", parent.route_error.reason, parent.route_error.message)
    if parent.denied is not None:
        wanted["Accepted"] = ("False", parent.denied.reason, parent.denied.message)
    if _ambient(cluster):
        text = "All waypoints resolved"
        if str(parent.parent_ref.get("kind") or "") == "Service" and not _uses_waypoint(
            cluster, parent.parent_ref, str(meta.get("namespace"))
        ):
            text = (
                "istio.io/use-waypoint label missing from parent and parent namespace; in "
                "ambient mode, route will not be respected"
            )
        wanted["ResolvedWaypoints"] = ("True", "ResolvedWaypoints", text)
    old = {str(c.get("type")): c for c in previous}
    now = timestamp(cluster.clock.now())
    out = []
    for kind in sorted(wanted):
        status, reason, text = wanted[kind]
        before = old.get(kind)
        same = before is not None and before.get("status") == status
        out.append(
            {
                "lastTransitionTime": before.get("lastTransitionTime") if before and same else now,
                "message": text,
                "observedGeneration": generation,
                "reason": reason,
                "status": status,
                "type": kind,
            }
        )
    return out


def sync_routes(cluster: Cluster) -> None:
    """Write every HTTPRoute's status and each istio Gateway's attachedRoutes as istiod
    does after converting them."""
    route_kind = cluster.registry.by_plural(GATEWAY_API, "httproutes")
    if route_kind is None or not cluster.registry.is_served(route_kind):
        return
    from meshcert.mesh.config import httproutes

    converted = _conversion(cluster)
    for route in cluster.list(route_kind):
        meta = route["metadata"]
        key = (str(meta["namespace"]), str(meta["name"]))
        current = (route.get("status") or {}).get("parents") or []
        others = [p for p in current if p.get("controllerName") != httproutes.CONTROLLER]
        mine = []
        for parent in converted.parents.get(key, ()):
            before = next((p for p in current if p.get("parentRef") == dict(parent.parent_ref)
                           and p.get("controllerName") == httproutes.CONTROLLER), None)  # fmt: skip
            mine.append(
                {
                    "parentRef": dict(parent.parent_ref),
                    "controllerName": httproutes.CONTROLLER,
                    "conditions": _conditions(
                        cluster, route, parent, (before or {}).get("conditions") or []
                    ),
                }
            )
        parents = others + mine
        if parents == current:
            continue
        updated = {**copy.deepcopy(route), "status": {"parents": parents}}
        cluster.update(route_kind, updated, key[0], subresource="status")
    gw_kind = cluster.kind(httproutes.GROUP, "gateways")
    for gateway in cluster.list(gw_kind):
        listeners = (gateway.get("status") or {}).get("listeners")
        if not listeners:
            continue
        ns, name = gateway["metadata"]["namespace"], gateway["metadata"]["name"]
        changed = [
            {**item, "attachedRoutes": converted.attached.get((ns, name, str(item.get("name"))), 0)}
            for item in listeners
        ]
        if changed != listeners:
            status = {**gateway["status"], "listeners": changed}
            cluster.update(gw_kind, {**copy.deepcopy(gateway), "status": status}, ns,
                           subresource="status")  # fmt: skip


def sync_gateways(cluster: Cluster, namespace: str | None = None) -> None:
    kind = cluster.kind("gateway.networking.k8s.io", "gateways")
    for gateway in cluster.list(kind, namespace):
        deploy_gateway(cluster, gateway)
