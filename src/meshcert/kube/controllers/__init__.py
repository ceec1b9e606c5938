"""The built-in controllers and admission of the simulated cluster, so that kubectl sees a living
cluster: defaulting and allocation on write, the scheduler and kubelets (pods bound, started and
Ready at once), Deployment -> ReplicaSet -> Pod, DaemonSets, StatefulSets, Endpoints,
EndpointSlices (when the kind is served), ServiceAccounts, LoadBalancer addresses (pluggable)
and realistic Node manifests.

Everything runs synchronously inside the cluster's write transactions: controllers are
level-triggered (they re-read what they manage) and write only on real change. No I/O; imports
only `meshcert.kube`.

Hooks and container-state overrides for later parts:
- `set_container_state(cluster, ns, pod, container, state)` with `crash_loop()`, `not_ready()`,
  `image_pull_backoff()`, `config_error(msg)`, `completed(code)` or None to lift it;
  `add_container_state_rule(cluster, rule)` and `refresh_pods(cluster, ...)` for derived states.
- `set_load_balancer_provider(cluster, address_pool(first, last))` for LoadBalancer addresses.
- `node_manifest(name, index=..., control_plane=..., tainted=..., ready=...)` for Node objects.
"""

from __future__ import annotations

from ..admission import MutatingHook
from ..cluster import Controller
from .containerstates import (
    ContainerState,
    ContainerStateRule,
    add_container_state_rule,
    completed,
    config_error,
    crash_loop,
    image_pull_backoff,
    not_ready,
    set_container_state,
)
from .crds import CustomResourceDefinitionController
from .daemonsets import DaemonSetController
from .defaulting import DefaultingHook
from .deployments import DeploymentController
from .endpoints import EndpointsController
from .endpointslices import EndpointSliceController
from .loadbalancers import (
    LoadBalancerController,
    LoadBalancerProvider,
    address_pool,
    set_load_balancer_provider,
)
from .nodes import node_manifest
from .pods import KubeletController, refresh_pods
from .replicasets import ReplicaSetController
from .scheduling import SchedulerHook
from .serviceaccounts import ServiceAccountsController
from .statefulsets import StatefulSetController


def builtin_controllers() -> list[Controller]:
    """Every built-in controller, in the order they see each change."""
    return [
        ServiceAccountsController(),
        KubeletController(),
        ReplicaSetController(),
        DeploymentController(),
        DaemonSetController(),
        StatefulSetController(),
        EndpointsController(),
        EndpointSliceController(),
        LoadBalancerController(),
        CustomResourceDefinitionController(),
    ]


def builtin_hooks() -> list[MutatingHook]:
    """Defaulting (with the pod admission plug-ins) first, then the scheduler's binding."""
    return [DefaultingHook(), SchedulerHook()]


__all__ = [
    "ContainerState",
    "ContainerStateRule",
    "LoadBalancerProvider",
    "add_container_state_rule",
    "address_pool",
    "builtin_controllers",
    "builtin_hooks",
    "completed",
    "config_error",
    "crash_loop",
    "image_pull_backoff",
    "node_manifest",
    "not_ready",
    "refresh_pods",
    "set_container_state",
    "set_load_balancer_provider",
]
