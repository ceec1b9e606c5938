"""The push model: per revision, the resourceVersion its proxies' configuration comes from and
the mesh config istiod pushes with.

State lives in `cluster.extensions` (process state, like the controllers): per revision,
whether istiod was healthy at the last look, the version it froze at, the mesh config text it
uses and the text it last read. A cluster restored from a journal starts with no state; the
first question rebuilds it from the objects (a revision unhealthy then is taken to have frozen
just before its istiod Deployment was last written).

The mesh config as istiod 1.25+ reads it (istio/istio pkg/config/mesh/meshwatcher/
collection.go `NewCollection`, one source: the mounted ConfigMap file, pilot/pkg/bootstrap/
mesh.go): a text `mesh.ApplyMeshConfig` rejects is logged (`invalid mesh config, using last
known state: ...`) and discarded; istiod keeps running, stays Ready and keeps pushing with the
last mesh config it accepted. A new istiod process (a pod started while the text is bad) has no
last known state and runs on Istio's defaults (`mesh.DefaultMeshConfig()`, here ""). The lab
keeps one mesh config per revision: that of its newest istiod pod. A restored lab whose text is
bad starts on the defaults too (the journal keeps no earlier text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from meshcert.kube.cluster import Cluster
from meshcert.kube.store import Obj, WatchEvent

from . import ambient, gateways, istiod_logs
from .health import installed_revisions, mesh_config_text, revision_health
from .meshconfig_check import mesh_config_error
from .naming import (
    DEFAULT_REVISION,
    ISTIO_NAMESPACE,
    REV_LABEL,
    istiod_name,
    mesh_configmap_name,
)

PushListener = Callable[[Cluster, str, int], None]
_GATEWAYS = ("gateway.networking.k8s.io", "gateways")
_GATEWAY_CLASSES = ("gateway.networking.k8s.io", "gatewayclasses")
_HTTP_ROUTES = ("gateway.networking.k8s.io", "httproutes")
_CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")

_STATE_KEY = "meshcert.mesh.controlplane.revisions"
_LISTENERS_KEY = "meshcert.mesh.controlplane.listeners"
# Config kinds whose changes istiod pushes (and logs); core Services too.
_PUSHED_GROUPS = ("networking.istio.io", "security.istio.io", "telemetry.istio.io")


@dataclass
class _Revision:
    healthy: bool
    frozen: int | None  # the version proxies keep while unhealthy
    mesh_config: str | None  # the mesh config text istiod uses ("" or None: Istio's defaults)
    read: str | None  # the ConfigMap text istiod last read (a rejected one is logged once)


def _accepted(text: str | None, fallback: str | None) -> str | None:
    """`text` when istiod accepts it, else `fallback` (its last known state)."""
    return text if mesh_config_error(text) is None else fallback


def _states(cluster: Cluster) -> dict[str, _Revision]:
    found = cluster.extensions.setdefault(_STATE_KEY, {})
    assert isinstance(found, dict)
    return found


def _listeners(cluster: Cluster) -> list[PushListener]:
    found = cluster.extensions.setdefault(_LISTENERS_KEY, [])
    assert isinstance(found, list)
    return found


def add_push_listener(cluster: Cluster, listener: PushListener) -> None:
    """Call `listener(cluster, revision, version)` when a revision freezes or resumes."""
    _listeners(cluster).append(listener)


def _state(cluster: Cluster, revision: str) -> _Revision | None:
    states = _states(cluster)
    state = states.get(revision)
    if state is None:
        state = _rebuild(cluster, revision)
        if state is not None:
            states[revision] = state
    return state


def _rebuild(cluster: Cluster, revision: str) -> _Revision | None:
    health = revision_health(cluster, revision)
    if health is None:
        return None
    text = health.mesh_config
    mesh_config = _accepted(text, "")  # no last known state survives a restore
    if health.healthy:
        return _Revision(True, None, mesh_config, text)
    culprit = cluster.find(
        cluster.kind("apps", "deployments"), ISTIO_NAMESPACE, istiod_name(revision)
    )
    version = int((culprit or {}).get("metadata", {}).get("resourceVersion") or 1)
    return _Revision(False, max(version - 1, 0), mesh_config, text)


def pushed_version(cluster: Cluster, revision: str = DEFAULT_REVISION) -> int | None:
    """The resourceVersion of the revision's last push; None when it has no istiod."""
    with cluster.lock:
        state = _state(cluster, revision)
        if state is None:
            return None
        return cluster.store.resource_version if state.healthy else state.frozen


