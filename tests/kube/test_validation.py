"""Schema validation on write: strict decoding errors (400) and field errors (422) as the API
server words them, for built-in kinds and Istio's."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from meshcert.kube import errors
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.served_kinds import default_registry
from meshcert.kube.validation import (
    field_path,
    json_type,
    prune_unknown_fields,
    unknown_fields,
    validate_object,
)

REGISTRY = default_registry()
Obj = dict[str, Any]


def kind(group: str, plural: str) -> ResourceKind:
    rk = REGISTRY.by_plural(group, plural)
    assert rk is not None
    return rk


POD = kind("", "pods")
DEPLOYMENT = kind("apps", "deployments")
SERVICE = kind("", "services")
CONFIGMAP = kind("", "configmaps")
VIRTUALSERVICE = kind("networking.istio.io", "virtualservices")
PEERAUTHENTICATION = kind("security.istio.io", "peerauthentications")


def deployment() -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1},
            },
            "template": {
                "metadata": {
                    "labels": {"app": "web"},
                    "annotations": {"sidecar.istio.io/inject": "true"},
                },
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.27",
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                            "env": [{"name": "MODE", "value": "prod"}],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "64Mi"},
                                "limits": {"cpu": 0.5, "memory": "128Mi"},
                            },
                            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}},
                        }
                    ]
                },
            },
        },
        "status": {"replicas": 3, "conditions": [{"type": "Available", "status": "True"}]},
    }


def pod() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "default", "labels": {"app": "web"}},
        "spec": deployment()["spec"]["template"]["spec"],
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {
                    "name": "web",
                    "ready": True,
                    "restartCount": 0,
                    "image": "nginx:1.27",
                    "imageID": "docker.io/library/nginx@sha256:0",
                    "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}},
                }
            ],
        },
    }


def virtual_service() -> Obj:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "reviews", "namespace": "default"},
        "spec": {
            "hosts": ["reviews"],
            "http": [
                {
                    "match": [{"headers": {"end-user": {"exact": "jason"}}}],
                    "route": [{"destination": {"host": "reviews", "subset": "v2"}}],
                    "timeout": "1s",
                },
                {"route": [{"destination": {"host": "reviews", "port": {"number": 9080}}}]},
            ],
        },
    }


@pytest.mark.parametrize(
    ("rk", "make"),
    [
        (DEPLOYMENT, deployment),
        (POD, pod),
        (VIRTUALSERVICE, virtual_service),
        (
            CONFIGMAP,
            lambda: {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "c"},
                "data": {"a.txt": "x"},
            },
        ),
        (
            SERVICE,
            lambda: {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "s"},
                "spec": {"selector": {"app": "s"}, "ports": [{"port": 80, "targetPort": 8080}]},
            },
        ),
    ],
    ids=["deployment", "pod", "virtualservice", "configmap-data-map", "service-int-or-string"],
)
def test_valid_objects_pass(rk: ResourceKind, make: Callable[[], Obj]) -> None:
    validate_object(rk, make())


def _set(obj: Obj, path: tuple[str | int, ...], value: Any) -> Obj:
    target: Any = obj
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return obj


CONTAINER: tuple[str | int, ...] = ("spec", "template", "spec", "containers", 0)


@pytest.mark.parametrize(
    ("rk", "make", "path", "message"),
    [
        (
            DEPLOYMENT,
            deployment,
            ("spec", "foo"),
            'Deployment in version "v1" cannot be handled as a Deployment: '
            'strict decoding error: unknown field "spec.foo"',
        ),
        (
            DEPLOYMENT,
            deployment,
            (*CONTAINER, "imagePullPolice"),
            'Deployment in version "v1" cannot be handled as a Deployment: strict decoding '
            'error: unknown field "spec.template.spec.containers[0].imagePullPolice"',
        ),
        (
            DEPLOYMENT,
            deployment,
            ("metadata", "spec"),
            'Deployment in version "v1" cannot be handled as a Deployment: '
            'strict decoding error: unknown field "metadata.spec"',
        ),
        (
            DEPLOYMENT,
            deployment,
            ("replicas",),
            'Deployment in version "v1" cannot be handled as a Deployment: '
            'strict decoding error: unknown field "replicas"',
        ),
        (
            VIRTUALSERVICE,
            virtual_service,
            ("spec", "http", 1, "rout"),
            'VirtualService in version "v1" cannot be handled as a VirtualService: '
            'strict decoding error: unknown field "spec.http[1].rout"',
        ),
    ],
    ids=["spec", "in-list-item", "metadata", "top-level", "istio"],
)
def test_unknown_field_is_a_strict_decoding_error(
    rk: ResourceKind, make: Callable[[], Obj], path: tuple[str | int, ...], message: str
) -> None:
    with pytest.raises(errors.BadRequest) as caught:
        validate_object(rk, _set(make(), path, 1))
    assert caught.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "BadRequest",
        "code": 400,
    }


def test_several_unknown_fields_are_listed_in_document_order() -> None:
    obj = virtual_service()
    obj["spec"]["foo"] = 1
    obj["spec"]["bar"] = {"x": 1}
    with pytest.raises(errors.BadRequest) as caught:
        validate_object(VIRTUALSERVICE, obj)
    assert caught.value.message.endswith(
        'strict decoding error: unknown field "spec.foo", unknown field "spec.bar"'
    )


def test_the_version_in_the_message_is_the_objects() -> None:
    obj = virtual_service() | {"apiVersion": "networking.istio.io/v1beta1"}
    obj["spec"]["foo"] = 1
    with pytest.raises(errors.BadRequest, match=r'^VirtualService in version "v1beta1" cannot'):
        validate_object(VIRTUALSERVICE, obj)


def test_unknown_fields_win_over_type_errors() -> None:
    obj = _set(_set(deployment(), ("spec", "foo"), 1), ("spec", "replicas"), "3")
    with pytest.raises(errors.BadRequest):
        validate_object(DEPLOYMENT, obj)


@pytest.mark.parametrize(
    ("rk", "make", "path", "value", "cause"),
    [
        (
            DEPLOYMENT,
            deployment,
            ("spec", "replicas"),
            "three",
            errors.Cause(
                "FieldValueTypeInvalid",
                'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
                "spec.replicas",
            ),
        ),
        (
            DEPLOYMENT,
            deployment,
            (*CONTAINER, "ports", 0, "containerPort"),
            "80",
            errors.Cause(
                "FieldValueTypeInvalid",
                'Invalid value: "string": spec.template.spec.containers[0].ports[0]'
                '.containerPort in body must be of type integer: "string"',
                "spec.template.spec.containers[0].ports[0].containerPort",
            ),
        ),
        (
            DEPLOYMENT,
            deployment,
            ("metadata", "labels", "version"),
            2,
            errors.Cause(
                "FieldValueTypeInvalid",
                'Invalid value: "integer": metadata.labels.version in body must be of type '
                'string: "integer"',
                "metadata.labels.version",
            ),
        ),
        (
            DEPLOYMENT,
            deployment,
            ("spec", "paused"),
            "yes",
            errors.Cause(
                "FieldValueTypeInvalid",
                'Invalid value: "string": spec.paused in body must be of type boolean: "string"',
                "spec.paused",
            ),
        ),
        (
            DEPLOYMENT,
            deployment,
            ("spec", "template", "spec", "containers"),
            {"name": "web"},
            errors.Cause(
                "FieldValueTypeInvalid",
                'Invalid value: "object": spec.template.spec.containers in body must be of '
                'type array: "object"',
                "spec.template.spec.containers",
            ),
        ),
        (
            DEPLOYMENT,
            deployment,
            ("spec", "strategy", "rollingUpdate", "maxSurge"),
            True,
            errors.Cause(
                "FieldValueTypeInvalid",
                'Invalid value: "boolean": spec.strategy.rollingUpdate.maxSurge in body must '
                'be of type integer,string: "boolean"',
                "spec.strategy.rollingUpdate.maxSurge",
            ),
        ),
        (
            VIRTUALSERVICE,
            virtual_service,
            ("spec", "hosts"),
            "reviews",
            errors.Cause(
                "FieldValueTypeInvalid",
                'Invalid value: "string": spec.hosts in body must be of type array: "string"',
                "spec.hosts",
            ),
        ),
        (
            VIRTUALSERVICE,
            virtual_service,
            ("spec", "http", 1, "route", 0, "destination", "port", "number"),
            "9080",
            errors.Cause(
                "FieldValueTypeInvalid",
                'Invalid value: "string": spec.http[1].route[0].destination.port.number in '
                'body must be of type integer: "string"',
                "spec.http[1].route[0].destination.port.number",
            ),
        ),
    ],
    ids=[
        "replicas-string",
        "nested-list-port",
        "label-integer",
        "boolean",
        "object-for-array",
        "int-or-string",
        "istio-hosts-string",
        "istio-port-string",
    ],
)
def test_wrong_type_is_invalid(
    rk: ResourceKind,
    make: Callable[[], Obj],
    path: tuple[str | int, ...],
    value: Any,
    cause: errors.Cause,
) -> None:
    obj = _set(make(), path, value)
    with pytest.raises(errors.Invalid) as caught:
        validate_object(rk, obj)
    err = caught.value
    assert err.causes == [cause]
    label = f"{rk.kind}.{rk.group}" if rk.group else rk.kind
    name = obj["metadata"]["name"]
    assert err.message == f'{label} "{name}" is invalid: {cause.field}: {cause.message}'
    assert err.status()["code"] == 422


def test_required_value() -> None:
    obj = deployment()
    del obj["spec"]["template"]["spec"]["containers"][0]["name"]
    del obj["spec"]["selector"]
    with pytest.raises(errors.Invalid) as caught:
        validate_object(DEPLOYMENT, obj)
    assert caught.value.causes == [
        errors.Cause("FieldValueRequired", "Required value", "spec.selector"),
        errors.Cause(
            "FieldValueRequired", "Required value", "spec.template.spec.containers[0].name"
        ),
    ]
    assert caught.value.message == (
        'Deployment.apps "web" is invalid: [spec.selector: Required value, '
        "spec.template.spec.containers[0].name: Required value]"
    )


def test_istio_required_value() -> None:
    obj = virtual_service()
    del obj["spec"]["http"][0]["route"][0]["destination"]["host"]
    with pytest.raises(errors.Invalid) as caught:
        validate_object(VIRTUALSERVICE, obj)
    assert caught.value.causes == [
        errors.Cause(
            "FieldValueRequired", "Required value", "spec.http[0].route[0].destination.host"
        )
    ]


@pytest.mark.parametrize(
    ("rk", "make", "path", "value", "message"),
    [
        (
            DEPLOYMENT,
            deployment,
            (*CONTAINER, "imagePullPolicy"),
            "Sometimes",
            'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
        ),
        (
            SERVICE,
            lambda: {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "s"},
                "spec": {"ports": [{"port": 80}]},
            },
            ("spec", "type"),
            "Ingress",
            'Unsupported value: "Ingress": supported values: "ClusterIP", "ExternalName", '
            '"LoadBalancer", "NodePort"',
        ),
        (
            PEERAUTHENTICATION,
            lambda: {
                "apiVersion": "security.istio.io/v1",
                "kind": "PeerAuthentication",
                "metadata": {"name": "default"},
                "spec": {"mtls": {"mode": "STRICT"}},
            },
            ("spec", "mtls", "mode"),
            "strict",
            'Unsupported value: "strict": supported values: "UNSET", "DISABLE", "PERMISSIVE", '
            '"STRICT"',
        ),
    ],
    ids=["imagePullPolicy", "service-type", "istio-mtls-mode"],
)
def test_value_outside_enum_is_not_supported(
    rk: ResourceKind,
    make: Callable[[], Obj],
    path: tuple[str | int, ...],
    value: Any,
    message: str,
) -> None:
    with pytest.raises(errors.Invalid) as caught:
        validate_object(rk, _set(make(), path, value))
    assert caught.value.causes == [
        errors.Cause("FieldValueNotSupported", message, field_path(path))
    ]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("spec", "replicas"), 3.0),
        (("spec", "replicas"), None),
        ((*CONTAINER, "resources", "limits", "cpu"), 2),
        ((*CONTAINER, "resources", "limits", "cpu"), "250m"),
        (("spec", "strategy", "rollingUpdate", "maxUnavailable"), "10%"),
        (("metadata", "annotations"), {"any.key/with-dots": "v"}),
        (("spec", "template", "spec", "containers", 0, "env"), None),
    ],
    ids=[
        "integral-float-is-integer",
        "null-is-absent",
        "quantity-number",
        "quantity-string",
        "int-or-string-string",
        "map-keys-free",
        "null-list",
    ],
)
def test_accepted_values(path: tuple[str | int, ...], value: Any) -> None:
    validate_object(DEPLOYMENT, _set(deployment(), path, value))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("spec", "replicas"), 2.5),
        (("spec", "replicas"), True),
    ],
    ids=["fraction", "bool-is-not-integer"],
)
def test_rejected_numbers(path: tuple[str | int, ...], value: Any) -> None:
    with pytest.raises(errors.Invalid):
        validate_object(DEPLOYMENT, _set(deployment(), path, value))


def test_preserve_unknown_fields_is_free() -> None:
    envoy = kind("networking.istio.io", "envoyfilters")
    obj = {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "EnvoyFilter",
        "metadata": {"name": "lua"},
        "spec": {
            "configPatches": [
                {
                    "applyTo": "HTTP_FILTER",
                    "patch": {"operation": "INSERT_BEFORE", "value": {"anything": {"goes": [1]}}},
                }
            ]
        },
    }
    validate_object(envoy, obj)


def test_metadata_is_known_on_custom_resources() -> None:
    obj = virtual_service()
    obj["metadata"]["labels"] = {"app": "reviews"}
    obj["metadata"]["annotations"] = {"a": "b"}
    validate_object(VIRTUALSERVICE, obj)
    obj["metadata"]["lables"] = {}
    with pytest.raises(errors.BadRequest, match=r'unknown field "metadata\.lables"'):
        validate_object(VIRTUALSERVICE, obj)


def test_unknown_fields_and_pruning() -> None:
    obj = deployment()
    obj["spec"]["foo"] = 1
    obj["spec"]["template"]["spec"]["containers"][0]["bar"] = {"x": 1}
    expected = ["spec.template.spec.containers[0].bar", "spec.foo"]
    assert unknown_fields(DEPLOYMENT, obj) == expected
    assert prune_unknown_fields(DEPLOYMENT, obj) == expected
    assert obj == deployment()
    validate_object(DEPLOYMENT, obj)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("a", "string"), (1, "integer"), (1.5, "number"), (True, "boolean"), ([], "array")],
    ids=["string", "integer", "number", "boolean", "array"],
)
def test_json_type(value: Any, expected: str) -> None:
    assert json_type(value) == expected


def test_validation_does_not_modify_the_object() -> None:
    obj = deployment()
    before = copy.deepcopy(obj)
    validate_object(DEPLOYMENT, obj)
    assert obj == before
