"""How a container is doing, when it is not simply running and ready: the states a later part
(a scenario, the mesh) can impose on a container, and the rules that decide them.

A container with no override and no matching rule is running and ready. Overrides are set per
pod (by uid) and container name; rules are functions asked for every container of every pod
the kubelet controller reconciles. Both live in `cluster.extensions` (not in the objects), so a
cluster restored from a dump keeps the statuses stored then, until a rule or override is set
again.

    set_container_state(cluster, "default", "web-5d9c8-abcde", "app", crash_loop(restarts=4))
    add_container_state_rule(cluster, lambda cluster, pod, container: ...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..store import Obj

if TYPE_CHECKING:
    from ..cluster import Cluster

_OVERRIDES_KEY = "meshcert.controllers.container_states"
_RULES_KEY = "meshcert.controllers.container_state_rules"


@dataclass(frozen=True)
class ContainerState:
    """One container's state. `message` may use {container}, {pod}, {namespace}, {uid} and
    {image}. `restart_count` and `last_exit_code` describe earlier runs (lastState)."""

    state: str = "running"  # running | waiting | terminated
    ready: bool = True
    reason: str = ""
    message: str = ""
    exit_code: int = 0
    restart_count: int = 0
    last_exit_code: int | None = None
    last_reason: str = "Error"

    def render(self, **values: str) -> str:
        known = {"container": "", "pod": "", "namespace": "", "uid": "", "image": "", **values}
        return self.message.format_map(known) if self.message else ""


RUNNING = ContainerState()


def not_ready() -> ContainerState:
    """Running, but its readiness probe fails (READY 0/1, STATUS Running)."""
    return ContainerState(ready=False)


def crash_loop(restarts: int = 3, exit_code: int = 1) -> ContainerState:
    """Exits and is restarted with back-off (STATUS CrashLoopBackOff, RESTARTS `restarts`)."""
    return ContainerState(
        state="waiting",
        ready=False,
        reason="CrashLoopBackOff",
        message="back-off 40s restarting failed container={container} pod={pod}_{namespace}({uid})",
        restart_count=restarts,
        last_exit_code=exit_code,
    )


def image_pull_backoff() -> ContainerState:
    """The image cannot be pulled (STATUS ImagePullBackOff)."""
    return ContainerState(
        state="waiting",
        ready=False,
        reason="ImagePullBackOff",
        message='Back-off pulling image "{image}"',
    )


def config_error(message: str) -> ContainerState:
    """The container cannot be created (STATUS CreateContainerConfigError), e.g. a missing
    ConfigMap key: `couldn't find key mode in ConfigMap ns/name`."""
    return ContainerState(
        state="waiting", ready=False, reason="CreateContainerConfigError", message=message
    )


def completed(exit_code: int = 0) -> ContainerState:
    """The process exited (reason Completed for 0, Error otherwise)."""
    return ContainerState(
        state="terminated",
        ready=False,
        reason="Completed" if exit_code == 0 else "Error",
        exit_code=exit_code,
    )


ContainerStateRule = Callable[["Cluster", Obj, dict[str, Any]], ContainerState | None]


def _overrides(cluster: Cluster) -> dict[tuple[str, str], ContainerState]:
    found = cluster.extensions.setdefault(_OVERRIDES_KEY, {})
    assert isinstance(found, dict)
    return found


def rules(cluster: Cluster) -> list[ContainerStateRule]:
    found = cluster.extensions.setdefault(_RULES_KEY, [])
    assert isinstance(found, list)
    return found


def add_container_state_rule(cluster: Cluster, rule: ContainerStateRule) -> None:
    """Ask `rule(cluster, pod, container)` for each container's state from now on (the first
    rule that answers wins; an override set with `set_container_state` comes first). Call
    `refresh_pods` when what a rule depends on changes."""
    rules(cluster).append(rule)
    from .pods import refresh_pods

    refresh_pods(cluster)


def set_container_state(
    cluster: Cluster, namespace: str, pod: str, container: str, state: ContainerState | None
) -> None:
    """Impose `state` on one container of a pod (None lifts it) and update the pod's status,
    with the effects a real kubelet's report has (ReplicaSet, Deployment, Endpoints)."""
    from .pods import refresh_pods

    pod_kind = cluster.kind("", "pods")
    obj = cluster.get(pod_kind, namespace, pod)
    key = (str(obj["metadata"]["uid"]), container)
    if state is None:
        _overrides(cluster).pop(key, None)
    else:
        _overrides(cluster)[key] = state
    refresh_pods(cluster, namespace, pod)


def state_for(cluster: Cluster, pod: Obj, container: dict[str, Any]) -> ContainerState | None:
    """The imposed state of a container, or None when nothing is imposed (it runs normally:
    an init container completes, any other container runs and is ready)."""
    found = _overrides(cluster).get((str(pod["metadata"].get("uid")), str(container.get("name"))))
    if found is not None:
        return found
    for rule in rules(cluster):
        answer = rule(cluster, pod, container)
        if answer is not None:
            return answer
    return None


def forget_pod(cluster: Cluster, uid: str) -> None:
    """Drop the overrides of a deleted pod."""
    overrides = _overrides(cluster)
    for key in [k for k in overrides if k[0] == uid]:
        del overrides[key]
