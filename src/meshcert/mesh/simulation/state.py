"""Per-lab state of the simulation, kept in `cluster.extensions`: the seeded random generator
(seed `mesh.seed`, default 0, so a lab replays the same way), the cached view of the mesh
configuration, and the counters of connection pools and outlier detection."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meshcert.mesh.config.meshconfig import MeshConfig, MeshConfigError
from meshcert.mesh.controlplane import (
    add_push_listener,
    pushed_mesh_config,
    pushed_version,
    revision_health,
    revision_of_proxy,
)
from meshcert.mesh.view import MeshView

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

SEED_KEY = "mesh.seed"
TIME_SCALE_KEY = "mesh.time_scale"
STATE_KEY = "mesh.simulation.state"


@dataclass
class Ejection:
    """An endpoint's outlier-detection record: consecutive errors and ejection end time."""

    consecutive_5xx: int = 0
    consecutive_gateway: int = 0
    ejected_until: float = 0.0
    times_ejected: int = 0


@dataclass
class SimulationState:
    rng: random.Random
    # draws the x-request-id values (apart from `rng`, so ids never shift the lab's weighted
    # and percentage draws)
    request_ids: random.Random = field(default_factory=lambda: random.Random(0))
    view: MeshView | None = None
    view_version: int = -1
    ejections: dict[tuple[str, str, int], Ejection] = field(default_factory=dict)
    # virtual seconds elapsed: advanced by the durations of requests (for ejection timing)
    clock: float = 0.0
    request_counter: int = 0
    cursors: dict[tuple[str, str], int] = field(default_factory=dict)
    # per revision: the view its proxies keep while its istiod cannot push
    frozen: dict[str, MeshView] = field(default_factory=dict)
    # per revision: the last view seen while its istiod pushed
    last_pushed: dict[str, MeshView] = field(default_factory=dict)
    # pod uid -> the revision serving its proxy
    revisions: dict[str, str] = field(default_factory=dict)
    # Envoy's counters per proxy (namespace, pod) and stat name (`pilot-agent request GET stats`)
    stats: dict[tuple[str, str], dict[tuple[str, str], int]] = field(default_factory=dict)
    # (revision, resourceVersion) -> the view proxies of that revision see
    proxy_views: dict[tuple[str, int], MeshView] = field(default_factory=dict)


def state_of(cluster: Cluster) -> SimulationState:
    found = cluster.extensions.get(STATE_KEY)
    if isinstance(found, SimulationState):
        return found
    seed = cluster.extensions.get(SEED_KEY, 0)
    made = SimulationState(rng=random.Random(seed),
                           request_ids=random.Random(f"x-request-id/{seed}"))  # fmt: skip
    cluster.extensions[STATE_KEY] = made
    return made


def current_view(cluster: Cluster, state: SimulationState | None = None) -> MeshView:
    """The mesh configuration as the cluster holds it now (cached per resourceVersion; call
    with `cluster.lock` held). `state`: the cluster's, when the caller has it."""
    state = state or state_of(cluster)
    version = cluster.store.resource_version
    if state.view is None or state.view_version != version:
        state.view = MeshView.of(cluster)
        state.view_version = version
    return state.view


def view_for_proxy(cluster: Cluster, pod: Mapping[str, Any],
                   state: SimulationState | None = None) -> MeshView:  # fmt: skip
    """The configuration the proxy of `pod` holds (docs/mesh.md "The push model"): the
    current view while its revision's istiod pushes, the view frozen when it stopped, and the
    current one when the revision has no istiod at all (nothing installed: no change to keep).
    `state`: the cluster's, when the caller has it."""
    state = state or state_of(cluster)
    version = cluster.store.resource_version
    meta = pod.get("metadata") or {}
    known = state.revisions.get(str(meta.get("uid", "")))
    if known is not None:  # an injected pod seen before: no need to read its labels again
        found = state.proxy_views.get((known, version))
        if found is not None:
            return found
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    if "istio.io/rev" in labels or "sidecar.istio.io/status" in annotations:
        uid = str(meta.get("uid", ""))
        revision = state.revisions.get(uid, "")
        if not revision:
            revision = state.revisions[uid] = revision_of_proxy(dict(pod))
    else:
        revision = "default"
    key = (revision, version)
    found = state.proxy_views.get(key)
    if found is not None:
        return found
    pushed = pushed_version(cluster, revision)
    view = current_view(cluster, state)
    if pushed is not None and pushed == version:
        state.last_pushed[revision] = view
    elif pushed is not None:
        # frozen: the snapshot taken when the push stopped, else the last view this revision
        # was seen to push (the control plane does not always announce a freeze)
        view = (
            state.frozen.get(revision)
            or state.last_pushed.get(revision)
            or _frozen_as_of(cluster, revision, pushed)
        )
    if len(state.proxy_views) > 64:
        state.proxy_views.clear()
    state.proxy_views[key] = view
    return view


def _frozen_as_of(cluster: Cluster, revision: str, pushed: int) -> MeshView:
    """A frozen revision's configuration when no snapshot of it survives (the lab was
    restarted from its journal while istiod was down): the Istio objects as of the frozen
    version — those written since are left out. An object changed since keeps its new
    content, and one deleted since stays gone: the journal keeps no history to rebuild them."""
    view = MeshView.of(cluster, revision, config_as_of=pushed)
    state_of(cluster).frozen[revision] = view
    return view


def on_push(cluster: Cluster, revision: str, version: int) -> None:
    """Push listener: forget cached proxy views; snapshot the view of a revision that froze."""
    state = state_of(cluster)
    state.proxy_views.clear()
    health = revision_health(cluster, revision)
    if health is None or health.healthy:
        state.frozen.pop(revision, None)
        return
    view = MeshView.of(cluster, revision)
    text = pushed_mesh_config(cluster, revision)
    if text is not None:
        with contextlib.suppress(MeshConfigError):
            view = _with_mesh(view, MeshConfig.parse(text))
    state.frozen[revision] = view


def _with_mesh(view: MeshView, mesh: MeshConfig) -> MeshView:
    made = _rebuilt(view, mesh)
    made.source = view.source  # certificates (SDS) still come from the live cluster
    return made


def _rebuilt(view: MeshView, mesh: MeshConfig) -> MeshView:
    return MeshView(
        resource_version=view.resource_version,
        mesh=mesh,
        namespaces=view.namespaces,
        workloads=view.workloads,
        services=view.services,
        virtual_services=view.virtual_services,
        destination_rules=view.destination_rules,
        gateways=view.gateways,
        sidecars=view.sidecars,
        policies=view.all_policies(),
        waypoint_for=view.waypoint_for,
    )


def track_pushes(cluster: Cluster) -> None:
    """Snapshot a revision's view when its istiod stops pushing (registered by the tools)."""
    add_push_listener(cluster, on_push)


def proxy_stats(cluster: Cluster, namespace: str, pod: str) -> dict[str, int]:
    """The Envoy counters of a proxy as `/stats` names them (`cluster.<name>.<stat>`)."""
    table = state_of(cluster).stats.get((namespace, pod), {})
    return {f"cluster.{name}.{stat}": value for (name, stat), value in table.items()}


__all__ = ["SEED_KEY", "STATE_KEY", "TIME_SCALE_KEY", "Ejection", "SimulationState",
           "current_view", "on_push", "proxy_stats", "state_of", "track_pushes",
           "view_for_proxy"]  # fmt: skip
