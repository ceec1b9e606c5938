"""The simulated kubelets and the rest of the scheduler: binds pods that could not be placed when
they were created, reports each bound pod's status (IP from its node's pod CIDR, containers
started at once), records the kubelet's and scheduler's events, and removes the pods of a
deleted node (pod garbage collection).
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import TYPE_CHECKING

from ..copying import clone
from ..store import Obj, WatchEvent
from . import containerstates, events
from .indexes import index_of
from .ownership import condition, now, write_object, write_status
from .podspecs import all_containers
from .podstatus import Change, StatusInputs, bound_status, unscheduled_status
from .scheduling import DEFAULT_SCHEDULER, choose_node, node_internal_ip

if TYPE_CHECKING:
    from ..cluster import Cluster

DEFAULT_POD_CIDR = "10.244.0.0/16"
_IPAM_KEY = "meshcert.controllers.ipam"


class KubeletController:
    """Keeps every pod's status as its node's kubelet would report it."""

    name = "kubelet"
    watches: tuple[tuple[str, str], ...] = (("", "pods"), ("", "nodes"))

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None:
        if event.kind.plural == "nodes":
            if event.type == "DELETED":
                collect_orphaned_pods(cluster, event.name)
            else:
                schedule_pending(cluster)
            return
        if event.type == "DELETED":
            containerstates.forget_pod(cluster, str(event.object["metadata"].get("uid", "")))
            return
        pod = cluster.find(event.kind, event.namespace, event.name)
        if pod is not None:
            sync_pod(cluster, pod)


def refresh_pods(cluster: Cluster, namespace: str | None = None, name: str | None = None) -> None:
    """Recompute the status of one pod, a namespace's pods or every pod (after a container state
    rule's inputs changed)."""
    pod_kind = cluster.kind("", "pods")
    with cluster.transaction():
        if name is not None and namespace is not None:
            found = cluster.find(pod_kind, namespace, name)
            pods = [found] if found is not None else []
        else:
            pods = cluster.list(pod_kind, namespace)
        for pod in pods:
            sync_pod(cluster, pod)


def schedule_pending(cluster: Cluster) -> None:
    for pod in cluster.list(cluster.kind("", "pods")):
        if not (pod.get("spec") or {}).get("nodeName"):
            sync_pod(cluster, pod)


def collect_orphaned_pods(cluster: Cluster, node: str) -> None:
    pod_kind = cluster.kind("", "pods")
    for pod in index_of(cluster).pods_on_node(pod_kind, node):
        meta = pod["metadata"]
        cluster.delete(pod_kind, meta["namespace"], meta["name"])


def sync_pod(cluster: Cluster, pod: Obj) -> None:
    spec = pod.get("spec") or {}
    pod_kind = cluster.kind("", "pods")
    moment = now(cluster)
    if not spec.get("nodeName"):
        if spec.get("schedulingGates"):
            status = unscheduled_status(
                pod,
                "SchedulingGated",
                "Scheduling is blocked due to non-empty scheduling gates",
                moment,
            )
            write_status(cluster, pod_kind, pod, status)
            return
        if spec.get("schedulerName", DEFAULT_SCHEDULER) != DEFAULT_SCHEDULER:
            return
        node, why = choose_node(cluster, pod)
        if node is not None:
            bound = clone(pod)
            bound["spec"]["nodeName"] = node["metadata"]["name"]
            write_object(cluster, pod_kind, bound)
            return
        status = unscheduled_status(pod, "Unschedulable", why, moment)
        before = condition(pod, "PodScheduled") or {}
        if before.get("message") != why:
            events.emit(
                cluster, pod, "FailedScheduling", why, type_="Warning", component=DEFAULT_SCHEDULER
            )
        write_status(cluster, pod_kind, pod, status)
        return
    node = cluster.find(cluster.kind("", "nodes"), "", str(spec["nodeName"]))
    if node is None:
        return
    prev = pod.get("status") or {}
    host_ip = node_internal_ip(node)
    pod_ip = str(prev.get("podIP") or "")
    if not pod_ip:
        pod_ip = host_ip if spec.get("hostNetwork") else allocate_pod_ip(cluster, node)
    states = {c["name"]: containerstates.state_for(cluster, pod, c) for c in all_containers(spec)}
    status, changes = bound_status(pod, StatusInputs(host_ip, pod_ip, moment, states))
    if status == prev:
        return
    if (condition(pod, "PodScheduled") or {}).get("status") != "True":
        meta = pod["metadata"]
        events.emit(
            cluster,
            pod,
            "Scheduled",
            f"Successfully assigned {meta['namespace']}/{meta['name']} to {spec['nodeName']}",
            component=DEFAULT_SCHEDULER,
        )
    for change in changes:
        _report(cluster, pod, change)
    write_status(cluster, pod_kind, pod, status)


