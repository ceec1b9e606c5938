"""Ambient enrolment as the istio-cni node agent does it: a pod in a namespace labelled
`istio.io/dataplane-mode=ambient` (or labelled so itself), with no sidecar, not opted out with
`istio.io/dataplane-mode=none`, gets the annotation `ambient.istio.io/redirection: enabled`
while istio-cni runs; it loses it when unenrolled (istio/istio cni/pkg/nodeagent;
istio.io docs/ambient/usage/add-workloads)."""

from __future__ import annotations

import copy
from typing import Any

from meshcert.kube.cluster import Cluster

from .naming import ISTIO_NAMESPACE, has_sidecar

Obj = dict[str, Any]
MODE = "istio.io/dataplane-mode"
REDIRECTION = "ambient.istio.io/redirection"


def cni_running(cluster: Cluster) -> bool:
    return (
        cluster.find(cluster.kind("apps", "daemonsets"), ISTIO_NAMESPACE, "istio-cni-node")
        is not None
    )


def enrolled(namespace: Obj | None, pod: Obj) -> bool:
    labels = pod["metadata"].get("labels") or {}
    mode = labels.get(MODE)
    if mode is None and namespace is not None:
        mode = (namespace["metadata"].get("labels") or {}).get(MODE)
    if mode != "ambient" or has_sidecar(pod):
        return False
    return not (pod.get("spec") or {}).get("hostNetwork")


def sync_pod(cluster: Cluster, pod: Obj, namespace: Obj | None, cni: bool) -> None:
    meta = pod["metadata"]
    if meta.get("namespace") in (ISTIO_NAMESPACE, "kube-system"):
        return
    want = cni and enrolled(namespace, pod)
    has = (meta.get("annotations") or {}).get(REDIRECTION) == "enabled"
    if want == has:
        return
    updated = copy.deepcopy(pod)
    annotations = updated["metadata"].setdefault("annotations", {})
    if want:
        annotations[REDIRECTION] = "enabled"
    else:
        annotations.pop(REDIRECTION, None)
    cluster.update(cluster.kind("", "pods"), updated, meta["namespace"])


def sync_namespace(cluster: Cluster, namespace: str) -> None:
    ns_obj = cluster.find(cluster.kind("", "namespaces"), "", namespace)
    cni = cni_running(cluster)
    for pod in cluster.list(cluster.kind("", "pods"), namespace):
        sync_pod(cluster, pod, ns_obj, cni)
