"""Server-side apply (`kubectl apply --server-side`): merging, removal, ownership, conflicts."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from meshcert.kube import patching
from meshcert.kube.errors import BadRequest, Conflict, InternalError, KubeError
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.served_kinds import default_registry

REGISTRY = default_registry()
T0, T1, T2 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"


def _kind(group: str, plural: str) -> ResourceKind:
    kind = REGISTRY.by_plural(group, plural)
    assert kind is not None
    return kind


DEPLOYMENTS = _kind("apps", "deployments")


def deployment(image: str = "nginx:1.25", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
            **spec,
        },
    }


def apply(
    current: dict[str, Any] | None,
    body: dict[str, Any],
    manager: str = "kubectl",
    *,
    force: bool = False,
    now: str = T0,
    kind: ResourceKind = DEPLOYMENTS,
) -> dict[str, Any]:
    return patching.server_side_apply(
        kind, current, body, field_manager=manager, force=force, now=now
    )


def managers(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["manager"], e["operation"]) for e in obj["metadata"].get("managedFields", [])]


def test_apply_creates_the_object_with_an_apply_entry_in_fields_v1() -> None:
    out = apply(None, deployment(replicas=3))

    assert out["spec"]["replicas"] == 3
    assert out["metadata"]["managedFields"] == [
        {
            "manager": "kubectl",
            "operation": "Apply",
            "apiVersion": "apps/v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {
                    "f:replicas": {},
                    "f:selector": {},
                    "f:template": {
                        "f:metadata": {"f:labels": {"f:app": {}}},
                        "f:spec": {
                            "f:containers": {
                                'k:{"name":"web"}': {".": {}, "f:image": {}, "f:name": {}}
                            }
                        },
                    },
                },
            },
        }
    ]


def test_reapplying_changes_fields_and_removes_those_no_longer_applied() -> None:
    first = apply(None, deployment(replicas=3))
    second = deployment(image="nginx:1.26")
    second["metadata"]["labels"] = {"team": "a"}

    out = apply(first, second, now=T1)

    assert "replicas" not in out["spec"]
    assert out["metadata"]["labels"] == {"team": "a"}
    assert out["spec"]["template"]["spec"]["containers"] == [{"name": "web", "image": "nginx:1.26"}]
    assert out["metadata"]["managedFields"][0]["time"] == T1


def test_reapplying_the_same_configuration_changes_nothing() -> None:
    first = apply(None, deployment(replicas=3))

    again = apply(first, deployment(replicas=3), now=T2)

    assert again == first


def test_fields_another_manager_owns_survive_when_one_stops_applying_them() -> None:
    first = apply(None, deployment(replicas=3))
    shared = apply(first, deployment(replicas=3), "ci", now=T1)

    out = apply(shared, deployment(), now=T2)

    assert out["spec"]["replicas"] == 3
    assert managers(out) == [("kubectl", "Apply"), ("ci", "Apply")]


@pytest.mark.parametrize(
    ("owner_operation", "message"),
    [
        (
            "Apply",
            'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas',
        ),
        (
            "Update",
            'Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas',
        ),
    ],
    ids=["with-an-applier", "with-an-updater"],
)
def test_applying_a_different_value_to_a_field_someone_else_owns_conflicts(
    owner_operation: str, message: str
) -> None:
    if owner_operation == "Apply":
        live = apply(None, deployment(replicas=3))
    else:
        live = patching.track_update(
            DEPLOYMENTS, None, deployment(replicas=3), field_manager="kubectl", now=T0
        )

    with pytest.raises(Conflict) as caught:
        apply(live, deployment(replicas=5), "ci", now=T1)

    status = caught.value.status()
    assert status["code"] == 409
    assert status["reason"] == "Conflict"
    assert status["message"] == message
    assert status["details"]["causes"] == [
        {
            "reason": "FieldManagerConflict",
            "message": message.split(": ", 1)[1].rsplit(": ", 1)[0],
            "field": ".spec.replicas",
        }
    ]


def test_conflict_with_client_side_apply_names_its_manager_and_version() -> None:
    created = deployment(replicas=3)
    live = patching.track_update(
        DEPLOYMENTS, None, created, field_manager="kubectl-client-side-apply", now=T0
    )

    with pytest.raises(Conflict) as caught:
        apply(live, deployment(replicas=5), "kubectl", now=T1)

    assert caught.value.message == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using '
        "apps/v1: .spec.replicas"
    )


def test_several_conflicts_are_listed_by_manager() -> None:
    live = apply(None, deployment(replicas=3), "alpha")
    live = patching.apply_patch(
        DEPLOYMENTS,
        live,
        patching.MERGE,
        {"spec": {"minReadySeconds": 5, "paused": True}},
        field_manager="beta",
        now=T1,
    )
    body = deployment(image="nginx:2", replicas=4, minReadySeconds=9, paused=False)

    with pytest.raises(Conflict) as caught:
        apply(live, body, "gamma", now=T2)

    assert caught.value.message == (
        'Apply failed with 4 conflicts: conflicts with "alpha":\n'
        "- .spec.replicas\n"
        '- .spec.template.spec.containers[name="web"].image\n'
        'conflicts with "beta" using apps/v1:\n'
        "- .spec.minReadySeconds\n"
        "- .spec.paused"
    )
    assert len(caught.value.causes) == 4


def test_forcing_moves_ownership_of_conflicting_fields() -> None:
    live = apply(None, deployment(replicas=3))

    body = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 5}}

    out = apply(live, body, "hpa", force=True, now=T1)

    assert out["spec"]["replicas"] == 5
    entries = {e["manager"]: e["fieldsV1"] for e in out["metadata"]["managedFields"]}
    assert "f:replicas" not in entries["kubectl"]["f:spec"]
    assert entries["hpa"] == {"f:spec": {"f:replicas": {}}}


def test_object_without_managers_is_first_attributed_to_before_first_apply() -> None:
    live = deployment(replicas=3)

    with pytest.raises(Conflict) as caught:
        apply(live, deployment(replicas=4))

    assert caught.value.message == (
        'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: '
        ".spec.replicas"
    )
    out = apply(live, deployment(replicas=3))
    assert managers(out) == [("kubectl", "Apply"), ("before-first-apply", "Update")]


def test_associative_list_merges_items_and_keeps_those_of_other_managers() -> None:
    live = apply(None, deployment())
    injected = copy.deepcopy(live)
    injected["spec"]["template"]["spec"]["containers"].insert(
        0, {"name": "istio-init", "image": "proxyv2"}
    )
    injected["spec"]["template"]["spec"]["containers"].append(
        {"name": "istio-proxy", "image": "proxyv2"}
    )
    live = patching.track_update(DEPLOYMENTS, live, injected, field_manager="injector", now=T1)
    body = deployment(image="nginx:1.26")
    body["spec"]["template"]["spec"]["containers"].append({"name": "worker", "image": "w"})

    out = apply(live, body, now=T2)

    assert out["spec"]["template"]["spec"]["containers"] == [
        {"name": "istio-init", "image": "proxyv2"},
        {"name": "web", "image": "nginx:1.26"},
        {"name": "istio-proxy", "image": "proxyv2"},
        {"name": "worker", "image": "w"},
    ]


def test_dropping_an_applied_container_removes_it() -> None:
    body = deployment()
    body["spec"]["template"]["spec"]["containers"].append({"name": "worker", "image": "w"})
    live = apply(None, body)

    out = apply(live, deployment(), now=T1)

    assert [c["name"] for c in out["spec"]["template"]["spec"]["containers"]] == ["web"]


def test_set_lists_merge_by_value() -> None:
    body = deployment()
    body["metadata"]["finalizers"] = ["example.com/a"]
    live = apply(None, body)
    theirs = copy.deepcopy(live)
    theirs["metadata"]["finalizers"].append("example.com/gc")
    live = patching.track_update(DEPLOYMENTS, live, theirs, field_manager="gc", now=T1)
    body["metadata"]["finalizers"] = ["example.com/b"]

    out = apply(live, body, now=T2)

    assert out["metadata"]["finalizers"] == ["example.com/gc", "example.com/b"]
    entry = out["metadata"]["managedFields"][0]
    assert entry["fieldsV1"]["f:metadata"]["f:finalizers"] == {'v:"example.com/b"': {}}


def test_atomic_maps_are_replaced_whole() -> None:
    live = apply(None, deployment())
    body = deployment()
    body["spec"]["selector"] = {"matchExpressions": [{"key": "app", "operator": "Exists"}]}

    out = apply(live, body)

    assert out["spec"]["selector"] == body["spec"]["selector"]


def test_lists_of_custom_resources_are_replaced_whole() -> None:
    kind = _kind("networking.istio.io", "virtualservices")
    vs: dict[str, Any] = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "r", "namespace": "shop"},
        "spec": {"hosts": ["r"], "http": [{"route": [{"destination": {"host": "v1"}}]}]},
    }
    first = apply(None, vs, kind=kind)
    vs["spec"]["http"] = [{"route": [{"destination": {"host": "v2"}}]}]

    out = apply(first, vs, kind=kind, now=T1)

    assert out["spec"]["http"] == [{"route": [{"destination": {"host": "v2"}}]}]
    assert out["metadata"]["managedFields"][0]["fieldsV1"] == {
        "f:spec": {"f:hosts": {}, "f:http": {}}
    }


def test_status_is_not_owned_through_the_main_resource() -> None:
    body = deployment()
    body["status"] = {"replicas": 9}

    out = apply(None, body)

    assert "f:status" not in out["metadata"]["managedFields"][0]["fieldsV1"]


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (
            {**deployment(), "apiVersion": "apps/v1beta1"},
            BadRequest,
            "Incorrect version specified in apply patch. Specified patch version: "
            "apps/v1beta1, expected: apps/v1",
        ),
        (
            {**deployment(), "metadata": {"name": "web", "managedFields": []}},
            BadRequest,
            "metadata.managedFields must be nil",
        ),
        (
            {
                **deployment(),
                "spec": {
                    "template": {
                        "spec": {"containers": [{"name": "web", "image": "a"}, {"name": "web"}]}
                    }
                },
            },
            InternalError,
            "failed to create typed patch object (shop/web; apps/v1, Kind=Deployment): "
            '.spec.template.spec.containers: duplicate entries for key [name="web"]',
        ),
    ],
    ids=["wrong-version", "managed-fields-in-body", "duplicate-list-keys"],
)
def test_malformed_apply_configuration(
    body: dict[str, Any], error: type[KubeError], message: str
) -> None:
    with pytest.raises(error) as caught:
        apply(None, body)

    assert caught.value.message == message


def test_apply_through_apply_patch_leaves_inputs_untouched() -> None:
    live = apply(None, deployment(replicas=3))
    kept, body = copy.deepcopy(live), deployment(image="nginx:9")
    sent = copy.deepcopy(body)

    out = patching.apply_patch(
        DEPLOYMENTS, live, patching.APPLY, body, field_manager="kubectl", now=T1
    )
    out["spec"]["template"]["spec"]["containers"][0]["image"] = "mutated"

    assert live == kept
    assert body == sent
