"""Test clusters for the data path: namespaces, sample Deployments and Services written here (the
installer may not exist yet), pods with an `istio-proxy` container counting as injected, and
`curl` run in a pod through the exec program registry."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from meshcert.kube.cluster import Cluster, new_cluster
from meshcert.kube.execution import ExecResult, run_exec
from meshcert.tools.equipment import equip

Obj = dict[str, Any]
PROXY = {"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.26.0",
         "args": ["proxy", "sidecar"]}  # fmt: skip


def lab(seed: int = 0, namespaces: tuple[str, ...] = ("default",)) -> Cluster:
    """An equipped cluster with one node and `namespaces`, time scale 0."""
    from meshcert.kube.controllers.nodes import node_manifest

    cluster = new_cluster()
    equip(cluster)
    cluster.extensions["mesh.time_scale"] = 0.0
    cluster.extensions["mesh.seed"] = seed
    for name in {"default", "kube-system", "istio-system", *namespaces}:
        cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": name}})
    cluster.create(cluster.kind("", "nodes"), node_manifest("meshcert-control-plane"))
    return cluster


def apply(cluster: Cluster, text: str, namespace: str = "default") -> None:
    for doc in yaml.safe_load_all(text):
        if not doc:
            continue
        kind = cluster.kind_of(doc)
        ns = (doc.get("metadata") or {}).get("namespace") or namespace
        cluster.create(kind, doc, ns if kind.namespaced else "")


def deployment(
    name: str,
    image: str,
    *,
    labels: dict[str, str] | None = None,
    port: int | None = None,
    sidecar: bool = True,
    env: dict[str, str] | None = None,
    command: list[str] | None = None,
    args: list[str] | None = None,
    replicas: int = 1,
) -> Obj:
    labels = labels or {"app": name}
    container: Obj = {"name": name.split("-")[0], "image": image}
    if port is not None:
        container["ports"] = [{"containerPort": port}]
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env.items()]
    if command:
        container["command"] = command
    if args:
        container["args"] = args
    containers = [container]
    pod_labels = dict(labels)
    if sidecar:
        containers.append(copy.deepcopy(PROXY))
        pod_labels["security.istio.io/tlsMode"] = "istio"
        pod_labels.setdefault("service.istio.io/canonical-name", labels.get("app", name))
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": pod_labels}, "spec": {"containers": containers}},
        },
    }


def service(name: str, port: int, target: int | None = None, selector: dict[str, str] | None = None,
            port_name: str = "http") -> Obj:  # fmt: skip
    entry: Obj = {"name": port_name, "port": port}
    if target is not None:
        entry["targetPort"] = target
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"app": name, "service": name}},
        "spec": {"ports": [entry], "selector": selector or {"app": name}},
    }


def create(cluster: Cluster, obj: Obj, namespace: str = "default") -> None:
    kind = cluster.kind_of(obj)
    cluster.create(kind, copy.deepcopy(obj), namespace if kind.namespaced else "")


def httpbin(cluster: Cluster, namespace: str = "default", *, sidecar: bool = True,
            version: str = "v1", name: str = "httpbin", with_service: bool = True,
            access_log: bool = False) -> None:  # fmt: skip
    command = ["gunicorn", "--access-logfile", "-", "-b", "0.0.0.0:80", "httpbin:app"]
    create(cluster, deployment(name, "docker.io/kennethreitz/httpbin",
                               labels={"app": "httpbin", "version": version}, port=80,
                               sidecar=sidecar, command=command if access_log else None),
           namespace)  # fmt: skip
    if with_service:
        create(cluster, service("httpbin", 8000, 80), namespace)


def curl_client(cluster: Cluster, namespace: str = "default", *, sidecar: bool = True,
                with_service: bool = True) -> None:  # fmt: skip
    """samples/curl/curl.yaml: the curl Deployment and its Service (port 80, `http`), which
    gives every sidecar an HTTP listener on port 80."""
    if with_service:
        create(cluster, service("curl", 80), namespace)
    create(cluster, deployment("curl", "curlimages/curl", sidecar=sidecar,
                               command=["/bin/sleep", "infinity"]), namespace)  # fmt: skip


BOOKINFO_IMAGES = {
    "productpage-v1": "docker.io/istio/examples-bookinfo-productpage-v1:1.20.2",
    "details-v1": "docker.io/istio/examples-bookinfo-details-v1:1.20.2",
    "ratings-v1": "docker.io/istio/examples-bookinfo-ratings-v1:1.20.2",
    "reviews-v1": "docker.io/istio/examples-bookinfo-reviews-v1:1.20.2",
    "reviews-v2": "docker.io/istio/examples-bookinfo-reviews-v2:1.20.2",
    "reviews-v3": "docker.io/istio/examples-bookinfo-reviews-v3:1.20.2",
}


def bookinfo(cluster: Cluster, namespace: str = "default", *, sidecar: bool = True) -> None:
    """samples/bookinfo/platform/kube/bookinfo.yaml: four Services on 9080, six Deployments."""
    for svc in ("productpage", "details", "ratings", "reviews"):
        create(cluster, service(svc, 9080), namespace)
    for name, image in BOOKINFO_IMAGES.items():
        app, version = name.rsplit("-", 1)
        create(cluster, deployment(name, image, labels={"app": app, "version": version},
                                   port=9080, sidecar=sidecar), namespace)  # fmt: skip


def pod_named(cluster: Cluster, namespace: str, app: str, version: str | None = None) -> Obj:
    pods = cluster.list(cluster.kind("", "pods"), namespace)
    for pod in pods:
        labels = pod["metadata"].get("labels") or {}
        if labels.get("app") == app and (version is None or labels.get("version") == version):
            return pod
    raise AssertionError(f"no pod app={app} in {namespace}")


def run(cluster: Cluster, namespace: str, app: str, argv: list[str],
        container: str = "") -> ExecResult:  # fmt: skip
    pod = pod_named(cluster, namespace, app)
    name = container or pod["spec"]["containers"][0]["name"]
    return run_exec(cluster, namespace, pod["metadata"]["name"], name, argv)


def curl(cluster: Cluster, *args: str, namespace: str = "default", app: str = "curl") -> ExecResult:
    return run(cluster, namespace, app, ["curl", *args])


def logs(cluster: Cluster, namespace: str, pod: str, container: str) -> list[str]:
    return cluster.logs.read(namespace, pod, container).splitlines()
