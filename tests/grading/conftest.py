"""A bookinfo + httpbin + curl lab (Istio demo profile) per test, restored from one seeded
store so each test starts from the same objects and pod names."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from meshcert.grading.clients.inprocess import InProcessClient
from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed


@cache
def _seeded() -> dict[str, Any]:
    cluster = new_cluster()
    seed(cluster, load_scenario("bookinfo-httpbin-curl"))
    return cluster.store.dump()


def fresh_lab(mesh_seed: int = 0) -> Cluster:
    fresh = new_cluster()
    fresh.store.load(copy.deepcopy(_seeded()))
    fresh.extensions["mesh.seed"] = mesh_seed
    return fresh


@pytest.fixture
def make_cluster() -> Callable[[int], Cluster]:
    return fresh_lab


@pytest.fixture
def cluster() -> Cluster:
    return fresh_lab()


@pytest.fixture
def client(cluster: Cluster) -> InProcessClient:
    return InProcessClient(cluster)
