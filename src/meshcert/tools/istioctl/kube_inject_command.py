"""`istioctl kube-inject -f FILE`: the sidecar added to the pod templates of a manifest, as the
injection webhook would add it, printed for `kubectl apply -f -` (istio.io
docs/setup/additional-setup/sidecar-injection "Manual sidecar injection"; the security pages
run `kubectl apply -f <(istioctl kube-inject -f samples/curl/curl.yaml)`).

The injection template and values come from the cluster's `istio-sidecar-injector[-<rev>]`
ConfigMap, as `istioctl kube-inject` reads them by default; without one the command fails as
the real one does. Output is the manifest's documents as YAML, `---` between them.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from meshcert.mesh.controlplane import ISTIO_NAMESPACE, installed_revisions
from meshcert.mesh.controlplane.naming import injector_configmap_name
from meshcert.mesh.injection.hook import injection_required, injector_values
from meshcert.mesh.injection.template import inject

from .commands import Command, Flag, Invocation, UsageError

Obj = dict[str, Any]
TEMPLATED = {"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job",
             "ReplicationController"}  # fmt: skip


def _revision(inv: Invocation) -> str:
    wanted = str(inv.flag("revision") or "")
    if wanted:
        return wanted
    revisions = installed_revisions(inv.cluster)
    if "default" in revisions or not revisions:
        return "default"
    return revisions[0] if len(revisions) == 1 else "default"


def _inject_pod(pod: Obj, revision: str, values: Obj) -> None:
    if not injection_required(pod):
        return
    globals_ = values.get("global") or {}
    inject(
        pod,
        revision=revision,
        cni=False,
        proxy_resources=(globals_.get("proxy") or {}).get("resources") or None,
        hub=globals_.get("hub") or None,
        tag=str(globals_.get("tag") or "") or None,
    )


def _inject_document(doc: Obj, revision: str, values: Obj) -> Obj:
    kind = str(doc.get("kind", ""))
    if kind == "Pod":
        _inject_pod(doc, revision, values)
    elif kind in TEMPLATED or kind == "CronJob":
        spec = doc.setdefault("spec", {})
        if kind == "CronJob":
            spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
        template = spec.setdefault("template", {})
        meta = template.setdefault("metadata", {})
        name = str((doc.get("metadata") or {}).get("name", ""))
        namespace = str((doc.get("metadata") or {}).get("namespace") or "default")
        # the pod the template will make, with the owner the injector names the workload by
        owner = {"Deployment": ("ReplicaSet", f"{name}-0"), "DaemonSet": ("DaemonSet", name),
                 "StatefulSet": ("StatefulSet", name)}.get(kind)  # fmt: skip
        pod_meta = {**meta, "name": name, "namespace": namespace}
        if owner is not None:
            pod_meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1]}]
        pod = {"metadata": pod_meta, "spec": template.setdefault("spec", {})}
        _inject_pod(pod, revision, values)
        for key in ("name", "namespace", "ownerReferences"):
            pod_meta.pop(key, None)
        template["metadata"] = {**pod_meta, "creationTimestamp": None}
    elif kind == "List":
        doc["items"] = [_inject_document(i, revision, values) for i in doc.get("items") or []]
    return doc


def run_kube_inject(inv: Invocation) -> int:
    filename = inv.flag("filename")
    if not filename:
        raise UsageError("filename not specified (see --filename or -f)")
    revision = _revision(inv)
    cm_name = injector_configmap_name(revision)
    cluster = inv.cluster
    with cluster.lock:
        cm = cluster.find(cluster.kind("", "configmaps"), ISTIO_NAMESPACE, cm_name)
        values = injector_values(cluster, ISTIO_NAMESPACE, revision)
    if cm is None:
        raise UsageError(f'failed to get injection config: configmaps "{cm_name}" not found')
    text = inv.read_file(str(filename)).decode("utf-8", "replace")
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise UsageError(f"error converting YAML to JSON: {exc}") from exc
    out = [
        _inject_document(copy.deepcopy(d), revision, values) for d in docs if isinstance(d, dict)
    ]
    rendered = "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in out)
    target = inv.flag("output")
    if target:
        raise UsageError("writing to a file (-o) is not supported in the lab: redirect stdout")
    inv.out(rendered)
    return 0


def add_kube_inject_command(root: Command) -> None:
    root.add(
        Command(
            "kube-inject",
            "Inject Istio sidecar into Kubernetes pod resources",
            run_kube_inject,
            (
                Flag("filename", "f", help="Input Kubernetes resource filename"),
                Flag("output", "o", help="Modified output Kubernetes resource filename"),
                Flag("revision", "r", help="Control plane revision"),
                Flag(
                    "meshConfigMapName",
                    default="istio",
                    help="ConfigMap name for Istio mesh configuration",
                ),
                Flag(
                    "injectConfigMapName",
                    default="istio-sidecar-injector",
                    help="ConfigMap name for Istio sidecar injection",
                ),
            ),
            max_args=0,
        )
    )


__all__ = ["add_kube_inject_command", "run_kube_inject"]
