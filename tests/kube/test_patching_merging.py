"""JSON merge patch (label, annotate) and JSON patch (`kubectl patch --type=json`)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from meshcert.kube import patching
from meshcert.kube.errors import BadRequest, Invalid, KubeError, RequestEntityTooLarge
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.served_kinds import default_registry

REGISTRY = default_registry()
PODS = REGISTRY.by_plural("", "pods")
VIRTUAL_SERVICES = REGISTRY.by_plural("networking.istio.io", "virtualservices")


def _kind(kind: ResourceKind | None) -> ResourceKind:
    assert kind is not None
    return kind


POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "tier": "fe"}},
    "spec": {
        "containers": [
            {"name": "web", "image": "nginx:1.25", "args": ["--port", "80"]},
            {"name": "log", "image": "busybox"},
        ]
    },
}


@pytest.mark.parametrize(
    ("body", "labels"),
    [
        ({"metadata": {"labels": {"env": "prod"}}}, {"app": "web", "tier": "fe", "env": "prod"}),
        ({"metadata": {"labels": {"tier": None}}}, {"app": "web"}),
        ({"metadata": {"labels": {"app": "api"}}}, {"app": "api", "tier": "fe"}),
        ({"metadata": {"labels": None}}, None),
    ],
    ids=["label-add", "label-remove-with-null", "label-overwrite", "null-deletes-the-map"],
)
def test_merge_patch_of_labels_as_kubectl_label_sends(
    body: dict[str, Any], labels: dict[str, str] | None
) -> None:
    out = patching.apply_patch(_kind(PODS), POD, patching.MERGE, body)

    assert out["metadata"].get("labels") == labels
    assert out["spec"] == POD["spec"]


def test_merge_patch_replaces_lists_whole() -> None:
    body = {"spec": {"containers": [{"name": "web", "image": "nginx:1.26"}]}}

    out = patching.apply_patch(_kind(PODS), POD, patching.MERGE, body)

    assert out["spec"]["containers"] == [{"name": "web", "image": "nginx:1.26"}]


def test_merge_patch_works_on_custom_resources() -> None:
    current = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "reviews"},
        "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "v1"}}]}]},
    }
    body = {"spec": {"http": [{"route": [{"destination": {"host": "v2"}}]}]}}

    out = patching.apply_patch(_kind(VIRTUAL_SERVICES), current, patching.MERGE, body)

    assert out["spec"] == {
        "hosts": ["reviews"],
        "http": [{"route": [{"destination": {"host": "v2"}}]}],
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            ["not", "a", "map"],
            "error decoding patch: json: cannot unmarshal array into Go value of type "
            "map[string]interface {}",
        ),
        (
            "text",
            "error decoding patch: json: cannot unmarshal string into Go value of type "
            "map[string]interface {}",
        ),
        (None, "Invalid JSON Patch"),
    ],
    ids=["array", "string", "null"],
)
def test_merge_patch_that_is_not_an_object_is_a_bad_request(body: Any, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        patching.apply_patch(_kind(PODS), POD, patching.MERGE, body)

    assert caught.value.status()["message"] == message
    assert caught.value.status()["code"] == 400


@pytest.mark.parametrize(
    ("ops", "check"),
    [
        (
            [{"op": "replace", "path": "/spec/containers/0/image", "value": "nginx:1.26"}],
            lambda o: o["spec"]["containers"][0]["image"] == "nginx:1.26",
        ),
        (
            [{"op": "add", "path": "/spec/containers/0/args/-", "value": "--debug"}],
            lambda o: o["spec"]["containers"][0]["args"] == ["--port", "80", "--debug"],
        ),
        (
            [{"op": "remove", "path": "/metadata/labels/tier"}],
            lambda o: o["metadata"]["labels"] == {"app": "web"},
        ),
        (
            [
                {"op": "test", "path": "/metadata/labels/app", "value": "web"},
                {"op": "add", "path": "/metadata/annotations", "value": {"a": "b"}},
            ],
            lambda o: o["metadata"]["annotations"] == {"a": "b"},
        ),
        (
            [{"op": "move", "from": "/metadata/labels/tier", "path": "/metadata/labels/layer"}],
            lambda o: o["metadata"]["labels"] == {"app": "web", "layer": "fe"},
        ),
        (
            [{"op": "copy", "from": "/spec/containers/1", "path": "/spec/containers/-"}],
            lambda o: [c["name"] for c in o["spec"]["containers"]] == ["web", "log", "log"],
        ),
        (
            [{"op": "add", "path": "/metadata/labels/a~1b", "value": "x"}],
            lambda o: o["metadata"]["labels"]["a/b"] == "x",
        ),
    ],
    ids=["replace", "append", "remove", "test-then-add", "move", "copy", "escaped-slash"],
)
def test_json_patch_operations(ops: list[dict[str, Any]], check: Any) -> None:
    out = patching.apply_patch(_kind(PODS), POD, patching.JSON, ops)

    assert check(out)


@pytest.mark.parametrize(
    ("op", "cause"),
    [
        (
            {"op": "test", "path": "/metadata/labels/app", "value": "api"},
            "testing value /metadata/labels/app failed: test failed",
        ),
        (
            {"op": "replace", "path": "/spec/nodeName", "value": "n1"},
            "replace operation does not apply: doc is missing key: /spec/nodeName: missing value",
        ),
        (
            {"op": "replace", "path": "/spec/missing/deeper", "value": 1},
            "replace operation does not apply: doc is missing path: /spec/missing/deeper: "
            "missing value",
        ),
        (
            {"op": "add", "path": "/spec/missing/deeper", "value": 1},
            'add operation does not apply: doc is missing path: "/spec/missing/deeper": '
            "missing value",
        ),
        (
            {"op": "remove", "path": "/metadata/annotations"},
            "error in remove for path: '/metadata/annotations': Unable to remove nonexistent "
            "key: annotations: missing value",
        ),
        (
            {"op": "remove", "path": "/spec/containers/5"},
            "error in remove for path: '/spec/containers/5': Unable to access invalid index: "
            "5: invalid index referenced",
        ),
        (
            {"op": "move", "from": "/spec/absent/x", "path": "/spec/y"},
            "move operation does not apply: doc is missing from path: /spec/absent/x: "
            "missing value",
        ),
        ({"op": "frobnicate", "path": "/spec"}, "Unexpected kind: frobnicate"),
    ],
    ids=[
        "failed-test",
        "replace-missing-key",
        "replace-missing-parent",
        "add-missing-parent",
        "remove-missing-key",
        "remove-index-out-of-range",
        "move-missing-from",
        "unknown-op",
    ],
)
def test_json_patch_operation_that_does_not_apply_is_rejected_with_422(
    op: dict[str, Any], cause: str
) -> None:
    with pytest.raises(Invalid) as caught:
        patching.apply_patch(_kind(PODS), POD, patching.JSON, [op])

    # What kubectl prints: "The request is invalid: the server rejected our request due to an
    # error in our request" (the apiserver keeps the library's explanation in its log).
    assert caught.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server rejected our request due to an error in our request",
        "reason": "Invalid",
        "code": 422,
    }
    assert caught.value.__notes__ == [cause]


def test_json_patch_stops_at_the_first_failing_operation_and_changes_nothing() -> None:
    before = copy.deepcopy(POD)
    ops = [
        {"op": "replace", "path": "/metadata/labels/app", "value": "api"},
        {"op": "test", "path": "/metadata/labels/app", "value": "web"},
    ]

    with pytest.raises(Invalid):
        patching.apply_patch(_kind(PODS), POD, patching.JSON, ops)

    assert before == POD


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (
            {"op": "add", "path": "/a", "value": 1},
            BadRequest,
            "error decoding patch: json: cannot unmarshal object into Go value of type "
            "[]handlers.jsonPatchOp",
        ),
        (
            ["add"],
            BadRequest,
            "error decoding patch: json: cannot unmarshal string into Go value of type "
            "handlers.jsonPatchOp",
        ),
        (
            [{"op": "test", "path": "/kind", "value": "Pod"}] * 10_001,
            RequestEntityTooLarge,
            "The allowed maximum operations in a JSON patch is 10000, got 10001",
        ),
    ],
    ids=["object-instead-of-list", "operation-not-an-object", "too-many-operations"],
)
def test_malformed_json_patch(body: Any, error: type[KubeError], message: str) -> None:
    with pytest.raises(error) as caught:
        patching.apply_patch(_kind(PODS), POD, patching.JSON, body)

    assert caught.value.message == message


@pytest.mark.parametrize(
    ("patch_type", "body"),
    [
        (patching.MERGE, {"metadata": {"labels": {"x": "y"}}, "spec": {"containers": None}}),
        (patching.JSON, [{"op": "remove", "path": "/spec/containers/0"}]),
        (patching.STRATEGIC, {"spec": {"containers": [{"name": "web", "image": "x"}]}}),
    ],
    ids=["merge", "json", "strategic"],
)
def test_patching_leaves_current_object_and_body_untouched(patch_type: str, body: Any) -> None:
    current, sent = copy.deepcopy(POD), copy.deepcopy(body)

    out = patching.apply_patch(_kind(PODS), current, patch_type, sent)
    out["metadata"]["labels"]["mutated"] = "later"
    out["spec"].setdefault("containers", [{}])[0]["image"] = "mutated"

    assert current == POD
    assert sent == body
