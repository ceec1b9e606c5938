"""A bound pod's status as its kubelet would report it: phase, conditions, container statuses
(ids, images, states, restarts), IPs and QoS class; plus what started or stopped since the
previous status, for the kubelet's events. Pure: no cluster access.

Containers run and are ready unless a `ContainerState` is imposed (see `containerstates`);
init containers complete unless they are sidecars (`restartPolicy: Always`), which keep running.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from ..store import Obj
from .containerstates import ContainerState
from .podspecs import image_reference, qos_class, split_image

CONDITION_ORDER = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")


@dataclass(frozen=True)
class Change:
    """Something the kubelet reports as events: a container started, restarted or is stuck."""

    container: str
    field_path: str
    what: str  # started | restarted | waiting | terminated
    image: str
    pull_policy: str
    state: ContainerState | None = None


@dataclass
class StatusInputs:
    """Everything the status depends on besides the pod itself."""

    host_ip: str
    pod_ip: str
    now: str
    states: dict[str, ContainerState | None] = field(default_factory=dict)


def image_id(image: str) -> str:
    """`docker.io/library/nginx@sha256:<digest>`: stable per image reference."""
    ref = image_reference(image)
    repo, _, digest = split_image(ref)
    if digest:
        return ref
    return f"{repo}@sha256:{hashlib.sha256(ref.encode()).hexdigest()}"


def _container_id() -> str:
    return f"containerd://{random.getrandbits(256):064x}"


def _terminated(exit_code: int, reason: str, started: str, finished: str, cid: str) -> Obj:
    return {
        "containerID": cid,
        "exitCode": exit_code,
        "finishedAt": finished,
        "reason": reason,
        "startedAt": started,
    }


def _mounts(container: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for mount in container.get("volumeMounts") or []:
        entry: dict[str, Any] = {"mountPath": mount.get("mountPath"), "name": mount.get("name")}
        if mount.get("readOnly"):
            entry["readOnly"] = True
            entry["recursiveReadOnly"] = "Disabled"
        out.append(entry)
    return out


def _desired(
    container: dict[str, Any], imposed: ContainerState | None, init: bool
) -> ContainerState:
    if imposed is not None:
        return imposed
    if init and container.get("restartPolicy") != "Always":
        return ContainerState(state="terminated", ready=True, reason="Completed")
    return ContainerState()


def container_status(
    container: dict[str, Any],
    want: ContainerState,
    prev: dict[str, Any] | None,
    now: str,
    names: dict[str, str],
) -> tuple[dict[str, Any], str]:
    """One container's status and what happened to it ("", started, restarted, waiting, ...)."""
    spec_image = str(container.get("image") or "")
    names = {**names, "container": str(container.get("name", ""))}
    ref = image_reference(spec_image)
    prev = prev or {}
    prev_state = prev.get("state") or {}
    same_image = prev.get("image") in (ref, spec_image)
    restarts = int(prev.get("restartCount", 0))
    if prev and not same_image:
        restarts += 1  # the kubelet restarts a container whose image changed
    if want.restart_count:
        restarts = want.restart_count
    status: dict[str, Any] = {"name": container.get("name")}
    happened = ""
    if want.state == "waiting" and want.last_exit_code is None:
        # Never ran (image pull, bad config, waiting for init): nothing resolved yet.
        unchanged = "waiting" in prev_state and prev_state["waiting"].get("reason") == want.reason
        reason = want.reason or "ContainerCreating"
        waiting = {"reason": reason}
        message = want.render(image=spec_image, **names)
        if message:
            waiting = {"message": message, "reason": reason}
        status.update(state={"waiting": waiting}, lastState={}, ready=False, restartCount=restarts)
        status.update(image=spec_image, imageID="", started=False)
        happened = "" if unchanged else "waiting"
    else:
        key = {"running": "running", "terminated": "terminated"}.get(want.state, "waiting")
        keep = same_image and key in prev_state and prev.get("restartCount", 0) == restarts
        if key == "waiting":
            keep = keep and prev_state["waiting"].get("reason") == want.reason
        elif key == "terminated":
            keep = keep and prev_state["terminated"].get("exitCode") == want.exit_code
        cid = str(prev.get("containerID")) if keep and prev.get("containerID") else _container_id()
        state = _state(key, want, prev_state if keep else {}, now, cid, spec_image, names)
        last = _last_state(want, prev, keep, restarts, now, cid)
        status.update(state=state, lastState=last, ready=want.ready, restartCount=restarts)
        status.update(image=ref, imageID=image_id(spec_image), containerID=cid)
        status["started"] = key == "running"
        if not keep:
            happened = {"running": "started", "terminated": "terminated"}.get(key, "waiting")
            if happened == "started" and prev and "running" in prev_state:
                happened = "restarted"
    resources = container.get("resources") or {}
    if resources.get("requests"):
        status["allocatedResources"] = dict(resources["requests"])
    if resources:
        status["resources"] = {k: dict(v) for k, v in resources.items() if v}
    mounts = _mounts(container)
    if mounts:
        status["volumeMounts"] = mounts
    return status, happened


