"""The sidecar template: what istiod's injector adds to a pod.

Source: istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml
and pkg/kube/inject/inject.go (status annotation, canonical labels, default container).
"""

from __future__ import annotations

import json
from typing import Any

from meshcert.mesh.install.proxies import init_container, proxy_container, proxy_volumes

Obj = dict[str, Any]

STATUS = "sidecar.istio.io/status"


def canonical_name(pod: Obj, workload: str) -> str:
    labels = pod["metadata"].get("labels") or {}
    return str(
        labels.get("service.istio.io/canonical-name")
        or labels.get("app.kubernetes.io/name")
        or labels.get("app")
        or workload
    )


def canonical_revision(pod: Obj) -> str:
    labels = pod["metadata"].get("labels") or {}
    return str(
        labels.get("service.istio.io/canonical-revision")
        or labels.get("app.kubernetes.io/version")
        or labels.get("version")
        or "latest"
    )


def workload_of(pod: Obj) -> tuple[str, str]:
    """(workload name, ISTIO_META_OWNER) from the pod's controller, as the injector derives
    them: a ReplicaSet `web-5d9c8` owned by Deployment `web` gives `web`."""
    meta = pod["metadata"]
    ns = meta.get("namespace", "default")
    for ref in meta.get("ownerReferences") or []:
        kind, name = str(ref.get("kind")), str(ref.get("name"))
        if kind == "ReplicaSet":
            base = name.rsplit("-", 1)[0] if "-" in name else name
            return base, f"kubernetes://apis/apps/v1/namespaces/{ns}/deployments/{base}"
        if kind in ("DaemonSet", "StatefulSet"):
            return name, f"kubernetes://apis/apps/v1/namespaces/{ns}/{kind.lower()}s/{name}"
    name = str(meta.get("name") or meta.get("generateName") or "")
    return name, f"kubernetes://apis/v1/namespaces/{ns}/pods/{name}"


def inject(
    pod: Obj,
    *,
    revision: str,
    cni: bool,
    proxy_resources: Obj | None = None,
    hub: str | None = None,
    tag: str | None = None,
) -> None:
    """Add the sidecar to `pod` in place (image and resources from the injector's values)."""
    spec = pod.setdefault("spec", {})
    meta = pod["metadata"]
    app_containers = list(spec.get("containers") or [])
    workload, owner = workload_of(pod)
    pod_ports = [p for c in app_containers for p in (c.get("ports") or [])]
    extra_env: list[Obj] = [
        {
            "name": "ISTIO_META_POD_PORTS",
            "value": json.dumps(pod_ports, indent=1) if pod_ports else "[\n]",
        },
        {
            "name": "ISTIO_META_APP_CONTAINERS",
            "value": ",".join(str(c.get("name")) for c in app_containers),
        },
        {
            "name": "GOMEMLIMIT",
            "valueFrom": {"resourceFieldRef": {"divisor": "0", "resource": "limits.memory"}},
        },
        {
            "name": "GOMAXPROCS",
            "valueFrom": {"resourceFieldRef": {"divisor": "0", "resource": "limits.cpu"}},
        },
    ]
    proxy = proxy_container(
        role="sidecar",
        revision=revision,
        workload=workload,
        owner=owner,
        resources=proxy_resources,
        ports=[],
        extra_env=extra_env,
        hub=hub,
        tag=tag,
    )
    spec["containers"] = [*app_containers, proxy]
    inits: list[str] = []
    if not cni:
        init = init_container(resources=proxy_resources)
        init["image"] = proxy["image"]
        spec["initContainers"] = [
            *(spec.get("initContainers") or []),
            init,
        ]
        inits = ["istio-init"]
    volumes = proxy_volumes()
    existing = {v.get("name") for v in spec.get("volumes") or []}
    spec["volumes"] = [
        *(spec.get("volumes") or []),
        *(v for v in volumes if v["name"] not in existing),
    ]
    labels = meta.setdefault("labels", {})
    labels["security.istio.io/tlsMode"] = "istio"
    labels["service.istio.io/canonical-name"] = canonical_name(pod, workload)
    labels["service.istio.io/canonical-revision"] = canonical_revision(pod)
    labels["istio.io/rev"] = revision or "default"
    annotations = meta.setdefault("annotations", {})
    first = str(app_containers[0].get("name")) if app_containers else "istio-proxy"
    annotations.setdefault("kubectl.kubernetes.io/default-container", first)
    annotations.setdefault("kubectl.kubernetes.io/default-logs-container", first)
    annotations["istio.io/rev"] = revision or "default"
    annotations["prometheus.io/path"] = "/stats/prometheus"
    annotations["prometheus.io/port"] = "15020"
    annotations["prometheus.io/scrape"] = "true"
    annotations[STATUS] = json.dumps(
        {
            "initContainers": inits or None,
            "containers": ["istio-proxy"],
            "volumes": [v["name"] for v in volumes],
            "imagePullSecrets": None,
            "revision": revision or "default",
        },
        separators=(",", ":"),
    )
