"""The ambient data plane: the istio-cni node agent and ztunnel, one pod per node
(istio/istio manifests/charts/istio-cni and manifests/charts/ztunnel)."""

from __future__ import annotations

from typing import Any

from .settings import Settings, stamp

Obj = dict[str, Any]


def _daemonset(name: str, ns: str, labels: dict[str, str], container: Obj, sa: str) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": ns, "labels": dict(labels)},
        "spec": {
            "selector": {
                "matchLabels": {k: v for k, v in labels.items() if k in ("app", "k8s-app")}
            },
            "updateStrategy": {
                "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
                "type": "RollingUpdate",
            },
            "template": {
                "metadata": {
                    "annotations": {"sidecar.istio.io/inject": "false"},
                    "labels": {**labels, "sidecar.istio.io/inject": "false"},
                },
                "spec": {
                    "serviceAccountName": sa,
                    "containers": [container],
                    "tolerations": [{"operator": "Exists", "effect": "NoSchedule"}],
                },
            },
        },
    }


def render_cni(settings: Settings) -> list[Obj]:
    ns = settings.namespace
    labels = {
        "k8s-app": "istio-cni-node",
        "app.kubernetes.io/name": "istio-cni",
        "istio.io/rev": settings.rev_label,
    }
    ambient = bool(settings.value("cni.ambient.enabled")) or settings.profile == "ambient"
    container = {
        "name": "install-cni",
        "image": f"{settings.hub}/install-cni:{settings.tag}",
        "args": ["--log_output_level=info"],
        "ports": [{"containerPort": 15014, "name": "metrics", "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8000}},
        "securityContext": {"privileged": True, "runAsGroup": 0, "runAsUser": 0},
    }
    out = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "istio-cni", "namespace": ns, "labels": dict(labels)},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "istio-cni-config", "namespace": ns, "labels": dict(labels)},
            "data": {
                "AMBIENT_ENABLED": "true" if ambient else "false",
                "CHAINED_CNI_PLUGIN": "true",
                "CNI_NET_DIR": "/etc/cni/net.d",
                "EXCLUDE_NAMESPACES": ns + ",kube-system",
                "REPAIR_ENABLED": "true",
            },
        },
        _daemonset("istio-cni-node", ns, labels, container, "istio-cni"),
    ]
    return [stamp(o, settings.owner_labels("Cni")) for o in out]


def render_ztunnel(settings: Settings) -> list[Obj]:
    ns = settings.namespace
    labels = {
        "app": "ztunnel",
        "app.kubernetes.io/name": "ztunnel",
        "istio.io/rev": settings.rev_label,
    }
    container = {
        "name": "istio-proxy",
        "image": f"{settings.hub}/ztunnel:{settings.tag}",
        "args": ["proxy", "ztunnel"],
        "env": [
            {"name": "CA_ADDRESS", "value": f"istiod{settings.suffix}.{ns}.svc:15012"},
            {"name": "XDS_ADDRESS", "value": f"istiod{settings.suffix}.{ns}.svc:15012"},
            {"name": "ISTIO_META_ENABLE_HBONE", "value": "true"},
        ],
        "ports": [{"containerPort": 15020, "name": "ztunnel-stats", "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021}},
        "resources": {"requests": {"cpu": "200m", "memory": "512Mi"}},
    }
    out = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "ztunnel", "namespace": ns, "labels": dict(labels)},
        },
        _daemonset("ztunnel", ns, labels, container, "ztunnel"),
    ]
    return [stamp(o, settings.owner_labels("Ztunnel")) for o in out]