def _state(
    key: str,
    want: ContainerState,
    kept: dict[str, Any],
    now: str,
    cid: str,
    image: str,
    names: dict[str, str],
) -> dict[str, Any]:
    """containerStatuses[].state for a container that has run (`kept`: the unchanged one)."""
    if key in kept:
        return {key: dict(kept[key])}
    if key == "running":
        return {"running": {"startedAt": now}}
    if key == "terminated":
        reason = want.reason or ("Completed" if want.exit_code == 0 else "Error")
        return {"terminated": _terminated(want.exit_code, reason, now, now, cid)}
    waiting = {"message": want.render(image=image, **names), "reason": want.reason}
    return {"waiting": {k: v for k, v in waiting.items() if v}}


def _last_state(
    want: ContainerState, prev: dict[str, Any], keep: bool, restarts: int, now: str, cid: str
) -> dict[str, Any]:
    """containerStatuses[].lastState: the previous run, when there was one."""
    prev_state = prev.get("state") or {}
    if want.last_exit_code is not None:
        old = (prev.get("lastState") or {}).get("terminated") if keep else None
        return {
            "terminated": old or _terminated(want.last_exit_code, want.last_reason, now, now, cid)
        }
    if keep or (restarts and prev.get("lastState") and "running" not in prev_state):
        return dict(prev.get("lastState") or {})
    if prev and "running" in prev_state:
        started = prev_state["running"]["startedAt"]
        return {
            "terminated": _terminated(
                0, "Completed", started, now, str(prev.get("containerID", ""))
            )
        }
    return {}


def _condition(
    type_: str,
    ok: bool,
    prev: dict[str, dict[str, Any]],
    gen: Any,
    now: str,
    reason: str = "",
    message: str = "",
) -> dict[str, Any]:
    status = "True" if ok else "False"
    before = prev.get(type_)
    cond: dict[str, Any] = {"type": type_}
    if gen is not None:
        cond["observedGeneration"] = gen
    cond["status"] = status
    cond["lastProbeTime"] = None
    same = before is not None and before.get("status") == status
    cond["lastTransitionTime"] = before.get("lastTransitionTime", now) if same and before else now
    if not ok and reason:
        cond["reason"] = reason
    if not ok and message:
        cond["message"] = message
    return cond


def _names(items: list[str]) -> str:
    return "[" + " ".join(items) + "]"


