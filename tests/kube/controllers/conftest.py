"""A cluster with the built-in controllers and hooks, a `default` namespace and two Ready
nodes (kind's control plane and one worker), on a clock that moves only when told to."""

from __future__ import annotations

import pytest

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster

from .builders import make_cluster


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cluster(clock: FakeClock) -> Cluster:
    return make_cluster(clock, nodes=("kind-control-plane", "kind-worker"))
