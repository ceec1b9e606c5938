"""The store's bookkeeping (object count, dependents by owner uid) and copy-on-write writes."""

from __future__ import annotations

from typing import Any

from meshcert.kube.cluster import Cluster
from meshcert.kube.store import Store


def _cluster() -> Cluster:
    cluster = Cluster()
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "default"}})
    return cluster


def _owned(name: str, uid: str) -> dict[str, Any]:
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}
    return {"metadata": {"name": name, "ownerReferences": [ref]}}


def test_count_and_dependents_follow_writes_deletes_and_loads() -> None:
    cluster = _cluster()
    cms = cluster.kind("", "configmaps")
    owner = cluster.create(cms, {"metadata": {"name": "owner"}}, "default")
    uid = owner["metadata"]["uid"]
    cluster.create(cms, _owned("a", uid), "default")
    cluster.create(cms, _owned("b", uid), "default")
    assert cluster.store.count() == 4
    assert cluster.store.has_dependents(uid)
    cluster.update(cms, {"metadata": {"name": "a"}}, "default", "a")  # drops its reference
    cluster.delete(cms, "default", "b")
    assert not cluster.store.has_dependents(uid)
    assert cluster.store.count() == 3
    cluster.create(cms, _owned("c", uid), "default")

    copy = Store(cluster.registry)
    copy.load(cluster.store.dump())
    assert copy.count() == cluster.store.count()
    assert copy.has_dependents(uid)
    meta = {"name": "c", "namespace": "default", "resourceVersion": "999"}
    copy.apply_event("", "configmaps", "DELETED", {"metadata": meta})
    assert not copy.has_dependents(uid)
    assert copy.count() == cluster.store.count() - 1


def test_cascading_deletion_still_finds_dependents() -> None:
    cluster = _cluster()
    cms = cluster.kind("", "configmaps")
    owner = cluster.create(cms, {"metadata": {"name": "owner"}}, "default")
    cluster.create(cms, _owned("child", owner["metadata"]["uid"]), "default")
    cluster.delete(cms, "default", "owner")
    assert cluster.find(cms, "default", "child") is None


def test_a_status_write_leaves_the_previous_version_and_the_callers_object_alone() -> None:
    cluster = _cluster()  # no controllers: nothing rewrites the status after the test
    deployments = cluster.kind("apps", "deployments")
    body = {
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            },
        },
    }
    before = cluster.create(deployments, body, "default")
    kept = repr(before)
    status = {"replicas": 7, "conditions": [{"type": "Available", "status": "False"}]}
    meta = {k: v for k, v in before["metadata"].items() if k != "resourceVersion"}
    sent = {**before, "metadata": meta, "status": status}
    after = cluster.update(deployments, sent, "default", "web", subresource="status")
    assert repr(before) == kept  # the version handed out before is never changed in place
    status["conditions"][0]["status"] = "True"  # nor does the caller's object reach the store
    stored = cluster.get(deployments, "default", "web")
    assert stored["status"]["conditions"][0]["status"] == "False"
    assert stored is after
    assert after["spec"] == before["spec"]


def test_a_namespace_lists_what_is_in_it_after_writes_deletes_loads_and_replays() -> None:
    cluster = _cluster()
    for ns in ("shop", "zoo"):
        cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": ns}})
    cms = cluster.kind("", "configmaps")
    for ns, name in [("shop", "b"), ("zoo", "a"), ("shop", "a"), ("shop", "c"), ("zoo", "z")]:
        cluster.create(cms, {"metadata": {"name": name}}, ns)
    cluster.delete(cms, "shop", "c")
    cluster.update(cms, {"metadata": {"name": "a"}, "data": {"k": "v"}}, "shop", "a")

    def names(store: Store, ns: str | None) -> list[tuple[str, str]]:
        return [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in store.list(cms, ns)]

    assert names(cluster.store, "shop") == [("shop", "a"), ("shop", "b")]
    assert names(cluster.store, "zoo") == [("zoo", "a"), ("zoo", "z")]
    assert names(cluster.store, "nowhere") == []
    assert names(cluster.store, None) == [("shop", "a"), ("shop", "b"), ("zoo", "a"), ("zoo", "z")]
    copy = Store(cluster.registry)
    copy.load(cluster.store.dump())
    assert names(copy, "shop") == [("shop", "a"), ("shop", "b")]
    gone = cluster.store.get(cms, "zoo", "a")
    assert gone is not None
    copy.apply_event("", "configmaps", "DELETED", gone)
    copy.apply_event("", "configmaps", "ADDED", {"metadata": {**gone["metadata"], "name": "n"}})
    assert names(copy, "zoo") == [("zoo", "n"), ("zoo", "z")]
