"""Cells of custom resources: Istio's and Gateway API's printer columns, CRDs themselves.

String columns print what kubectl's JSONPath printer prints (lists as JSON, `["reviews"]`, as
istio.io's `kubectl get virtualservices` outputs show); date columns arrive as ages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from meshcert.kube.served_kinds import default_registry
from meshcert.kube.tables import table_for

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
REGISTRY = default_registry()
CREATED = "2026-01-01T11:56:58Z"  # 3m2s before NOW
_NET, _SEC, _GW = "networking.istio.io", "security.istio.io", "gateway.networking.k8s.io"


def cells(group: str, plural: str, obj: dict[str, Any]) -> list[Any]:
    kind = REGISTRY.by_plural(group, plural)
    assert kind is not None
    row: list[Any] = table_for(kind, [obj], now=NOW)["rows"][0]["cells"]
    return row


def resource(**fields: Any) -> dict[str, Any]:
    return {"metadata": {"name": "r", "creationTimestamp": CREATED}, **fields}


AGE = "3m2s"

CASES: list[tuple[str, str, str, dict[str, Any], list[Any]]] = [
    (
        "virtualservice",
        _NET,
        "virtualservices",
        resource(spec={"hosts": ["*"], "gateways": ["bookinfo-gateway"]}),
        ['["bookinfo-gateway"]', '["*"]', AGE],
    ),
    (
        "virtualservice-for-the-mesh",
        _NET,
        "virtualservices",
        resource(spec={"hosts": ["reviews", "reviews.prod.svc.cluster.local"]}),
        [None, '["reviews","reviews.prod.svc.cluster.local"]', AGE],
    ),
    (
        "destinationrule",
        _NET,
        "destinationrules",
        resource(spec={"host": "reviews", "subsets": [{"name": "v1"}]}),
        ["reviews", AGE],
    ),
    ("gateway", _NET, "gateways", resource(spec={"servers": []}), [AGE]),
    (
        "serviceentry",
        _NET,
        "serviceentries",
        resource(spec={"hosts": ["httpbin.org"], "location": "MESH_EXTERNAL", "resolution": "DNS"}),
        ['["httpbin.org"]', "MESH_EXTERNAL", "DNS", AGE],
    ),
    (
        "serviceentry-defaults-stay-empty",
        _NET,
        "serviceentries",
        resource(spec={"hosts": ["api.example.com"]}),
        ['["api.example.com"]', None, None, AGE],
    ),
    ("sidecar", _NET, "sidecars", resource(spec={}), [AGE]),
    (
        "workloadentry",
        _NET,
        "workloadentries",
        resource(spec={"address": "2.2.2.2"}),
        [AGE, "2.2.2.2"],
    ),
    ("workloadgroup", _NET, "workloadgroups", resource(spec={}), [AGE]),
    ("envoyfilter", _NET, "envoyfilters", resource(spec={}), [AGE]),
    (
        "peerauthentication",
        _SEC,
        "peerauthentications",
        resource(spec={"mtls": {"mode": "STRICT"}}),
        ["STRICT", AGE],
    ),
    ("peerauthentication-unset", _SEC, "peerauthentications", resource(spec={}), [None, AGE]),
    ("requestauthentication", _SEC, "requestauthentications", resource(spec={}), [AGE]),
    (
        "authorizationpolicy",
        _SEC,
        "authorizationpolicies",
        resource(spec={"action": "DENY"}),
        ["DENY", AGE],
    ),
    (
        "authorizationpolicy-allow-by-default",
        _SEC,
        "authorizationpolicies",
        resource(spec={}),
        [None, AGE],
    ),
    ("telemetry", "telemetry.istio.io", "telemetries", resource(spec={}), [AGE]),
    (
        "istiooperator",
        "install.istio.io",
        "istiooperators",
        resource(spec={"revision": "1-26"}, status={"status": "HEALTHY"}),
        ["1-26", "HEALTHY", AGE],
    ),
    (
        "gateway-api-gateway",
        _GW,
        "gateways",
        resource(
            spec={"gatewayClassName": "istio"},
            status={
                "addresses": [{"type": "IPAddress", "value": "172.18.255.200"}, {"value": "x"}],
                "conditions": [
                    {"type": "Accepted", "status": "True"},
                    {"type": "Programmed", "status": "True"},
                ],
            },
        ),
        ["istio", "172.18.255.200", "True", AGE],
    ),
    (
        "gateway-api-gateway-not-yet-programmed",
        _GW,
        "gateways",
        resource(spec={"gatewayClassName": "istio"}),
        ["istio", None, None, AGE],
    ),
    (
        "httproute",
        _GW,
        "httproutes",
        resource(spec={"hostnames": ["bookinfo.example.com"]}),
        ['["bookinfo.example.com"]', AGE],
    ),
    (
        "gatewayclass",
        _GW,
        "gatewayclasses",
        resource(
            spec={"controllerName": "istio.io/gateway-controller", "description": "The Istio one"},
            status={"conditions": [{"type": "Accepted", "status": "True"}]},
        ),
        ["istio.io/gateway-controller", "True", AGE, "The Istio one"],
    ),
    ("referencegrant", _GW, "referencegrants", resource(spec={}), [AGE]),
    (
        "customresourcedefinition",
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        resource(spec={"group": "example.com"}),
        ["2026-01-01T11:56:58Z"],
    ),
]


@pytest.mark.parametrize(
    ("group", "plural", "obj", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_custom_resource_cells(
    group: str, plural: str, obj: dict[str, Any], expected: list[Any]
) -> None:
    assert cells(group, plural, obj) == ["r", *expected]


@pytest.mark.parametrize(
    ("created", "text"),
    [(None, None), ("not a time", "<invalid>"), ("0001-01-01T00:00:00Z", "<unknown>")],
    ids=["missing", "unreadable", "zero"],
)
def test_date_columns_without_a_usable_timestamp(created: str | None, text: str | None) -> None:
    obj: dict[str, Any] = {"metadata": {"name": "r"}, "spec": {"host": "reviews"}}
    if created is not None:
        obj["metadata"]["creationTimestamp"] = created
    assert cells(_NET, "destinationrules", obj) == ["r", "reviews", text]


@pytest.mark.parametrize(
    ("action", "text"),
    [(["DENY", "AUDIT"], '["DENY","AUDIT"]'), ({"b": 1, "a": 2}, '{"a":2,"b":1}'), (7, "7")],
    ids=["list", "map", "number"],
)
def test_string_columns_print_any_json_value(action: Any, text: str) -> None:
    assert cells(_SEC, "authorizationpolicies", resource(spec={"action": action}))[1] == text
