"""Istio's Helm charts (repository https://istio-release.storage.googleapis.com/charts) as
renderings of `meshcert.mesh.install`: `base`, `istiod`, `gateway`, `cni` and `ztunnel`, with
the values that matter (istio.io docs/setup/install/helm and each chart's values.yaml):
`revision`, `defaultRevision`, `meshConfig`, `profile`, `global.hub|tag`, `pilot.env`,
`pilot.resources`, `pilot.replicaCount`, `service.type` (gateway), `replicaCount`, `labels`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from meshcert.kube.kinds import KindRegistry
from meshcert.mesh.install import ISTIO_VERSION, profile_spec
from meshcert.mesh.install.ambient_charts import render_cni, render_ztunnel
from meshcert.mesh.install.base_chart import render_base
from meshcert.mesh.install.gateway_chart import render_gateway
from meshcert.mesh.install.istiod_chart import render_istiod
from meshcert.mesh.install.operator import merge
from meshcert.mesh.install.settings import Settings

Obj = dict[str, Any]
Values = dict[str, Any]
REPO_URL = "https://istio-release.storage.googleapis.com/charts"


@dataclass(frozen=True)
class Chart:
    name: str
    description: str
    render: Callable[[str, str, Values, KindRegistry], list[Obj]]
    notes: Callable[[str, str, Values], str]


def _spec(values: Values, namespace: str) -> Obj:
    """An IstioOperator-like spec for the install renderer from chart values."""
    profile = str(values.get("profile") or "")
    spec: Obj = {"values": {}, "meshConfig": {}, "components": {}}
    if profile in ("demo", "ambient", "preview"):
        base = profile_spec(profile)
        spec["meshConfig"] = base.get("meshConfig") or {}
    spec["values"] = {k: v for k, v in values.items() if k not in ("meshConfig",)}
    spec["meshConfig"] = merge(spec["meshConfig"], values.get("meshConfig") or {})
    spec["namespace"] = namespace
    if values.get("revision"):
        spec["revision"] = values["revision"]
    if profile:
        spec["profile"] = profile
    pilot = values.get("pilot") or {}
    k8s: Obj = {}
    if pilot.get("replicaCount") is not None:
        k8s["replicaCount"] = pilot["replicaCount"]
    spec["components"]["pilot"] = {"enabled": True, "k8s": k8s}
    return spec


def _helm_stamp(objs: list[Obj], release: str, namespace: str, chart: str) -> list[Obj]:
    for obj in objs:
        meta = obj.setdefault("metadata", {})
        meta["labels"] = {
            **(meta.get("labels") or {}),
            "app.kubernetes.io/managed-by": "Helm",
            "helm.sh/chart": f"{chart}-{ISTIO_VERSION}",
        }
        meta["annotations"] = {
            **(meta.get("annotations") or {}),
            "meta.helm.sh/release-name": release,
            "meta.helm.sh/release-namespace": namespace,
        }
    return objs


def render_base_chart(release: str, ns: str, values: Values, registry: KindRegistry) -> list[Obj]:
    settings = Settings(_spec(values, ns), "helm")
    return _helm_stamp(render_base(settings, registry), release, ns, "base")


def render_istiod_chart(release: str, ns: str, values: Values, registry: KindRegistry) -> list[Obj]:
    settings = Settings(_spec(values, ns), "helm")
    objs = render_istiod(settings, default=not settings.revision)
    return _helm_stamp(objs, release, ns, "istiod")


def render_gateway_chart(
    release: str, ns: str, values: Values, registry: KindRegistry
) -> list[Obj]:
    service = values.get("service") or {}
    ports = service.get("ports") or [
        {"name": "status-port", "port": 15021, "protocol": "TCP", "targetPort": 15021},
        {"name": "http2", "port": 80, "protocol": "TCP", "targetPort": 80},
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443},
    ]
    labels = {
        "app": release,
        "istio": release.removeprefix("istio-"),
        **(values.get("labels") or {}),
    }
    gateway = {
        "name": release,
        "namespace": ns,
        "label": labels,
        "k8s": {
            "service": {"type": service.get("type") or "LoadBalancer", "ports": ports},
            "replicaCount": values.get("replicaCount", 1),
            **({"resources": values["resources"]} if values.get("resources") else {}),
        },
    }
    settings = Settings(_spec(values, ns), "helm")
    objs = render_gateway(settings, gateway, ingress=True)
    for obj in objs:
        if obj["kind"] == "ServiceAccount":
            obj["metadata"]["name"] = release
        if obj["kind"] == "Deployment":
            obj["spec"]["template"]["spec"]["serviceAccountName"] = release
    return _helm_stamp(objs, release, ns, "gateway")


def render_cni_chart(release: str, ns: str, values: Values, registry: KindRegistry) -> list[Obj]:
    settings = Settings(_spec(values, ns), "helm")
    return _helm_stamp(render_cni(settings), release, ns, "cni")


def render_ztunnel_chart(
    release: str, ns: str, values: Values, registry: KindRegistry
) -> list[Obj]:
    settings = Settings(_spec(values, ns), "helm")
    return _helm_stamp(render_ztunnel(settings), release, ns, "ztunnel")


def _istiod_notes(release: str, ns: str, values: Values) -> str:
    revision = values.get("revision") or ""
    name = f"istiod-{revision}" if revision else "istiod"
    return (
        f'"{name}" successfully installed!\n\n'
        "To learn more about the release, try:\n"
        f"  $ helm status {release} -n {ns}\n"
        f"  $ helm get all {release} -n {ns}\n\n"
        "Next steps:\n"
        "  * Deploy a Gateway: https://istio.io/latest/docs/setup/additional-setup/gateway/\n"
        "  * Try out our tasks to get started on common configurations:\n"
        "    * https://istio.io/latest/docs/tasks/traffic-management\n"
        "    * https://istio.io/latest/docs/tasks/security/\n"
        "    * https://istio.io/latest/docs/tasks/policy-enforcement/\n"
        "  * Review the list of actively supported releases, CVE publications and our hardening "
        "guide:\n"
        "    * https://istio.io/latest/docs/releases/supported-releases/\n"
        "    * https://istio.io/latest/news/security/\n"
        "    * https://istio.io/latest/docs/ops/best-practices/security/\n"
    )


def _simple_notes(what: str) -> Callable[[str, str, Values], str]:
    def notes(release: str, ns: str, values: Values) -> str:
        return (
            f'"{release}" successfully installed!\n\n'
            "To learn more about the release, try:\n"
            f"  $ helm status {release} -n {ns}\n"
            f"  $ helm get all {release} -n {ns}\n"
        )

    return notes


CHARTS: dict[str, Chart] = {
    "base": Chart(
        "base",
        "Helm chart for deploying Istio cluster resources and CRDs",
        render_base_chart,
        _simple_notes("base"),
    ),
    "istiod": Chart(
        "istiod", "Helm chart for istio control plane", render_istiod_chart, _istiod_notes
    ),
    "gateway": Chart(
        "gateway",
        "Helm chart for deploying Istio gateways",
        render_gateway_chart,
        _simple_notes("gateway"),
    ),
    "cni": Chart(
        "cni", "Helm chart for istio-cni components", render_cni_chart, _simple_notes("cni")
    ),
    "ztunnel": Chart(
        "ztunnel",
        "Helm chart for istio ztunnel components",
        render_ztunnel_chart,
        _simple_notes("ztunnel"),
    ),
}
