"""Commit listeners see each request's changes once controllers settled; a listener that fails
vetoes the commit and the cluster undoes it (the lab's journal is such a listener: a change it
cannot make durable must not stay)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from meshcert.kube.cluster import Cluster, new_cluster
from meshcert.kube.errors import InternalError
from meshcert.kube.store import WatchEvent


class Veto:
    def __init__(self) -> None:
        self.armed = False
        self.seen: list[list[WatchEvent]] = []

    def __call__(self, events: list[WatchEvent]) -> None:
        self.seen.append(events)
        if self.armed:
            raise InternalError("the lab could not save the change: disk full")


@pytest.fixture
def cluster() -> Cluster:
    cluster = new_cluster()
    ns = cluster.kind("", "namespaces")
    cluster.create(ns, {"metadata": {"name": "default"}})
    return cluster


def _state(cluster: Cluster) -> list[dict[str, Any]]:
    """Every object without its resourceVersion: undoing is itself a change that watchers see,
    so restored objects carry a fresh one."""
    objects = copy.deepcopy(cluster.store.dump()["objects"])
    for entry in objects:
        del entry["object"]["metadata"]["resourceVersion"]
    return sorted(objects, key=lambda e: (e["plural"], e["object"]["metadata"]["name"]))


def _cm(name: str, value: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "data": {"k": value}}


@pytest.mark.parametrize("operation", ["create", "update", "delete", "namespace"])
def test_a_vetoed_commit_is_undone(cluster: Cluster, operation: str) -> None:
    cm = cluster.kind("", "configmaps")
    cluster.create(cm, _cm("kept", "1"), "default")
    veto = Veto()
    cluster.commit_listeners.append(veto)
    before = _state(cluster)
    veto.armed = True
    changes: dict[str, Callable[[], object]] = {
        "create": lambda: cluster.create(cm, _cm("new", "1"), "default"),
        "update": lambda: cluster.update(cm, _cm("kept", "2"), "default", "kept"),
        "delete": lambda: cluster.delete(cm, "default", "kept"),
        # a namespace brings its service account and root CA config map with it
        "namespace": lambda: cluster.create(
            cluster.kind("", "namespaces"), {"metadata": {"name": "other"}}
        ),
    }
    with pytest.raises(InternalError):
        changes[operation]()
    assert _state(cluster) == before
    veto.armed = False
    cluster.create(cm, _cm("after", "1"), "default")
    assert cluster.get(cm, "default", "after")["data"] == {"k": "1"}


def test_listeners_get_the_request_and_the_controllers_changes_together(
    cluster: Cluster,
) -> None:
    veto = Veto()
    cluster.commit_listeners.append(veto)
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "other"}})
    assert len(veto.seen) == 1
    kinds = {(e.kind.kind, e.name) for e in veto.seen[0]}
    assert ("Namespace", "other") in kinds
    assert ("ServiceAccount", "default") in kinds


def test_a_failed_write_in_a_transaction_still_commits_what_went_before(cluster: Cluster) -> None:
    # The block's exception ends the transaction as its end would: controllers and listeners
    # run for the writes made so far, and the cluster takes requests afterwards.
    veto = Veto()
    cluster.commit_listeners.append(veto)
    cms = cluster.kind("", "configmaps")

    def half_way() -> None:
        with cluster.transaction():
            cluster.create(cms, _cm("first", "1"), "default")
            raise KeyError("the request fails half-way")

    with pytest.raises(KeyError):
        half_way()
    assert [[e.name for e in events] for events in veto.seen] == [["first"]]
    cluster.create(cms, _cm("second", "2"), "default")
    assert [[e.name for e in events] for events in veto.seen][-1] == ["second"]


def test_new_objects_get_distinct_random_version_4_uids(cluster: Cluster) -> None:
    import uuid

    cms = cluster.kind("", "configmaps")
    uids = [
        cluster.create(cms, _cm(f"cm-{i}", "v"), "default")["metadata"]["uid"] for i in range(200)
    ]
    assert len(set(uids)) == len(uids)
    for text in uids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
