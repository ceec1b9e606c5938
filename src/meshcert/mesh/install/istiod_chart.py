"""The istiod chart ("Istiod"): the discovery Deployment, Service and ServiceAccount of one
revision, its mesh config ConfigMap, the sidecar injector ConfigMap and the webhook
configurations (istio/istio manifests/charts/istio-control/istio-discovery/templates)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from meshcert.mesh.controlplane.naming import (
    injector_configmap_name,
    istiod_name,
    mesh_configmap_name,
)

from .coalescing import coalesce
from .istiod_values import istiod_values, value_at
from .operator import merge
from .settings import Settings, stamp
from .webhooks import (
    default_validator_configuration,
    injector_configuration,
    validator_configuration,
)

Obj = dict[str, Any]

ISTIOD_PORTS = [
    {"name": "grpc-xds", "port": 15010, "protocol": "TCP", "targetPort": 15010},
    {"name": "https-dns", "port": 15012, "protocol": "TCP", "targetPort": 15012},
    {"name": "https-webhook", "port": 443, "protocol": "TCP", "targetPort": 15017},
    {"name": "http-monitoring", "port": 15014, "protocol": "TCP", "targetPort": 15014},
]


def mesh_config(settings: Settings) -> Obj:
    """The mesh config istiod gets: the chart's defaults under the user's meshConfig."""
    discovery = f"{istiod_name(settings.revision)}.{settings.namespace}.svc:15012"
    base: Obj = {
        "defaultConfig": {"discoveryAddress": discovery},
        "defaultProviders": {"metrics": ["prometheus"]},
        "enablePrometheusMerge": True,
        "rootNamespace": settings.namespace,
        "trustDomain": "cluster.local",
    }
    values_mesh = settings.value("meshConfig") or {}
    merged = merge(merge(base, values_mesh), settings.spec.get("meshConfig") or {})
    return merged if isinstance(merged, dict) else base


def mesh_config_text(settings: Settings) -> str:
    return yaml.safe_dump(mesh_config(settings), default_flow_style=False, sort_keys=True)


def _labels(settings: Settings) -> dict[str, str]:
    return {
        "app": "istiod",
        "istio": "pilot",
        "istio.io/rev": settings.rev_label,
        "release": "istio",
    }


def render_istiod(settings: Settings, *, default: bool) -> list[Obj]:
    """Everything of the istiod chart for this revision; `default` adds the default-revision
    injection webhooks (the unrevisioned install, or the first install of a revision)."""
    owner = settings.owner_labels("Pilot")
    ns = settings.namespace
    name = istiod_name(settings.revision)
    labels = _labels(settings)
    pilot = settings.component("pilot")
    k8s = pilot.get("k8s") or {}
    values = istiod_values(settings)
    env: list[Obj] = [
        {"name": "REVISION", "value": settings.rev_label},
        {"name": "PILOT_CERT_PROVIDER", "value": "istiod"},
        {
            "name": "POD_NAME",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
        },
        {
            "name": "POD_NAMESPACE",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}},
        },
        {"name": "KUBECONFIG", "value": "/var/run/secrets/remote/config"},
        {"name": "CA_TRUSTED_NODE_ACCOUNTS", "value": f"{ns}/ztunnel"},
        {"name": "PILOT_TRACE_SAMPLING", "value": "1"},
        {"name": "PILOT_ENABLE_ANALYSIS", "value": "false"},
        {"name": "CLUSTER_ID", "value": "Kubernetes"},
        {"name": "PLATFORM", "value": ""},
    ]
    extra_env: list[Obj] = []
    pilot_env = value_at(values, "pilot.env")
    for key, value in (pilot_env if isinstance(pilot_env, dict) else {}).items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        extra_env.append({"name": str(key), "value": text})
    for item in k8s.get("env") or []:
        if isinstance(item, dict) and "name" in item:
            extra_env.append(item)
    for item in extra_env:
        env = [e for e in env if e["name"] != item["name"]]
        env.append(item)
    # values.pilot.resources coalesces into the chart's default as Helm does (a user's
    # `pilot.resources.limits.cpu` keeps the default requests); istioctl then applies
    # components.pilot.k8s.resources as a strategic merge patch, which merges the same way
    resources = coalesce(value_at(values, "pilot.resources") or {}, k8s.get("resources"))
    replicas = k8s.get("replicaCount", value_at(values, "pilot.replicaCount", 1))
    deployment: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {
                **labels,
                # the chart's own (istio-discovery/templates/deployment.yaml)
                "install.operator.istio.io/owning-resource": settings.owner or "unknown",
                "operator.istio.io/component": "Pilot",
            },
        },
        "spec": {
            "replicas": int(replicas),
            "selector": {"matchLabels": {"istio": "pilot", "istio.io/rev": settings.rev_label}},
            "strategy": {"rollingUpdate": {"maxSurge": "100%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {
                    "annotations": {
                        "prometheus.io/port": "15014",
                        "prometheus.io/scrape": "true",
                        "sidecar.istio.io/inject": "false",
                    },
                    "labels": {
                        **labels,
                        "sidecar.istio.io/inject": "false",
                        "operator.istio.io/component": "Pilot",
                    },
                },
                "spec": {
                    "serviceAccountName": name,
                    "containers": [
                        {
                            "name": "discovery",
                            "image": f"{settings.hub}/pilot:{settings.tag}",
                            "args": [
                                "discovery",
                                "--monitoringAddr=:15014",
                                "--log_output_level=default:info",
                                "--domain",
                                "cluster.local",
                                "--keepaliveMaxServerConnectionAge",
                                "30m",
                            ],
                            "env": env,
                            "ports": [
                                {"containerPort": 8080, "name": "http-debug", "protocol": "TCP"},
                                {"containerPort": 15010, "name": "grpc-xds", "protocol": "TCP"},
                                {"containerPort": 15012, "name": "tls-xds", "protocol": "TCP"},
                                {
                                    "containerPort": 15017,
                                    "name": "https-webhooks",
                                    "protocol": "TCP",
                                },
                                {
                                    "containerPort": 15014,
                                    "name": "http-monitoring",
                                    "protocol": "TCP",
                                },
                            ],
                            "readinessProbe": {
                                "httpGet": {"path": "/ready", "port": 8080},
                                "initialDelaySeconds": 1,
                                "periodSeconds": 3,
                                "timeoutSeconds": 5,
                            },
                            "resources": resources,
                            "securityContext": {
                                "allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]},
                                "readOnlyRootFilesystem": True,
                                "runAsNonRoot": True,
                            },
                        }
                    ],
                },
            },
        },
    }
    injector_values = {
        "global": {
            "hub": settings.hub,
            "tag": settings.tag,
            "istioNamespace": ns,
            "proxy": value_at(values, "global.proxy") or {},
        },
        "revision": settings.revision,
        "sidecarInjectorWebhook": value_at(values, "sidecarInjectorWebhook") or {},
        "istio_cni": {"enabled": settings.cni_enabled},
    }
    out = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": {"app": "istiod", "release": "istio"},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": mesh_configmap_name(settings.revision),
                "namespace": ns,
                "labels": {"istio.io/rev": settings.rev_label, "release": "istio"},
            },
            "data": {"mesh": mesh_config_text(settings), "meshNetworks": "networks: {}"},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": injector_configmap_name(settings.revision),
                "namespace": ns,
                "labels": {"istio.io/rev": settings.rev_label, "release": "istio"},
            },
            "data": {
                "values": json.dumps(injector_values, sort_keys=True),
                "config": "defaultTemplates: [sidecar]\npolicy: enabled\ntemplates:\n  sidecar: |\n"
                "    # the lab renders the sidecar template in meshcert.mesh.injection\n",
            },
        },
        deployment,
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": dict(labels)},
            "spec": {
                "type": "ClusterIP",
                "ports": [dict(p) for p in ISTIOD_PORTS],
                "selector": {"app": "istiod", "istio.io/rev": settings.rev_label},
            },
        },
        injector_configuration(settings.revision, {}, default=default),
        validator_configuration(settings.revision, {}),
        *([default_validator_configuration(settings.revision)] if default else []),
    ]
    return [stamp(obj, owner) for obj in out]
