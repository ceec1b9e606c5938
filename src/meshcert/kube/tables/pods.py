"""The pod printer: READY, kubectl's STATUS rules, RESTARTS with the last restart's age."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .columns import AGE, NAME, Column, Object, Printer, created, name_of
from .formatting import age, human_duration, parse_timestamp

COLUMNS = (
    NAME,
    Column("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
    Column("Status", description="The aggregate status of the containers in this pod."),
    Column(
        "Restarts",
        description=(
            "The number of times the containers in this pod have been restarted and when the "
            "last container in this pod has restarted."
        ),
    ),
    AGE,
    Column("IP", priority=1, description="podIP address allocated to the pod."),
    Column("Node", priority=1, description="NodeName indicates in which node this pod runs."),
    Column(
        "Nominated Node",
        priority=1,
        description="nominatedNodeName is set only when this pod preempts other pods on the node.",
    ),
    Column(
        "Readiness Gates",
        priority=1,
        description="If specified, all readiness gates will be evaluated for pod readiness.",
    ),
)

_TERMINAL_PHASES = ("Succeeded", "Failed")
_NOT_WAITING = (None, "", "PodInitializing")


def _items(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _restartable(container: Mapping[str, Any] | None) -> bool:
    """A sidecar: an init container with `restartPolicy: Always`."""
    return container is not None and container.get("restartPolicy") == "Always"


def _has_condition(status: Mapping[str, Any], condition_type: str) -> bool:
    return any(
        c.get("type") == condition_type and c.get("status") == "True"
        for c in _items(status.get("conditions"))
    )


class _Restarts:
    """Restart count and the newest `lastState.terminated.finishedAt` seen."""

    def __init__(self) -> None:
        self.count = 0
        self.last: datetime | None = None

    def add(self, container_status: Mapping[str, Any]) -> None:
        self.count += int(container_status.get("restartCount") or 0)
        terminated = (container_status.get("lastState") or {}).get("terminated")
        if isinstance(terminated, Mapping):
            finished = parse_timestamp(terminated.get("finishedAt"))
            if finished is not None and (self.last is None or self.last < finished):
                self.last = finished


def _exit_reason(terminated: Mapping[str, Any], prefix: str) -> str:
    if terminated.get("reason"):
        return f"{prefix}{terminated['reason']}"
    signal = int(terminated.get("signal") or 0)
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{int(terminated.get('exitCode') or 0)}"


def pod_status(pod: Object) -> tuple[str, int, int, _Restarts]:
    """(STATUS, ready containers, total containers, restarts) as kubectl's pod printer sees them."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or phase)
    for condition in _items(status.get("conditions")):
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = _items(spec.get("initContainers"))
    init_by_name = {str(c.get("name")): c for c in init_specs}
    total = len(_items(spec.get("containers"))) + sum(1 for c in init_specs if _restartable(c))
    ready = 0
    restarts, sidecar_restarts = _Restarts(), _Restarts()

    initializing = False
    for index, container in enumerate(_items(status.get("initContainerStatuses"))):
        restarts.add(container)
        sidecar = _restartable(init_by_name.get(str(container.get("name"))))
        if sidecar:
            sidecar_restarts.add(container)
        state = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if isinstance(terminated, Mapping) and int(terminated.get("exitCode") or 0) == 0:
            continue
        if sidecar and container.get("started"):
            ready += 1 if container.get("ready") else 0
            continue
        if isinstance(terminated, Mapping):
            reason = _exit_reason(terminated, "Init:")
        elif isinstance(waiting, Mapping) and waiting.get("reason") not in _NOT_WAITING:
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _has_condition(status, "Initialized"):
        restarts = sidecar_restarts
        has_running = False
        for container in reversed(_items(status.get("containerStatuses"))):
            restarts.add(container)
            state = container.get("state") or {}
            terminated, waiting = state.get("terminated"), state.get("waiting")
            if isinstance(waiting, Mapping) and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif isinstance(terminated, Mapping):
                reason = _exit_reason(terminated, "")
            elif container.get("ready") and isinstance(state.get("running"), Mapping):
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _has_condition(status, "Ready") else "NotReady"

    deleting = (pod.get("metadata") or {}).get("deletionTimestamp") is not None
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in _TERMINAL_PHASES:
        reason = "Terminating"
    return reason, ready, total, restarts


def _pod_cells(pod: Object, now: datetime) -> list[Any]:
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    reason, ready, total, restarts = pod_status(pod)
    restarts_cell = str(restarts.count)
    if restarts.count and restarts.last is not None:
        restarts_cell = f"{restarts.count} ({human_duration(now - restarts.last)} ago)"

    ips = _items(status.get("podIPs"))
    pod_ip = str(ips[0].get("ip") or "") if ips else str(status.get("podIP") or "")
    gates = _items(spec.get("readinessGates"))
    readiness_gates = "<none>"
    if gates:
        conditions = {c.get("type"): c for c in _items(status.get("conditions"))}
        true_count = sum(
            1
            for gate in gates
            if (conditions.get(gate.get("conditionType")) or {}).get("status") == "True"
        )
        readiness_gates = f"{true_count}/{len(gates)}"
    return [
        name_of(pod),
        f"{ready}/{total}",
        reason,
        restarts_cell,
        age(created(pod), now),
        pod_ip or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        readiness_gates,
    ]


def _pod_conditions(pod: Object) -> list[dict[str, str]]:
    """Finished pods carry a `Completed` row condition, as the apiserver marks them."""
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Succeeded":
        message = "The pod has completed successfully."
    elif phase == "Failed":
        message = "The pod failed."
    else:
        return []
    return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]


PRINTERS = {("", "pods"): Printer(COLUMNS, _pod_cells, _pod_conditions)}
