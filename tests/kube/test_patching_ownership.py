"""Update managers in `metadata.managedFields` and the `FieldsV1` notation."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshcert.kube import patching
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.patching.fieldsets import FieldPath, decode, describe, encode
from meshcert.kube.served_kinds import default_registry

T0, T1 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"
_DEPLOYMENTS = default_registry().by_plural("apps", "deployments")
assert _DEPLOYMENTS is not None
DEPLOYMENTS: ResourceKind = _DEPLOYMENTS

CONFIG: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "uid": "u", "resourceVersion": "7"},
    "spec": {
        "replicas": 2,
        "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}},
    },
    "status": {"replicas": 2},
}


def entries(obj: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = obj["metadata"].get("managedFields", [])
    return out


def test_create_makes_the_writer_own_every_field_but_system_ones_and_status() -> None:
    out = patching.track_update(
        DEPLOYMENTS, None, CONFIG, field_manager="kubectl-client-side-apply", now=T0
    )

    assert entries(out) == [
        {
            "manager": "kubectl-client-side-apply",
            "operation": "Update",
            "apiVersion": "apps/v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:spec": {
                    "f:replicas": {},
                    "f:template": {
                        "f:spec": {
                            "f:containers": {
                                'k:{"name":"web"}': {".": {}, "f:image": {}, "f:name": {}}
                            }
                        }
                    },
                }
            },
        }
    ]
    assert "managedFields" not in CONFIG["metadata"]


def test_an_update_takes_over_the_fields_it_changes() -> None:
    live = patching.track_update(DEPLOYMENTS, None, CONFIG, field_manager="creator", now=T0)

    out = patching.apply_patch(
        DEPLOYMENTS,
        live,
        patching.STRATEGIC,
        {"spec": {"replicas": 5}},
        field_manager="kubectl-edit",
        now=T1,
    )

    owned = {e["manager"]: e["fieldsV1"] for e in entries(out)}
    assert owned["kubectl-edit"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in owned["creator"]["f:spec"]
    assert [e["time"] for e in entries(out)] == [T0, T1]


def test_a_patch_that_changes_nothing_records_no_new_manager() -> None:
    live = patching.track_update(DEPLOYMENTS, None, CONFIG, field_manager="creator", now=T0)

    out = patching.apply_patch(
        DEPLOYMENTS, live, patching.MERGE, {"spec": {"replicas": 2}}, field_manager="x", now=T1
    )

    assert out == live


@pytest.mark.parametrize(
    ("field_manager", "requested", "expected"),
    [
        ("kubectl-patch", None, []),
        ("", None, []),
        ("kubectl-patch", [{}], []),
    ],
    ids=["untracked-object-stays-untracked", "no-manager-named", "reset-by-empty-entry"],
)
def test_when_updates_are_not_tracked(
    field_manager: str, requested: list[dict[str, Any]] | None, expected: list[Any]
) -> None:
    new = copy.deepcopy(CONFIG)
    new["spec"]["replicas"] = 3
    if requested is not None:
        new["metadata"]["managedFields"] = requested
    old = (
        CONFIG
        if requested is None
        else patching.track_update(DEPLOYMENTS, None, CONFIG, field_manager="creator", now=T0)
    )

    out = patching.track_update(DEPLOYMENTS, old, new, field_manager=field_manager, now=T1)

    assert entries(out) == expected


PATHS: list[tuple[FieldPath, str]] = [
    (("f:spec", "f:replicas"), ".spec.replicas"),
    (
        ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"web"}', "f:image"),
        '.spec.template.spec.containers[name="web"].image',
    ),
    (
        ("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}'),
        '.spec.ports[port=80,protocol="TCP"]',
    ),
    (("f:metadata", "f:finalizers", 'v:"example.com/a"'), '.metadata.finalizers[="example.com/a"]'),
    (("f:spec", "f:args", "i:2"), ".spec.args[2]"),
]


@pytest.mark.parametrize(("path", "text"), PATHS, ids=[t for _, t in PATHS])
def test_paths_are_described_as_conflict_messages_name_them(path: FieldPath, text: str) -> None:
    assert describe(path) == text


def test_fields_v1_round_trips_and_marks_items_with_children() -> None:
    fields = frozenset(
        {
            ("f:spec", "f:replicas"),
            ("f:spec", "f:containers", 'k:{"name":"web"}'),
            ("f:spec", "f:containers", 'k:{"name":"web"}', "f:image"),
            ("f:metadata", "f:finalizers", 'v:"a"'),
        }
    )

    tree = encode(fields)

    assert tree == {
        "f:metadata": {"f:finalizers": {'v:"a"': {}}},
        "f:spec": {
            "f:containers": {'k:{"name":"web"}': {".": {}, "f:image": {}}},
            "f:replicas": {},
        },
    }
    assert decode(tree) == fields


_ELEMENTS = st.sampled_from(
    ["f:a", "f:B", "f:spec", "f:z.y", 'k:{"name":"web"}', 'k:{"port":80}', 'v:"x"', "i:0", "i:10"]
)


@settings(max_examples=200, deadline=None)
@given(st.frozensets(st.lists(_ELEMENTS, min_size=1, max_size=4).map(tuple), max_size=12))
def test_fields_v1_lists_keys_in_order_dot_first_and_round_trips(
    fields: frozenset[FieldPath],
) -> None:
    # The apiserver writes fieldsV1 with every mapping's keys sorted and "." (the item itself
    # is owned) first: `kubectl get -o yaml --show-managed-fields` shows them in that order.
    tree = encode(fields)

    def check(node: dict[str, Any]) -> None:
        keys = list(node)
        assert keys == sorted(keys, key=lambda k: (k != ".", k))
        for child in node.values():
            check(child)

    check(tree)
    assert decode(tree) == fields
