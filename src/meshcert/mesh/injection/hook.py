"""Sidecar injection as a mutating admission hook (the `sidecar-injector.istio.io` webhooks).

Rules (istio/istio pkg/kube/inject/webhook.go and inject.go; istio.io docs/setup/
additional-setup/sidecar-injection "Controlling the injection policy"):
- pods only, on CREATE only (existing pods keep what they have until re-created);
- the webhook chosen from the MutatingWebhookConfigurations in the cluster (selection.py);
- never in kube-system, kube-public, kube-node-lease, local-path-storage, nor for hostNetwork
  pods, nor twice (a pod already carrying `sidecar.istio.io/status`);
- `sidecar.istio.io/inject: "false"` as a label (the selectors) or an annotation skips;
- the webhook's istiod must answer: with no ready endpoint the call fails and, failurePolicy
  Fail, the pod is refused with the API server's `failed calling webhook` error.
"""

from __future__ import annotations

import json
from typing import Any

from meshcert.kube import errors
from meshcert.kube.admission import AdmissionRequest
from meshcert.kube.cluster import Cluster
from meshcert.mesh.controlplane.naming import injector_configmap_name

from .selection import Injector, choose_injector
from .template import STATUS, inject

Obj = dict[str, Any]

IGNORED_NAMESPACES = frozenset(
    {"kube-system", "kube-public", "kube-node-lease", "local-path-storage"}
)


class SidecarInjectorHook:
    name = "sidecar-injector.istio.io"

    def mutate(self, cluster: Cluster, request: AdmissionRequest) -> None:
        pod = request.object
        if pod is None or request.operation != "CREATE" or request.subresource:
            return
        if request.kind.group != "" or request.kind.kind != "Pod":
            return
        namespace = request.namespace or pod["metadata"].get("namespace", "default")
        if namespace in IGNORED_NAMESPACES:
            return
        ns_obj = cluster.find(cluster.kind("", "namespaces"), "", namespace)
        if ns_obj is None:
            return
        labels = dict(pod["metadata"].get("labels") or {})
        injector = choose_injector(cluster, ns_obj, labels)
        if injector is None:
            return
        _call(cluster, injector)
        if not injection_required(pod):
            return
        revision = injector_revision(cluster, injector)
        values = injector_values(cluster, injector.namespace, revision)
        globals_ = values.get("global") or {}
        inject(
            pod,
            revision=revision,
            cni=_cni_enabled(cluster, injector),
            proxy_resources=(globals_.get("proxy") or {}).get("resources") or None,
            hub=globals_.get("hub") or None,
            tag=str(globals_.get("tag") or "") or None,
        )


def injection_required(pod: Obj) -> bool:
    """What istiod checks once called (pkg/kube/inject/inject.go injectRequired)."""
    spec = pod.get("spec") or {}
    if spec.get("hostNetwork"):
        return False
    annotations = pod["metadata"].get("annotations") or {}
    if STATUS in annotations:
        return False
    if any(c.get("name") == "istio-proxy" for c in spec.get("containers") or []):
        return False
    return annotations.get("sidecar.istio.io/inject", "").lower() not in ("false", "n", "no", "off")


def _call(cluster: Cluster, injector: Injector) -> None:
    """Fail the way the API server does when the webhook's service cannot be reached."""
    svc = cluster.find(cluster.kind("", "services"), injector.namespace, injector.service)
    url = f"https://{injector.service}.{injector.namespace}.svc:443/inject?timeout=10s"
    if svc is None:
        reason = f'service "{injector.service}" not found'
    elif not _has_ready_endpoint(cluster, injector):
        reason = f'no endpoints available for service "{injector.service}"'
    else:
        return
    if injector.failure_policy == "Ignore":
        return
    raise errors.InternalError(
        f'Internal error occurred: failed calling webhook "{injector.webhook}": failed to call '
        f'webhook: Post "{url}": {reason}'
    )


def _has_ready_endpoint(cluster: Cluster, injector: Injector) -> bool:
    ep = cluster.find(cluster.kind("", "endpoints"), injector.namespace, injector.service)
    if ep is None:
        return False
    return any(subset.get("addresses") for subset in ep.get("subsets") or [])


def injector_revision(cluster: Cluster, injector: Injector) -> str:
    """The revision of the istiod that answers: its Deployment's `istio.io/rev` label."""
    dep = cluster.find(cluster.kind("apps", "deployments"), injector.namespace, injector.service)
    if dep is not None:
        rev = (dep["metadata"].get("labels") or {}).get("istio.io/rev")
        if rev:
            return str(rev)
    return injector.revision


def injector_values(cluster: Cluster, namespace: str, revision: str) -> dict[str, Any]:
    """The `values` of the revision's `istio-sidecar-injector` ConfigMap (hub, tag, proxy
    resources), as the injector reads them."""
    cm = cluster.find(cluster.kind("", "configmaps"), namespace, injector_configmap_name(revision))
    text = str(((cm or {}).get("data") or {}).get("values") or "")
    return _parse_values(text)


def _parse_values(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _cni_enabled(cluster: Cluster, injector: Injector) -> bool:
    ds = cluster.find(cluster.kind("apps", "daemonsets"), injector.namespace, "istio-cni-node")
    return ds is not None


def register(cluster: Cluster) -> None:
    """Injection runs before the built-in defaulting, so the containers it adds get defaults
    as a webhook's patch does."""
    cluster.mutating_hooks.insert(0, SidecarInjectorHook())