def pushed_mesh_config(cluster: Cluster, revision: str = DEFAULT_REVISION) -> str | None:
    """The mesh config text istiod pushes with (while it pushes) or last pushed with (while
    frozen): the ConfigMap's text while istiod accepts it, else its last known state, else ""
    (Istio's defaults); None: no istiod."""
    with cluster.lock:
        state = _state(cluster, revision)
        return None if state is None else (state.mesh_config or "")


class ControlPlaneController:
    """Tracks istiod health per revision, freezes and resumes pushes, reads the mesh config as
    istiod does, and writes istiod's log lines (start-up, rejected mesh config, pushes)."""

    name = "istio-controlplane"

    def __init__(self, watches: tuple[tuple[str, str], ...]) -> None:
        self.watches = watches

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        plural = event.kind.plural
        if event.namespace == ISTIO_NAMESPACE and plural in ("deployments", "configmaps"):
            if plural == "deployments":
                self._update_health(cluster, event.resource_version)
            elif _is_mesh_configmap(event.name):
                self._read_mesh_config(cluster, event.name)
            return
        if plural == "pods":
            if event.type == "ADDED":
                if event.namespace == ISTIO_NAMESPACE:
                    self._log_start(cluster, event.object)
                else:
                    self._enrol(cluster, event)
            return
        if plural == "endpoints":
            istiod = event.namespace == ISTIO_NAMESPACE and event.name.startswith("istiod")
            if istiod and event.type != "DELETED" and _has_addresses(event.object):
                retry_refused_pods(cluster)
            return
        if plural == "namespaces":
            if event.type != "DELETED":
                ambient.sync_namespace(cluster, event.name)
            gateways.sync_routes(cluster)  # istio.io/use-waypoint (ResolvedWaypoints), Selector
            return
        if plural == "daemonsets":
            cni = event.namespace == ISTIO_NAMESPACE and event.name == "istio-cni-node"
            if cni and event.type in ("ADDED", "DELETED"):
                for ns in cluster.list(cluster.kind("", "namespaces")):
                    ambient.sync_namespace(cluster, ns["metadata"]["name"])
            return
        if event.kind.key == _CRDS:
            classes = cluster.registry.by_plural(*_GATEWAY_CLASSES)
            added = event.type == "ADDED" and classes is not None
            if (
                added
                and classes is not None
                and event.name == classes.crd_name
                and any(s.healthy for s in _states(cluster).values())
            ):
                self._became_healthy(cluster)
            return
        if event.kind.key == _GATEWAYS:
            if event.type != "DELETED":
                gateway = cluster.find(event.kind, event.namespace, event.name)
                if gateway is not None:
                    gateways.deploy_gateway(cluster, gateway)
            gateways.sync_routes(cluster)
            return
        if event.kind.key == _HTTP_ROUTES:
            if not _is_status_write(event):
                gateways.sync_routes(cluster)
            return
        if plural == "services" and event.type != "MODIFIED":
            gateways.sync_routes(cluster)  # backends found or gone (ResolvedRefs)
        self._log_push(cluster, event)

    def _update_health(self, cluster: Cluster, version: int) -> None:
        states = _states(cluster)
        revisions = set(installed_revisions(cluster)) | set(states)
        for revision in sorted(revisions):
            health = revision_health(cluster, revision)
            before = states.get(revision)
            if health is None:
                states.pop(revision, None)
                continue
            if before is None:
                states[revision] = _Revision(
                    health.healthy,
                    None if health.healthy else version - 1,
                    _accepted(health.mesh_config, ""),
                    health.mesh_config,
                )
                if health.healthy:
                    self._became_healthy(cluster)
                continue
            if health.healthy:
                if not before.healthy:
                    before.healthy, before.frozen = True, None
                    self._notify(cluster, revision, cluster.store.resource_version)
                    self._became_healthy(cluster)
            elif before.healthy:
                before.healthy, before.frozen = False, version - 1
                self._notify(cluster, revision, version - 1)

    def _enrol(self, cluster: Cluster, event: WatchEvent) -> None:
        pod = cluster.find(event.kind, event.namespace, event.name)
        if pod is None:
            return
        namespace = cluster.find(cluster.kind("", "namespaces"), "", event.namespace)
        ambient.sync_pod(cluster, pod, namespace, ambient.cni_running(cluster))

    def _became_healthy(self, cluster: Cluster) -> None:
        # istiod writes its GatewayClasses only where the Gateway API CRDs are installed
        kind = cluster.registry.by_plural(*_GATEWAY_CLASSES)
        if kind is None or not cluster.registry.is_served(kind):
            return
        gateways.ensure_gateway_classes(cluster)
        gateways.sync_gateways(cluster)

    def _notify(self, cluster: Cluster, revision: str, version: int) -> None:
        for listener in list(_listeners(cluster)):
            listener(cluster, revision, version)

    def _istiod_pods(self, cluster: Cluster, revision: str | None = None) -> list[Obj]:
        pods = []
        for pod in cluster.list(cluster.kind("", "pods"), ISTIO_NAMESPACE):
            labels = pod["metadata"].get("labels") or {}
            if labels.get("app") != "istiod":
                continue
            if revision is None or labels.get(REV_LABEL, DEFAULT_REVISION) == revision:
                pods.append(pod)
        return pods

    def _log_start(self, cluster: Cluster, pod: Obj) -> None:
        """A new istiod process reads the mesh config with no last known state: a text it
        rejects leaves it on Istio's defaults."""
        labels = pod["metadata"].get("labels") or {}
        if labels.get("app") != "istiod":
            return
        revision = str(labels.get(REV_LABEL) or DEFAULT_REVISION)
        text = mesh_config_text(cluster, revision)
        state = _state(cluster, revision)
        if state is not None:
            state.mesh_config, state.read = _accepted(text, ""), text
        name = pod["metadata"]["name"]
        istiod_logs.log_started(
            cluster, ISTIO_NAMESPACE, name, revision, _image_version(pod), mesh_config_error(text)
        )

    def _read_mesh_config(self, cluster: Cluster, name: str) -> None:
        """Running istiods see their mesh config file change (a deleted ConfigMap reads as
        no text: the defaults); one that is stopped reads it when it starts."""
        for revision in installed_revisions(cluster):
            if mesh_configmap_name(revision) != name:
                continue
            state = _state(cluster, revision)
            pods = self._istiod_pods(cluster, revision)
            text = mesh_config_text(cluster, revision)
            if state is None or not pods or text == state.read:
                continue
            state.read = text
            error = mesh_config_error(text)
            if error is None:
                state.mesh_config = text
                continue
            for pod in pods:
                istiod_logs.log_invalid_mesh_config(
                    cluster, ISTIO_NAMESPACE, pod["metadata"]["name"], error
                )

    def _log_push(self, cluster: Cluster, event: WatchEvent) -> None:
        states = _states(cluster)
        if not states:
            return
        config = f"{event.kind.kind}/{event.namespace}/{event.name}"
        for revision, state in states.items():
            if not state.healthy:
                continue
            for pod in self._istiod_pods(cluster, revision):
                istiod_logs.log_push(
                    cluster,
                    ISTIO_NAMESPACE,
                    pod["metadata"]["name"],
                    config,
                    event.resource_version,
                )


