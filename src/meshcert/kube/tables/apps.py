"""Printers of the apps group: deployments, replicasets, daemonsets and statefulsets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .columns import (
    AGE,
    CONTAINERS_DESCRIPTION,
    IMAGES_DESCRIPTION,
    NAME,
    Column,
    Object,
    Printer,
    created,
    name_of,
)
from .formatting import age, format_label_selector, format_labels, label_selector_string

CONTAINERS = Column("Containers", priority=1, description=CONTAINERS_DESCRIPTION)
IMAGES = Column("Images", priority=1, description=IMAGES_DESCRIPTION)


def _template_spec(obj: Object) -> Mapping[str, Any]:
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def container_cells(obj: Object) -> list[str]:
    """`layoutContainerCells`: container names and images of the pod template, comma-joined."""
    containers = [c for c in _template_spec(obj).get("containers") or [] if isinstance(c, Mapping)]
    return [
        ",".join(str(c.get("name") or "") for c in containers),
        ",".join(str(c.get("image") or "") for c in containers),
    ]


def _replicas(obj: Object) -> int:
    """spec.replicas after defaulting: 1 when unset."""
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def _status(obj: Object, field: str) -> int:
    return int((obj.get("status") or {}).get(field) or 0)


def _selector(obj: Object) -> Any:
    return (obj.get("spec") or {}).get("selector")


def _deployment_cells(deployment: Object, now: datetime) -> list[Any]:
    selector = label_selector_string(_selector(deployment))
    return [
        name_of(deployment),
        f"{_status(deployment, 'readyReplicas')}/{_replicas(deployment)}",
        _status(deployment, "updatedReplicas"),
        _status(deployment, "availableReplicas"),
        age(created(deployment), now),
        *container_cells(deployment),
        "<invalid>" if selector is None else selector,
    ]


def _replicaset_cells(replicaset: Object, now: datetime) -> list[Any]:
    return [
        name_of(replicaset),
        _replicas(replicaset),
        _status(replicaset, "replicas"),
        _status(replicaset, "readyReplicas"),
        age(created(replicaset), now),
        *container_cells(replicaset),
        format_label_selector(_selector(replicaset)),
    ]


def _daemonset_cells(daemonset: Object, now: datetime) -> list[Any]:
    return [
        name_of(daemonset),
        _status(daemonset, "desiredNumberScheduled"),
        _status(daemonset, "currentNumberScheduled"),
        _status(daemonset, "numberReady"),
        _status(daemonset, "updatedNumberScheduled"),
        _status(daemonset, "numberAvailable"),
        format_labels(_template_spec(daemonset).get("nodeSelector")),
        age(created(daemonset), now),
        *container_cells(daemonset),
        format_label_selector(_selector(daemonset)),
    ]


def _statefulset_cells(statefulset: Object, now: datetime) -> list[Any]:
    return [
        name_of(statefulset),
        f"{_status(statefulset, 'readyReplicas')}/{_replicas(statefulset)}",
        age(created(statefulset), now),
        *container_cells(statefulset),
    ]


PRINTERS = {
    ("apps", "deployments"): Printer(
        (
            NAME,
            Column("Ready", description="Number of the pod with ready state"),
            Column("Up-to-date", description="Total number of pods with the desired template."),
            Column("Available", description="Total number of available pods."),
            AGE,
            CONTAINERS,
            IMAGES,
            Column("Selector", priority=1, description="Label selector for pods."),
        ),
        _deployment_cells,
    ),
    ("apps", "replicasets"): Printer(
        (
            NAME,
            Column("Desired", "integer", "Replicas is the number of desired pods."),
            Column("Current", "integer", "The most recently observed number of pods."),
            Column("Ready", "integer", "The number of pods with a Ready Condition."),
            AGE,
            CONTAINERS,
            IMAGES,
            Column("Selector", priority=1, description="Selector is a label query over pods."),
        ),
        _replicaset_cells,
    ),
    ("apps", "daemonsets"): Printer(
        (
            NAME,
            Column("Desired", "integer", "The number of nodes that should run the daemon pod."),
            Column("Current", "integer", "The number of nodes running at least 1 daemon pod."),
            Column("Ready", "integer", "The number of nodes with a ready daemon pod."),
            Column("Up-to-date", "integer", "The number of nodes running the updated daemon pod."),
            Column("Available", "integer", "The number of nodes with an available daemon pod."),
            Column("Node Selector", description="NodeSelector is a selector for nodes."),
            AGE,
            CONTAINERS,
            IMAGES,
            Column("Selector", priority=1, description="A label query over pods."),
        ),
        _daemonset_cells,
    ),
    ("apps", "statefulsets"): Printer(
        (
            NAME,
            Column("Ready", description="Number of the pod with ready state"),
            AGE,
            CONTAINERS,
            IMAGES,
        ),
        _statefulset_cells,
    ),
}
