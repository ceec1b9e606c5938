"""The istio-proxy container and its volumes, as the injection template and the gateway
charts write them (istio/istio manifests/charts/istio-control/istio-discovery/files/
injection-template.yaml and gateway-injection-template.yaml)."""

from __future__ import annotations

from typing import Any

from .versions import ISTIO_VERSION, image

Obj = dict[str, Any]

DEFAULT_PROXY_RESOURCES: Obj = {
    "limits": {"cpu": "2", "memory": "1Gi"},
    "requests": {"cpu": "100m", "memory": "128Mi"},
}
ENVOY_PROM_PORT = {"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}


def field_env(name: str, path: str) -> Obj:
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}


def proxy_env(
    *, revision: str, workload: str, owner: str, extra: list[Obj] | None = None
) -> list[Obj]:
    discovery = "istiod" if revision in ("", "default") else f"istiod-{revision}"
    env = [
        {"name": "PILOT_CERT_PROVIDER", "value": "istiod"},
        {"name": "CA_ADDR", "value": f"{discovery}.istio-system.svc:15012"},
        field_env("POD_NAME", "metadata.name"),
        field_env("POD_NAMESPACE", "metadata.namespace"),
        field_env("INSTANCE_IP", "status.podIP"),
        field_env("SERVICE_ACCOUNT", "spec.serviceAccountName"),
        field_env("HOST_IP", "status.hostIP"),
        {
            "name": "ISTIO_CPU_LIMIT",
            "valueFrom": {"resourceFieldRef": {"divisor": "0", "resource": "limits.cpu"}},
        },
        {"name": "PROXY_CONFIG", "value": "{}\n"},
        *(extra or []),
        {"name": "ISTIO_META_CLUSTER_ID", "value": "Kubernetes"},
        field_env("ISTIO_META_NODE_NAME", "spec.nodeName"),
        {"name": "ISTIO_META_INTERCEPTION_MODE", "value": "REDIRECT"},
        {"name": "ISTIO_META_WORKLOAD_NAME", "value": workload},
        {"name": "ISTIO_META_OWNER", "value": owner},
        {"name": "ISTIO_META_MESH_ID", "value": "cluster.local"},
        {"name": "TRUST_DOMAIN", "value": "cluster.local"},
    ]
    return env


def proxy_container(
    *,
    role: str,
    revision: str,
    workload: str,
    owner: str,
    resources: Obj | None = None,
    ports: list[Obj] | None = None,
    extra_env: list[Obj] | None = None,
    hub: str | None = None,
    tag: str | None = None,
) -> Obj:
    """The istio-proxy container: `role` is `sidecar` or `router` (gateways)."""
    return {
        "name": "istio-proxy",
        "image": image("proxyv2", hub or "docker.io/istio", tag or ISTIO_VERSION),
        "args": [
            "proxy",
            role,
            "--domain",
            "$(POD_NAMESPACE).svc.cluster.local",
            "--proxyLogLevel=warning",
            "--proxyComponentLogLevel=misc:error",
            "--log_output_level=default:info",
        ],
        "env": proxy_env(revision=revision, workload=workload, owner=owner, extra=extra_env),
        "ports": [*(ports or []), dict(ENVOY_PROM_PORT)],
        "readinessProbe": {
            "failureThreshold": 4,
            "httpGet": {"path": "/healthz/ready", "port": 15021, "scheme": "HTTP"},
            "periodSeconds": 15,
            "successThreshold": 1,
            "timeoutSeconds": 3,
        },
        "resources": resources or DEFAULT_PROXY_RESOURCES,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsGroup": 1337,
            "runAsNonRoot": True,
            "runAsUser": 1337,
        },
        "volumeMounts": [
            {"mountPath": "/var/run/secrets/workload-spiffe-uds", "name": "workload-socket"},
            {"mountPath": "/var/run/secrets/credential-uds", "name": "credential-socket"},
            {"mountPath": "/var/run/secrets/workload-spiffe-credentials", "name": "workload-certs"},
            {"mountPath": "/var/run/secrets/istio", "name": "istiod-ca-cert"},
            {"mountPath": "/var/lib/istio/data", "name": "istio-data"},
            {"mountPath": "/etc/istio/proxy", "name": "istio-envoy"},
            {"mountPath": "/var/run/secrets/tokens", "name": "istio-token"},
            {"mountPath": "/etc/istio/pod", "name": "istio-podinfo"},
        ],
    }


def init_container(
    *, resources: Obj | None = None, excluded_ports: str = "15090,15021,15020"
) -> Obj:
    """istio-init: sets up the iptables redirection (not used with the CNI plugin)."""
    return {
        "name": "istio-init",
        "image": image("proxyv2"),
        "args": [
            "istio-iptables",
            "-p",
            "15001",
            "-z",
            "15006",
            "-u",
            "1337",
            "-m",
            "REDIRECT",
            "-i",
            "*",
            "-x",
            "",
            "-b",
            "*",
            "-d",
            excluded_ports,
            "--log_output_level=default:info",
        ],
        "resources": resources or DEFAULT_PROXY_RESOURCES,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": False,
            "runAsGroup": 0,
            "runAsNonRoot": False,
            "runAsUser": 0,
        },
    }


def proxy_volumes() -> list[Obj]:
    return [
        {"emptyDir": {}, "name": "workload-socket"},
        {"emptyDir": {}, "name": "credential-socket"},
        {"emptyDir": {}, "name": "workload-certs"},
        {"emptyDir": {"medium": "Memory"}, "name": "istio-envoy"},
        {"emptyDir": {}, "name": "istio-data"},
        {
            "downwardAPI": {
                "items": [
                    {"fieldRef": {"fieldPath": "metadata.labels"}, "path": "labels"},
                    {"fieldRef": {"fieldPath": "metadata.annotations"}, "path": "annotations"},
                ]
            },
            "name": "istio-podinfo",
        },
        {
            "name": "istio-token",
            "projected": {
                "sources": [
                    {
                        "serviceAccountToken": {
                            "audience": "istio-ca",
                            "expirationSeconds": 43200,
                            "path": "istio-token",
                        }
                    }
                ]
            },
        },
        {"configMap": {"name": "istio-ca-root-cert"}, "name": "istiod-ca-cert"},
    ]
