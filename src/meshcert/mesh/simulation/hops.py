"""The context one simulated request carries from hop to hop: the cluster, the configuration
view, the lab's random generator, the wall-clock time, the recursion depth, and a way to make
outbound calls as a pod (for apps that call other services)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from meshcert.mesh.view import MeshView

from .state import SimulationState, current_view, state_of

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

MAX_DEPTH = 12


@dataclass(slots=True)
class Hop:
    """Treated as immutable (`deeper` and `seen_by` make new ones); not a frozen dataclass
    only because every request makes several and a frozen one is slower to build."""

    cluster: Cluster
    view: MeshView
    state: SimulationState
    now: datetime
    depth: int = 0

    @classmethod
    def start(cls, cluster: Cluster) -> Hop:
        state = state_of(cluster)
        try:
            now = cluster.logs.now()
        except Exception:  # pragma: no cover - a clock that cannot tell time
            now = datetime.now(UTC)
        return cls(cluster, current_view(cluster, state), state, now)

    def deeper(self) -> Hop:
        return Hop(self.cluster, self.view, self.state, self.now, self.depth + 1)

    def seen_by(self, view: MeshView) -> Hop:
        """This hop as a proxy holding `view` sees it."""
        return self if view is self.view else Hop(self.cluster, view, self.state, self.now,
                                                   self.depth)  # fmt: skip

    def log(self, namespace: str, pod: str, container: str, line: str) -> None:
        self.cluster.logs.append(namespace, pod, container, line)


__all__ = ["MAX_DEPTH", "Hop"]
