"""The injection and validation webhook configurations of a revision, and of revision tags.

Source: istio/istio manifests/charts/istio-control/istio-discovery/templates/
mutatingwebhook.yaml (1.2x): each revision's configuration has `rev.namespace.` and
`rev.object.` webhooks selecting `istio.io/rev=<rev>` on the namespace or the pod; the default
revision (and the `default` tag) adds `namespace.` (namespace `istio-injection=enabled`) and
`object.` (pod `sidecar.istio.io/inject=true`) webhooks. istioctl's tag code
(istioctl/pkg/tag) writes `istio-revision-tag-<tag>` with the tag as the selected value, and
deactivates the default webhooks of another configuration with a never-matching selector.
"""

from __future__ import annotations

import copy
from typing import Any

from meshcert.mesh.controlplane.naming import (
    ISTIO_NAMESPACE,
    injector_webhook_name,
    istiod_name,
    tag_webhook_name,
    validator_webhook_name,
)

Obj = dict[str, Any]

DEACTIVATED = {"key": "istio.io/deactivated", "operator": "In", "values": ["never-match"]}
TAG_LABEL = "istio.io/tag"


def _webhook(name: str, service: str, namespace_selector: Obj, object_selector: Obj) -> Obj:
    return {
        "name": name,
        "admissionReviewVersions": ["v1"],
        "clientConfig": {
            "service": {
                "name": service,
                "namespace": ISTIO_NAMESPACE,
                "path": "/inject",
                "port": 443,
            },
        },
        "failurePolicy": "Fail",
        "matchPolicy": "Equivalent",
        "namespaceSelector": namespace_selector,
        "objectSelector": object_selector,
        "reinvocationPolicy": "Never",
        "rules": [
            {
                "apiGroups": [""],
                "apiVersions": ["v1"],
                "operations": ["CREATE"],
                "resources": ["pods"],
                "scope": "*",
            }
        ],
        "sideEffects": "None",
        "timeoutSeconds": 10,
    }


def _expr(key: str, op: str, *values: str) -> Obj:
    out: Obj = {"key": key, "operator": op}
    if values:
        out["values"] = list(values)
    return out


def injection_webhooks(selected: str, service: str, *, default: bool) -> list[Obj]:
    """The webhooks selecting `selected` (a revision or a tag) and, for the default, the
    `istio-injection` / `sidecar.istio.io/inject` ones."""
    hooks = [
        _webhook(
            "rev.namespace.sidecar-injector.istio.io",
            service,
            {
                "matchExpressions": [
                    _expr("istio.io/rev", "In", selected),
                    _expr("istio-injection", "DoesNotExist"),
                ]
            },
            {"matchExpressions": [_expr("sidecar.istio.io/inject", "NotIn", "false")]},
        ),
        _webhook(
            "rev.object.sidecar-injector.istio.io",
            service,
            {
                "matchExpressions": [
                    _expr("istio.io/rev", "DoesNotExist"),
                    _expr("istio-injection", "DoesNotExist"),
                ]
            },
            {
                "matchExpressions": [
                    _expr("sidecar.istio.io/inject", "NotIn", "false"),
                    _expr("istio.io/rev", "In", selected),
                ]
            },
        ),
    ]
    if default:
        hooks += default_webhooks(service)
    return hooks


def default_webhooks(service: str) -> list[Obj]:
    return [
        _webhook(
            "namespace.sidecar-injector.istio.io",
            service,
            {"matchExpressions": [_expr("istio-injection", "In", "enabled")]},
            {"matchExpressions": [_expr("sidecar.istio.io/inject", "NotIn", "false")]},
        ),
        _webhook(
            "object.sidecar-injector.istio.io",
            service,
            {
                "matchExpressions": [
                    _expr("istio-injection", "DoesNotExist"),
                    _expr("istio.io/rev", "DoesNotExist"),
                ]
            },
            {
                "matchExpressions": [
                    _expr("sidecar.istio.io/inject", "In", "true"),
                    _expr("istio.io/rev", "DoesNotExist"),
                ]
            },
        ),
    ]