def _is_status_write(event: WatchEvent) -> bool:
    """A change of an object's status only (istiod's own writes)."""
    before = event.previous
    return (
        event.type == "MODIFIED"
        and before is not None
        and before.get("spec") == event.object.get("spec")
    )


def _has_addresses(endpoints: Obj) -> bool:
    return any(subset.get("addresses") for subset in endpoints.get("subsets") or [])


def retry_refused_pods(cluster: Cluster) -> None:
    """ReplicaSets whose pods the injection webhook refused retry once an istiod answers, as
    the ReplicaSet controller's back-off retries would."""
    from meshcert.kube.controllers.ownership import condition
    from meshcert.kube.controllers.replicasets import sync_replicaset

    kind = cluster.kind("apps", "replicasets")
    for rs in cluster.list(kind):
        failure = condition(rs, "ReplicaFailure")
        if failure is not None and "sidecar-injector.istio.io" in str(failure.get("message")):
            sync_replicaset(cluster, rs)


def _is_mesh_configmap(name: str) -> bool:
    return name == "istio" or (name.startswith("istio-") and "sidecar-injector" not in name)


def _image_version(pod: Obj) -> str:
    for container in (pod.get("spec") or {}).get("containers") or []:
        image = str(container.get("image") or "")
        if ":" in image:
            return image.rsplit(":", 1)[1]
    return "unknown"


def register(cluster: Cluster) -> None:
    """Plug the control plane into a cluster: its controller."""
    watches: list[tuple[str, str]] = [
        ("apps", "deployments"),
        ("", "configmaps"),
        ("", "pods"),
        ("", "services"),
        ("", "endpoints"),
        ("", "namespaces"),
        ("apps", "daemonsets"),
    ]
    if cluster.registry.by_plural(*_GATEWAYS) is not None:
        watches.append(_GATEWAYS)
    if cluster.registry.by_plural(*_HTTP_ROUTES) is not None:
        watches.append(_HTTP_ROUTES)
    watches.append(_CRDS)
    for kind in cluster.registry.all_kinds():
        if kind.group in _PUSHED_GROUPS and kind.key not in watches:
            watches.append(kind.key)
    cluster.controllers.append(ControlPlaneController(tuple(watches)))