def bound_status(pod: Obj, inputs: StatusInputs) -> tuple[dict[str, Any], list[Change]]:
    """The status of a pod bound to a node, and what changed since its current status."""
    spec = pod.get("spec") or {}
    meta = pod["metadata"]
    prev = pod.get("status") or {}
    now = inputs.now
    names = {
        "pod": str(meta["name"]),
        "namespace": str(meta.get("namespace", "")),
        "uid": str(meta.get("uid", "")),
    }
    changes: list[Change] = []
    prev_init = {s.get("name"): s for s in prev.get("initContainerStatuses") or []}
    prev_main = {s.get("name"): s for s in prev.get("containerStatuses") or []}
    initialized = True
    pending_init: list[str] = []
    unready: list[str] = []
    init_statuses = []
    for c in spec.get("initContainers") or []:
        sidecar = c.get("restartPolicy") == "Always"
        want = _desired(c, inputs.states.get(c["name"]), init=True)
        if not initialized:
            want = ContainerState(state="waiting", ready=False, reason="PodInitializing")
        st, what = container_status(c, want, prev_init.get(c["name"]), now, names)
        init_statuses.append(st)
        done = (want.state == "running" and sidecar) or (
            want.state == "terminated" and want.exit_code == 0 and not sidecar
        )
        if not done:
            initialized = False
            pending_init.append(c["name"])
        if sidecar and not st["ready"]:
            unready.append(c["name"])
        if what:
            changes.append(
                Change(
                    c["name"],
                    f"spec.initContainers{{{c['name']}}}",
                    what,
                    str(c.get("image", "")),
                    str(c.get("imagePullPolicy", "")),
                    want,
                )
            )
    main_statuses = []
    waiting = running = stopped = failed = 0
    for c in spec.get("containers") or []:
        want = _desired(c, inputs.states.get(c["name"]), init=False)
        if not initialized:
            want = ContainerState(state="waiting", ready=False, reason="PodInitializing")
        st, what = container_status(c, want, prev_main.get(c["name"]), now, names)
        main_statuses.append(st)
        if not st["ready"]:
            unready.append(c["name"])
        state = st["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            failed += state["terminated"]["exitCode"] != 0
        elif st.get("lastState", {}).get("terminated"):
            stopped += 1
        else:
            waiting += 1
        if what and initialized:
            changes.append(
                Change(
                    c["name"],
                    f"spec.containers{{{c['name']}}}",
                    what,
                    str(c.get("image", "")),
                    str(c.get("imagePullPolicy", "")),
                    want,
                )
            )
    phase = _phase(spec, initialized, waiting, running, stopped, failed)
    gen = meta.get("generation")
    prev_conds = {c.get("type"): c for c in prev.get("conditions") or []}
    ready = not unready and initialized and phase == "Running"
    gates = [g.get("conditionType") for g in spec.get("readinessGates") or []]
    missing = [g for g in gates if (prev_conds.get(g) or {}).get("status") != "True"]
    done_reason = "PodCompleted" if phase in ("Succeeded", "Failed") else ""
    conditions = [
        _condition("PodReadyToStartContainers", not done_reason, prev_conds, gen, now),
        _condition(
            "Initialized",
            initialized,
            prev_conds,
            gen,
            now,
            "ContainersNotInitialized",
            f"containers with incomplete status: {_names(pending_init)}",
        ),
    ]
    ready_reason = done_reason or "ContainersNotReady"
    ready_msg = "" if done_reason else f"containers with unready status: {_names(unready)}"
    if ready and missing:
        conditions.append(
            _condition(
                "Ready",
                False,
                prev_conds,
                gen,
                now,
                "ReadinessGatesNotReady",
                f'corresponding condition of pod readiness gate "{missing[0]}" does not exist.',
            )
        )
    else:
        conditions.append(_condition("Ready", ready, prev_conds, gen, now, ready_reason, ready_msg))
    conditions.append(
        _condition("ContainersReady", ready, prev_conds, gen, now, ready_reason, ready_msg)
    )
    conditions.append(_condition("PodScheduled", True, prev_conds, gen, now))
    conditions += [
        c for t, c in prev_conds.items() if t not in CONDITION_ORDER and t != "PodScheduled"
    ]
    status: dict[str, Any] = {}
    if gen is not None:
        status["observedGeneration"] = gen
    status["phase"] = phase
    status["conditions"] = conditions
    status["hostIP"] = inputs.host_ip
    status["hostIPs"] = [{"ip": inputs.host_ip}]
    if inputs.pod_ip:
        status["podIP"] = inputs.pod_ip
        status["podIPs"] = [{"ip": inputs.pod_ip}]
    status["startTime"] = prev.get("startTime") or now
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    status["containerStatuses"] = main_statuses
    status["qosClass"] = qos_class(spec)
    return status, changes


def _phase(
    spec: dict[str, Any], initialized: bool, waiting: int, running: int, stopped: int, failed: int
) -> str:
    if not initialized or waiting:
        return "Pending"
    if running:
        return "Running"
    policy = spec.get("restartPolicy", "Always")
    if stopped and policy == "Always":
        return "Running"
    if stopped and not failed:
        return "Succeeded"
    if stopped and policy == "OnFailure":
        return "Running"
    return "Failed" if stopped else "Pending"


def unscheduled_status(pod: Obj, reason: str, message: str, now: str) -> dict[str, Any]:
    """A pod no node takes: Pending with PodScheduled False."""
    prev = pod.get("status") or {}
    gen = pod["metadata"].get("generation")
    prev_conds = {c.get("type"): c for c in prev.get("conditions") or []}
    cond = _condition("PodScheduled", False, prev_conds, gen, now, reason, message)
    status: dict[str, Any] = {}
    if gen is not None:
        status["observedGeneration"] = gen
    status.update(phase="Pending", conditions=[cond], qosClass=qos_class(pod.get("spec") or {}))
    return status
