"""Ingress and egress gateways as istioctl installs them (istio/istio manifests/charts/gateways/
istio-ingress and istio-egress): a Deployment running istio-proxy as a router, its Service
(LoadBalancer for ingress, ClusterIP for egress) and ServiceAccount."""

from __future__ import annotations

from typing import Any

from .coalescing import coalesce
from .gateway_values import gateway_values
from .proxies import proxy_container, proxy_volumes
from .settings import Settings, stamp

Obj = dict[str, Any]

INGRESS_PORTS = [
    {"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021},
    {"name": "http2", "port": 80, "protocol": "TCP", "targetPort": 8080},
    {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443},
]
EGRESS_PORTS = [
    {"name": "http2", "port": 80, "protocol": "TCP", "targetPort": 8080},
    {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443},
]


def enabled_gateways(settings: Settings, key: str) -> list[Obj]:
    """The enabled entries of components.ingressGateways / egressGateways."""
    items = (settings.spec.get("components") or {}).get(key) or []
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        alt = settings.value(f"gateways.{item.get('name')}.enabled")
        if item.get("enabled", True) or alt is True:
            out.append(item)
    return out


def render_gateway(settings: Settings, gateway: Obj, *, ingress: bool) -> list[Obj]:
    name = str(
        gateway.get("name") or ("istio-ingressgateway" if ingress else "istio-egressgateway")
    )
    ns = str(gateway.get("namespace") or settings.namespace)
    component = "IngressGateways" if ingress else "EgressGateways"
    k8s = gateway.get("k8s") or {}
    values = gateway_values(settings, name, ingress=ingress)
    default_labels = (
        {"app": "istio-ingressgateway", "istio": "ingressgateway"}
        if ingress
        else {"app": "istio-egressgateway", "istio": "egressgateway"}
    )
    selector_labels = {
        **default_labels,
        **{str(k): str(v) for k, v in (gateway.get("label") or {}).items()},
    }
    labels = {**selector_labels, "istio.io/rev": settings.rev_label, "release": "istio"}
    service = k8s.get("service") or {}
    ports = service.get("ports") or (INGRESS_PORTS if ingress else EGRESS_PORTS)
    service_type = (
        service.get("type") or values.get("type") or ("LoadBalancer" if ingress else "ClusterIP")
    )
    container_ports: list[Obj] = []
    for port in ports:
        target = port.get("targetPort", port.get("port"))
        container_ports.append(
            {"containerPort": int(str(target)), "protocol": port.get("protocol", "TCP")}
        )
    container_ports = [p for i, p in enumerate(container_ports) if p not in container_ports[:i]]
    sa = f"{name}-service-account"
    proxy = proxy_container(
        role="router",
        revision=settings.revision,
        workload=name,
        owner=f"kubernetes://apis/apps/v1/namespaces/{ns}/deployments/{name}",
        # the chart's gateways.<name>.resources (not global.proxy.resources, which is the
        # sidecars'), with components.*.k8s.resources merged in as istioctl's patch does
        resources=coalesce(values.get("resources") or {}, k8s.get("resources")),
        ports=container_ports,
        extra_env=[{"name": "ISTIO_META_UNPRIVILEGED_POD", "value": "true"}],
        hub=settings.hub,
        tag=settings.tag,
    )
    pod_labels = {
        **labels,
        "chart": "gateways",
        "heritage": "Tiller",
        "install.operator.istio.io/owning-resource": "unknown",
        "operator.istio.io/component": component,
        "service.istio.io/canonical-name": name,
        "service.istio.io/canonical-revision": "latest",
        "sidecar.istio.io/inject": "false",
    }
    out: list[Obj] = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": sa, "namespace": ns, "labels": dict(labels)},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": dict(labels)},
            "spec": {
                "replicas": int(k8s.get("replicaCount", 1)),
                "selector": {"matchLabels": dict(selector_labels)},
                "strategy": {"rollingUpdate": {"maxSurge": "100%", "maxUnavailable": "25%"}},
                "template": {
                    "metadata": {
                        "annotations": {
                            "istio.io/rev": settings.rev_label,
                            "prometheus.io/path": "/stats/prometheus",
                            "prometheus.io/port": "15020",
                            "prometheus.io/scrape": "true",
                            "sidecar.istio.io/inject": "false",
                        },
                        "labels": pod_labels,
                    },
                    "spec": {
                        "serviceAccountName": sa,
                        "containers": [proxy],
                        "securityContext": {
                            "runAsGroup": 1337,
                            "runAsNonRoot": True,
                            "runAsUser": 1337,
                        },
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
                "annotations": dict(service.get("annotations") or {}),
            },
            "spec": {
                "type": service_type,
                "ports": [dict(p) for p in ports],
                "selector": dict(selector_labels),
            },
        },
    ]
    if not out[2]["metadata"]["annotations"]:
        del out[2]["metadata"]["annotations"]
    return [stamp(obj, settings.owner_labels(component)) for obj in out]
