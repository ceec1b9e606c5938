"""Strategic merge patch as kubectl sends it: apply's three-way patches, rollout restart, edit."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from meshcert.kube import patching
from meshcert.kube.errors import BadRequest, InternalError, KubeError, UnsupportedMediaType
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.served_kinds import default_registry

REGISTRY = default_registry()


def _kind(group: str, plural: str) -> ResourceKind:
    kind = REGISTRY.by_plural(group, plural)
    assert kind is not None
    return kind


DEPLOYMENTS = _kind("apps", "deployments")
SERVICES = _kind("", "services")
PODS = _kind("", "pods")

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "finalizers": ["a", "b"]},
    "spec": {
        "replicas": 2,
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
        },
        "template": {
            "metadata": {"labels": {"app": "web", "tier": "fe"}},
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "nginx:1.25",
                        "args": ["--a"],
                        "ports": [
                            {"containerPort": 80, "protocol": "TCP"},
                            {"containerPort": 8080, "protocol": "TCP"},
                        ],
                        "env": [{"name": "A", "value": "1"}],
                    },
                    {"name": "istio-proxy", "image": "istio/proxyv2"},
                ],
                "volumes": [{"name": "data", "emptyDir": {}}],
            },
        },
    },
}
TEMPLATE_SPEC = DEPLOYMENT["spec"]["template"]["spec"]
WEB, PROXY = TEMPLATE_SPEC["containers"]


def _pod_spec(body: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"template": {"spec": body}}}


def _web(**changes: Any) -> dict[str, Any]:
    return {**WEB, **changes}


CASES: list[tuple[str, dict[str, Any], tuple[str, ...], Any]] = [
    (
        "apply-changes-image",
        _pod_spec(
            {
                "$setElementOrder/containers": [{"name": "web"}],
                "containers": [{"image": "nginx:1.26", "name": "web"}],
            }
        ),
        ("spec", "template", "spec", "containers"),
        [_web(image="nginx:1.26"), PROXY],
    ),
    (
        "apply-adds-env",
        _pod_spec(
            {
                "$setElementOrder/containers": [{"name": "web"}],
                "containers": [
                    {
                        "$setElementOrder/env": [{"name": "A"}, {"name": "B"}],
                        "env": [{"name": "B", "value": "2"}],
                        "name": "web",
                    }
                ],
            }
        ),
        ("spec", "template", "spec", "containers"),
        [_web(env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]), PROXY],
    ),
    (
        "apply-removes-a-port",
        _pod_spec(
            {
                "$setElementOrder/containers": [{"name": "web"}],
                "containers": [
                    {
                        "$setElementOrder/ports": [{"containerPort": 80}],
                        "name": "web",
                        "ports": [{"$patch": "delete", "containerPort": 8080}],
                    }
                ],
            }
        ),
        ("spec", "template", "spec", "containers"),
        [_web(ports=[{"containerPort": 80, "protocol": "TCP"}]), PROXY],
    ),
    (
        "apply-adds-a-container-before-server-only-sidecar",
        _pod_spec(
            {
                "$setElementOrder/containers": [{"name": "web"}, {"name": "worker"}],
                "containers": [{"image": "worker:1", "name": "worker"}],
            }
        ),
        ("spec", "template", "spec", "containers"),
        [WEB, {"name": "worker", "image": "worker:1"}, PROXY],
    ),
    (
        "apply-removes-a-label",
        {"spec": {"template": {"metadata": {"labels": {"tier": None}}}}},
        ("spec", "template", "metadata", "labels"),
        {"app": "web"},
    ),
    (
        "apply-switches-to-recreate-with-retain-keys",
        {
            "spec": {
                "strategy": {"$retainKeys": ["type"], "rollingUpdate": None, "type": "Recreate"}
            }
        },
        ("spec", "strategy"),
        {"type": "Recreate"},
    ),
    (
        "apply-switches-volume-source-with-retain-keys",
        _pod_spec(
            {
                "$setElementOrder/volumes": [{"name": "data"}],
                "volumes": [
                    {
                        "$retainKeys": ["configMap", "name"],
                        "configMap": {"name": "cfg"},
                        "emptyDir": None,
                        "name": "data",
                    }
                ],
            }
        ),
        ("spec", "template", "spec", "volumes"),
        [{"name": "data", "configMap": {"name": "cfg"}}],
    ),
    (
        "apply-edits-finalizers",
        {
            "metadata": {
                "$deleteFromPrimitiveList/finalizers": ["a"],
                "$setElementOrder/finalizers": ["b", "c"],
                "finalizers": ["c"],
            }
        },
        ("metadata", "finalizers"),
        ["b", "c"],
    ),
    (
        "rollout-restart",
        {
            "spec": {
                "template": {
                    "metadata": {
                        "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-03-01T10:00:00Z"}
                    }
                }
            }
        },
        ("spec", "template", "metadata"),
        {
            "labels": {"app": "web", "tier": "fe"},
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-03-01T10:00:00Z"},
        },
    ),
    (
        "set-element-order-alone-reorders",
        _pod_spec({"$setElementOrder/containers": [{"name": "istio-proxy"}, {"name": "web"}]}),
        ("spec", "template", "spec", "containers"),
        [PROXY, WEB],
    ),
    (
        "patch-delete-removes-list-item",
        _pod_spec({"containers": [{"$patch": "delete", "name": "istio-proxy"}]}),
        ("spec", "template", "spec", "containers"),
        [WEB],
    ),
    (
        "patch-replace-replaces-list",
        _pod_spec({"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}),
        ("spec", "template", "spec", "containers"),
        [{"name": "only", "image": "x"}],
    ),
    (
        "patch-replace-replaces-map",
        {"spec": {"template": {"metadata": {"labels": {"$patch": "replace", "app": "new"}}}}},
        ("spec", "template", "metadata", "labels"),
        {"app": "new"},
    ),
    (
        "patch-delete-empties-map",
        {"spec": {"strategy": {"$patch": "delete"}}},
        ("spec", "strategy"),
        {},
    ),
    (
        "list-without-merge-strategy-is-replaced",
        _pod_spec({"containers": [{"name": "web", "args": ["--b"]}]}),
        ("spec", "template", "spec", "containers"),
        [_web(args=["--b"]), PROXY],
    ),
    (
        "empty-list-patch-keeps-merged-list",
        _pod_spec({"containers": []}),
        ("spec", "template", "spec", "containers"),
        [WEB, PROXY],
    ),
    (
        "null-for-absent-field-adds-nothing",
        _pod_spec({"nodeName": None, "hostname": "h"}),
        ("spec", "template", "spec", "hostname"),
        "h",
    ),
    (
        "nested-new-list-drops-directives",
        _pod_spec(
            {
                "containers": [
                    {
                        "name": "web",
                        "$setElementOrder/envFrom": [],
                        "volumeMounts": [{"mountPath": "/d", "name": "data", "readOnly": None}],
                    }
                ]
            }
        ),
        ("spec", "template", "spec", "containers"),
        [_web(volumeMounts=[{"mountPath": "/d", "name": "data"}]), PROXY],
    ),
]


@pytest.mark.parametrize(
    ("body", "path", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_strategic_merge_patch_of_a_deployment(
    body: dict[str, Any], path: tuple[str, ...], expected: Any
) -> None:
    before = copy.deepcopy(DEPLOYMENT)

    out = patching.apply_patch(DEPLOYMENTS, DEPLOYMENT, patching.STRATEGIC, body)

    node: Any = out
    for name in path:
        node = node[name]
    assert node == expected
    assert "nodeName" not in out["spec"]["template"]["spec"]
    assert before == DEPLOYMENT


SERVICE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {
        "selector": {"app": "web"},
        "ports": [
            {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080},
            {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443},
        ],
    },
}


def test_service_ports_merge_by_port() -> None:
    body = {
        "spec": {
            "$setElementOrder/ports": [{"port": 80}, {"port": 443}],
            "ports": [{"port": 443, "targetPort": 8443}],
        }
    }

    out = patching.apply_patch(SERVICES, SERVICE, patching.STRATEGIC, body)

    assert [(p["port"], p["targetPort"]) for p in out["spec"]["ports"]] == [
        (80, 8080),
        (443, 8443),
    ]


def test_owner_references_merge_by_uid_and_conditions_by_type() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs1", "uid": "u1"}
            ],
        },
        "status": {"conditions": [{"type": "Ready", "status": "False"}]},
    }
    body = {
        "metadata": {
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs2", "uid": "u2"}
            ]
        },
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }

    out = patching.apply_patch(PODS, pod, patching.STRATEGIC, body)

    # Without $setElementOrder, items of the patch come first (as in the Kubernetes docs'
    # "update a deployment using a strategic merge patch" example).
    assert [r["uid"] for r in out["metadata"]["ownerReferences"]] == ["u2", "u1"]
    assert out["status"]["conditions"] == [{"type": "Ready", "status": "True"}]


def test_strategic_merge_patch_on_a_custom_resource_is_unsupported_media_type() -> None:
    kind = _kind("networking.istio.io", "virtualservices")
    current = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "spec": {}}

    with pytest.raises(UnsupportedMediaType) as caught:
        patching.apply_patch(kind, current, patching.STRATEGIC, {"spec": {"hosts": ["a"]}})

    assert caught.value.status()["code"] == 415
    assert caught.value.message == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/apply-patch+yaml"
    )


@pytest.mark.parametrize(
    ("kind", "current", "body", "error", "message"),
    [
        (
            SERVICES,
            SERVICE,
            {"spec": {"ports": [{"targetPort": 441}]}},
            InternalError,
            "map: map[targetPort:441] does not contain declared merge key: port",
        ),
        (
            DEPLOYMENTS,
            DEPLOYMENT,
            {"spec": {"strategy": {"$retainKeys": "type", "type": "Recreate"}}},
            BadRequest,
            "invalid patch format of retainKeys",
        ),
        (
            DEPLOYMENTS,
            DEPLOYMENT,
            {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}},
            BadRequest,
            "invalid patch format of retainKeys",
        ),
        (
            DEPLOYMENTS,
            DEPLOYMENT,
            _pod_spec({"$setElementOrder/containers": {"name": "web"}}),
            BadRequest,
            "invalid patch format of setElementOrder list",
        ),
        (
            DEPLOYMENTS,
            DEPLOYMENT,
            [{"spec": {}}],
            BadRequest,
            "json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
    ],
    ids=[
        "missing-merge-key",
        "retain-keys-not-a-list",
        "field-outside-retain-keys",
        "element-order-not-a-list",
        "body-not-an-object",
    ],
)
def test_malformed_strategic_merge_patch(
    kind: ResourceKind,
    current: dict[str, Any],
    body: Any,
    error: type[KubeError],
    message: str,
) -> None:
    with pytest.raises(error) as caught:
        patching.apply_patch(kind, current, patching.STRATEGIC, body)

    assert caught.value.message == message