def injector_configuration(revision: str, labels: dict[str, str], *, default: bool) -> Obj:
    rev = revision or "default"
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {
            "name": injector_webhook_name(revision),
            "labels": {
                **labels,
                "app": "sidecar-injector",
                "istio.io/rev": rev,
                "release": "istio",
            },
        },
        "webhooks": injection_webhooks(rev, istiod_name(revision), default=default),
    }


def tag_configuration(tag: str, revision: str) -> Obj:
    """What `istioctl tag set <tag> --revision <revision>` creates."""
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {
            "name": tag_webhook_name(tag),
            "labels": {
                "app": "sidecar-injector",
                "istio.io/rev": revision or "default",
                TAG_LABEL: tag,
            },
        },
        "webhooks": injection_webhooks(tag, istiod_name(revision), default=tag == "default"),
    }


def deactivate_defaults(configuration: Obj) -> Obj:
    """A copy whose `namespace.` / `object.` webhooks can never match (another configuration
    has become the default)."""
    out = copy.deepcopy(configuration)
    for hook in out.get("webhooks") or []:
        if hook.get("name") in (
            "namespace.sidecar-injector.istio.io",
            "object.sidecar-injector.istio.io",
        ):
            selector = hook.setdefault("namespaceSelector", {})
            exprs = selector.setdefault("matchExpressions", [])
            if DEACTIVATED not in exprs:
                exprs.append(dict(DEACTIVATED))
    return out


_VALIDATED_GROUPS = [
    "security.istio.io",
    "networking.istio.io",
    "telemetry.istio.io",
    "extensions.istio.io",
]


def default_validator_configuration(revision: str) -> Obj:
    """`istiod-default-validator`: the `validation.istio.io` webhook of the default revision,
    without an object selector, so it validates the objects no revision label claims
    (istio-discovery chart, templates/validatingwebhookconfiguration.yaml and the default
    revision's webhook; denials of unlabelled objects name `validation.istio.io`)."""
    rev = revision or "default"
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {
            "name": "istiod-default-validator",
            "labels": {
                "app": "istiod",
                "istio": "istiod",
                "istio.io/rev": rev,
                "release": "istio",
            },
        },
        "webhooks": [
            {
                "name": "validation.istio.io",
                "admissionReviewVersions": ["v1beta1", "v1"],
                "clientConfig": {
                    "service": {
                        "name": istiod_name(revision),
                        "namespace": ISTIO_NAMESPACE,
                        "path": "/validate",
                        "port": 443,
                    }
                },
                "failurePolicy": "Ignore",
                "matchPolicy": "Equivalent",
                "namespaceSelector": {},
                "objectSelector": {},
                "rules": [
                    {
                        "apiGroups": list(_VALIDATED_GROUPS),
                        "apiVersions": ["*"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": ["*"],
                        "scope": "*",
                    }
                ],
                "sideEffects": "None",
                "timeoutSeconds": 10,
            }
        ],
    }


def validator_configuration(revision: str, labels: dict[str, str]) -> Obj:
    rev = revision or "default"
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {
            "name": validator_webhook_name(revision),
            "labels": {
                **labels,
                "app": "istiod",
                "istio": "istiod",
                "istio.io/rev": rev,
                "release": "istio",
            },
        },
        "webhooks": [
            {
                "name": "rev.validation.istio.io",
                "admissionReviewVersions": ["v1"],
                "clientConfig": {
                    "service": {
                        "name": istiod_name(revision),
                        "namespace": ISTIO_NAMESPACE,
                        "path": "/validate",
                        "port": 443,
                    }
                },
                "failurePolicy": "Ignore",
                "matchPolicy": "Equivalent",
                "namespaceSelector": {},
                "objectSelector": {
                    "matchExpressions": [{"key": "istio.io/rev", "operator": "In", "values": [rev]}]
                },
                "rules": [
                    {
                        "apiGroups": [
                            "security.istio.io",
                            "networking.istio.io",
                            "telemetry.istio.io",
                            "extensions.istio.io",
                        ],
                        "apiVersions": ["*"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": ["*"],
                        "scope": "*",
                    }
                ],
                "sideEffects": "None",
                "timeoutSeconds": 10,
            }
        ],
    }
