"""Which injector a new pod goes to, decided by the MutatingWebhookConfigurations that exist.

The API server calls every matching webhook of every configuration, configurations in name
order; the first sidecar injector that matches injects and the next ones find the pod already
injected. So the answer is the first matching webhook. A webhook matches a pod CREATE when its
rules cover pods, its namespaceSelector matches the namespace's labels and its objectSelector
the pod's labels (Kubernetes docs reference/access-authn-authz/extensible-admission-controllers,
"Matching requests"). The selectors are Istio's (see meshcert.mesh.install.webhooks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meshcert.kube.cluster import Cluster
from meshcert.kube.errors import KubeError
from meshcert.kube.selectors import selector_from_dict

Obj = dict[str, Any]
INJECTOR_SUFFIX = "sidecar-injector.istio.io"


@dataclass(frozen=True)
class Injector:
    """A matching injection webhook: its name and the istiod Service that serves it."""

    webhook: str
    configuration: str
    service: str
    namespace: str
    revision: str  # the revision label of the configuration (a tag's target revision)
    failure_policy: str


def _covers_pod_create(hook: Obj) -> bool:
    for rule in hook.get("rules") or []:
        ops = rule.get("operations") or []
        resources = rule.get("resources") or []
        groups = rule.get("apiGroups") or []
        op_ok = "CREATE" in ops or "*" in ops
        if op_ok and ("pods" in resources or "*" in resources) and ("" in groups or "*" in groups):
            return True
    return False


def _matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    try:
        return selector_from_dict(selector).matches(labels)
    except KubeError:
        return False


def choose_injector(
    cluster: Cluster, namespace: Obj, pod_labels: dict[str, str]
) -> Injector | None:
    """The injection webhook the API server would call first for this pod, if any."""
    kind = cluster.kind("admissionregistration.k8s.io", "mutatingwebhookconfigurations")
    ns_labels = dict((namespace.get("metadata") or {}).get("labels") or {})
    for configuration in cluster.list(kind):
        meta = configuration["metadata"]
        for hook in configuration.get("webhooks") or []:
            name = str(hook.get("name", ""))
            if not name.endswith(INJECTOR_SUFFIX) or not _covers_pod_create(hook):
                continue
            if not _matches(hook.get("namespaceSelector"), ns_labels):
                continue
            if not _matches(hook.get("objectSelector"), pod_labels):
                continue
            service = ((hook.get("clientConfig") or {}).get("service")) or {}
            return Injector(
                webhook=name,
                configuration=str(meta["name"]),
                service=str(service.get("name", "istiod")),
                namespace=str(service.get("namespace", "istio-system")),
                revision=str((meta.get("labels") or {}).get("istio.io/rev") or "default"),
                failure_policy=str(hook.get("failurePolicy") or "Fail"),
            )
    return None
