"""How Istio names a revision's objects, and which revision serves a proxy.

Source: istio/istio manifests/charts/istio-control/istio-discovery/templates (deployment.yaml,
configmap.yaml, mutatingwebhook.yaml): the unrevisioned install is revision "default" and
its objects carry no suffix; revision R appends `-R`.
"""

from __future__ import annotations

import json
from typing import Any

ISTIO_NAMESPACE = "istio-system"
DEFAULT_REVISION = "default"
REV_LABEL = "istio.io/rev"
STATUS_ANNOTATION = "sidecar.istio.io/status"
TAG_LABEL = "istio.io/tag"

Obj = dict[str, Any]


def _suffix(revision: str) -> str:
    return "" if revision in ("", DEFAULT_REVISION) else f"-{revision}"


def istiod_name(revision: str) -> str:
    """`istiod` or `istiod-<rev>` (Deployment, Service, ServiceAccount share it)."""
    return f"istiod{_suffix(revision)}"


def mesh_configmap_name(revision: str) -> str:
    """`istio` or `istio-<rev>`: the ConfigMap whose `mesh` key is the mesh config."""
    return f"istio{_suffix(revision)}"


def injector_configmap_name(revision: str) -> str:
    """`istio-sidecar-injector` or `istio-sidecar-injector-<rev>` (ConfigMap and webhook)."""
    return f"istio-sidecar-injector{_suffix(revision)}"


def injector_webhook_name(revision: str) -> str:
    """The MutatingWebhookConfiguration of a revision."""
    return injector_configmap_name(revision)


def tag_webhook_name(tag: str) -> str:
    """The MutatingWebhookConfiguration `istioctl tag set <tag>` creates."""
    return f"istio-revision-tag-{tag}"


def validator_webhook_name(revision: str) -> str:
    """`istio-validator-istio-system` or `istio-validator-<rev>-istio-system`."""
    return f"istio-validator{_suffix(revision)}-{ISTIO_NAMESPACE}"


def revision_label(revision: str) -> str:
    """The `istio.io/rev` value of a revision's objects (`default` for the unrevisioned)."""
    return revision or DEFAULT_REVISION


def has_sidecar(pod: Obj) -> bool:
    """Whether the pod runs an injected istio-proxy container."""
    for container in (pod.get("spec") or {}).get("containers") or []:
        if container.get("name") == "istio-proxy":
            return True
    return False


def revision_of_proxy(pod: Obj) -> str:
    """The revision whose istiod serves this pod's proxy: label `istio.io/rev`, else the
    `revision` recorded in `sidecar.istio.io/status`, else "default"."""
    meta = pod.get("metadata") or {}
    label = (meta.get("labels") or {}).get(REV_LABEL)
    if label:
        return str(label)
    status = (meta.get("annotations") or {}).get(STATUS_ANNOTATION)
    if status:
        try:
            found = json.loads(status).get("revision")
        except (ValueError, AttributeError):
            found = None
        if found:
            return str(found)
    return DEFAULT_REVISION
