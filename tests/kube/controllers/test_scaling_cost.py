"""Reconciling stays linear: the number of writes grows with the pods, not their square."""

from __future__ import annotations

import pytest

from meshcert.kube.clock import FakeClock

from .builders import create, deployment, make_cluster


def writes_for(replicas: int) -> int:
    cluster = make_cluster(FakeClock(), nodes=("a", "b"))
    before = cluster.store.resource_version
    create(cluster, deployment("web", replicas=replicas))
    return cluster.store.resource_version - before


@pytest.mark.parametrize("replicas", [50, 100])
def test_writes_grow_linearly_with_replicas(replicas: int) -> None:
    small = writes_for(10)
    large = writes_for(replicas)
    per_pod = small / 10
    assert large <= per_pod * replicas * 1.2