def allocate_pod_ip(cluster: Cluster, node: Obj) -> str:
    """The next free address of the node's pod CIDR (as host-local IPAM hands them out)."""
    cidr = str((node.get("spec") or {}).get("podCIDR") or DEFAULT_POD_CIDR)
    network = ipaddress.ip_network(cidr, strict=False)
    usable = network.num_addresses - 3  # network, gateway (.1) and broadcast are not handed out
    if usable <= 0:
        return ""
    last: dict[str, int] = cluster.extensions.setdefault(_IPAM_KEY, {})
    index = index_of(cluster)
    pod_kind = cluster.kind("", "pods")
    start = last.get(cidr, -1)
    for step in range(1, usable + 1):
        offset = (start + step) % usable
        candidate = str(network.network_address + 2 + offset)
        if not index.ip_in_use(pod_kind, candidate):
            last[cidr] = offset
            return candidate
    return ""


# events ---------------------------------------------------------------------------------------


def _report(cluster: Cluster, pod: Obj, change: Change) -> None:
    meta = pod["metadata"]
    path = change.field_path
    image = change.image
    if change.what in ("started", "restarted"):
        if change.what == "restarted":
            text = f"Container {change.container} definition changed, will be restarted"
            kubelet_event(cluster, pod, "Killing", text, path)
        if change.pull_policy == "Always":
            digest = hashlib.sha256(image.encode()).digest()
            millis = 400 + int.from_bytes(digest[:2]) % 4000
            size = 5_000_000 + int.from_bytes(digest[2:6]) % 150_000_000
            took = f"{millis / 1000:.3f}s"
            kubelet_event(cluster, pod, "Pulling", f'Pulling image "{image}"', path)
            text = (
                f'Successfully pulled image "{image}" in {took} ({took} including waiting). '
                f"Image size: {size} bytes."
            )
        else:
            text = (
                f'Container image "{image}" already present on machine and can be accessed '
                "by the pod"
            )
        kubelet_event(cluster, pod, "Pulled", text, path)
        kubelet_event(cluster, pod, "Created", "Container created", path)
        kubelet_event(cluster, pod, "Started", "Container started", path)
        return
    state = change.state
    if change.what != "waiting" or state is None:
        return
    if state.reason == "CrashLoopBackOff":
        text = (
            f"Back-off restarting failed container {change.container} in pod "
            f"{meta['name']}_{meta['namespace']}({meta['uid']})"
        )
        kubelet_event(cluster, pod, "BackOff", text, path, type_="Warning")
    elif state.reason in ("ImagePullBackOff", "ErrImagePull"):
        kubelet_event(cluster, pod, "Pulling", f'Pulling image "{image}"', path)
        text = (
            f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull '
            f'and unpack image "{image}": not found'
        )
        kubelet_event(cluster, pod, "Failed", text, path, type_="Warning")
        kubelet_event(cluster, pod, "Failed", "Error: ErrImagePull", path, type_="Warning")
        kubelet_event(cluster, pod, "BackOff", f'Back-off pulling image "{image}"', path)
        kubelet_event(cluster, pod, "Failed", "Error: ImagePullBackOff", path, type_="Warning")
    elif state.reason == "CreateContainerConfigError":
        text = f"Error: {state.render(image=image, container=change.container)}"
        kubelet_event(cluster, pod, "Failed", text, path, type_="Warning")


def kubelet_event(
    cluster: Cluster,
    pod: Obj,
    reason: str,
    message: str,
    field_path: str = "",
    *,
    type_: str = "Normal",
) -> None:
    """An Event from the kubelet of the pod's node, about one container (`fieldPath`)."""
    node = str((pod.get("spec") or {}).get("nodeName") or "")
    events.emit(
        cluster,
        pod,
        reason,
        message,
        component="kubelet",
        type_=type_,
        field_path=field_path,
        host=node,
    )
