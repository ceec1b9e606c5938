"""The Table skeleton: every served kind's columns, and the row objects for each includeObject."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from meshcert.kube.errors import BadRequest
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.served_kinds import ALL, default_registry
from meshcert.kube.tables import table_for

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
REGISTRY = default_registry()
_GW = "gateway.networking.k8s.io"

# Column headers as kubectl prints them (upper-cased by kubectl); `+` marks -o wide columns.
HEADERS: dict[tuple[str, str], str] = {
    ("", "namespaces"): "NAME STATUS AGE",
    ("", "pods"): "NAME READY STATUS RESTARTS AGE +IP +NODE +NOMINATED_NODE +READINESS_GATES",
    ("", "services"): "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE +SELECTOR",
    ("", "endpoints"): "NAME ENDPOINTS AGE",
    ("discovery.k8s.io", "endpointslices"): "NAME ADDRESSTYPE PORTS ENDPOINTS AGE",
    ("", "serviceaccounts"): "NAME SECRETS AGE",
    ("", "configmaps"): "NAME DATA AGE",
    ("", "secrets"): "NAME TYPE DATA AGE",
    ("", "events"): (
        "LAST_SEEN TYPE REASON OBJECT +SUBOBJECT +SOURCE MESSAGE +FIRST_SEEN +COUNT +NAME"
    ),
    ("", "nodes"): (
        "NAME STATUS ROLES AGE VERSION +INTERNAL-IP +EXTERNAL-IP +OS-IMAGE +KERNEL-VERSION "
        "+CONTAINER-RUNTIME"
    ),
    ("apps", "deployments"): ("NAME READY UP-TO-DATE AVAILABLE AGE +CONTAINERS +IMAGES +SELECTOR"),
    ("apps", "replicasets"): "NAME DESIRED CURRENT READY AGE +CONTAINERS +IMAGES +SELECTOR",
    ("apps", "daemonsets"): (
        "NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE_SELECTOR AGE +CONTAINERS +IMAGES "
        "+SELECTOR"
    ),
    ("apps", "statefulsets"): "NAME READY AGE +CONTAINERS +IMAGES",
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): "NAME WEBHOOKS AGE",
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): "NAME WEBHOOKS AGE",
    ("apiextensions.k8s.io", "customresourcedefinitions"): "NAME CREATED_AT",
    (_GW, "gateways"): "NAME CLASS ADDRESS PROGRAMMED AGE",
    (_GW, "httproutes"): "NAME HOSTNAMES AGE",
    (_GW, "gatewayclasses"): "NAME CONTROLLER ACCEPTED AGE +DESCRIPTION",
    (_GW, "referencegrants"): "NAME AGE",
    ("networking.istio.io", "virtualservices"): "NAME GATEWAYS HOSTS AGE",
    ("networking.istio.io", "destinationrules"): "NAME HOST AGE",
    ("networking.istio.io", "gateways"): "NAME AGE",
    ("networking.istio.io", "serviceentries"): "NAME HOSTS LOCATION RESOLUTION AGE",
    ("networking.istio.io", "sidecars"): "NAME AGE",
    ("networking.istio.io", "workloadentries"): "NAME AGE ADDRESS",
    ("networking.istio.io", "workloadgroups"): "NAME AGE",
    ("networking.istio.io", "envoyfilters"): "NAME AGE",
    ("security.istio.io", "peerauthentications"): "NAME MODE AGE",
    ("security.istio.io", "requestauthentications"): "NAME AGE",
    ("security.istio.io", "authorizationpolicies"): "NAME ACTION AGE",
    ("telemetry.istio.io", "telemetries"): "NAME AGE",
    ("install.istio.io", "istiooperators"): "NAME REVISION STATUS AGE",
}


def _headers(table: dict[str, Any]) -> str:
    return " ".join(
        ("+" if c["priority"] else "") + c["name"].upper().replace(" ", "_")
        for c in table["columnDefinitions"]
    )


def _kind(group: str, plural: str) -> ResourceKind:
    kind = REGISTRY.by_plural(group, plural)
    assert kind is not None
    return kind


def test_every_served_kind_has_its_headers_listed() -> None:
    assert {k.key for k in ALL} == set(HEADERS)


@pytest.mark.parametrize(("key", "headers"), HEADERS.items(), ids=["/".join(k) for k in HEADERS])
def test_columns_of_each_kind(key: tuple[str, str], headers: str) -> None:
    table = table_for(_kind(*key), [], now=NOW)
    assert _headers(table) == headers
    for column in table["columnDefinitions"]:
        assert set(column) == {"name", "type", "format", "description", "priority"}
        assert column["description"]


@pytest.mark.parametrize("key", HEADERS, ids=["/".join(k) for k in HEADERS])
def test_every_row_has_one_cell_per_column_even_for_a_bare_object(key: tuple[str, str]) -> None:
    bare = {"metadata": {"name": "x", "creationTimestamp": "2026-01-01T11:00:00Z"}}
    table = table_for(_kind(*key), [bare], now=NOW)
    (row,) = table["rows"]
    assert len(row["cells"]) == len(table["columnDefinitions"])
    name_column = next(i for i, c in enumerate(table["columnDefinitions"]) if c["format"] == "name")
    assert row["cells"][name_column] == "x"


def test_name_columns_are_named_name_and_typed_string() -> None:
    for key in HEADERS:
        columns = table_for(_kind(*key), [], now=NOW)["columnDefinitions"]
        (name,) = [c for c in columns if c["format"] == "name"]
        assert (name["name"], name["type"]) == ("Name", "string")


CONFIGMAP: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {
        "name": "settings",
        "namespace": "prod",
        "uid": "u-1",
        "resourceVersion": "42",
        "creationTimestamp": "2026-01-01T11:58:00Z",
        "labels": {"app": "web"},
        "managedFields": [{"manager": "kubectl-create", "operation": "Update"}],
    },
    "data": {"a": "1", "b": "2"},
}


def test_skeleton_with_partial_object_metadata_by_default() -> None:
    table = table_for(_kind("", "configmaps"), [CONFIGMAP], now=NOW)
    assert table == {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "42"},
        "columnDefinitions": table["columnDefinitions"],
        "rows": [
            {
                "cells": ["settings", 2, "2m"],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": CONFIGMAP["metadata"],
                },
            }
        ],
    }


def test_include_object_puts_the_whole_object_in_the_row() -> None:
    (row,) = table_for(_kind("", "configmaps"), [CONFIGMAP], include_object="Object", now=NOW)[
        "rows"
    ]
    assert row["object"] == CONFIGMAP
    assert row["object"] is not CONFIGMAP


def test_include_none_leaves_the_object_out() -> None:
    (row,) = table_for(_kind("", "configmaps"), [CONFIGMAP], include_object="None", now=NOW)["rows"]
    assert row == {"cells": ["settings", 2, "2m"]}


def test_row_objects_are_copies() -> None:
    (row,) = table_for(_kind("", "configmaps"), [CONFIGMAP], now=NOW)["rows"]
    row["object"]["metadata"]["labels"]["app"] = "changed"
    assert CONFIGMAP["metadata"]["labels"] == {"app": "web"}


def test_unknown_include_object_is_a_bad_request() -> None:
    with pytest.raises(BadRequest) as raised:
        table_for(_kind("", "configmaps"), [CONFIGMAP], include_object="Everything", now=NOW)
    assert raised.value.status()["message"] == 'unrecognized includeObject value: "Everything"'


def test_list_metadata_carries_version_continue_and_remaining_count() -> None:
    table = table_for(
        _kind("", "configmaps"),
        [CONFIGMAP, CONFIGMAP],
        now=NOW,
        list_meta={"resourceVersion": "99", "continue": "token", "remainingItemCount": 3},
    )
    assert table["metadata"] == {
        "resourceVersion": "99",
        "continue": "token",
        "remainingItemCount": 3,
    }
    assert [r["cells"][0] for r in table["rows"]] == ["settings", "settings"]


def test_empty_list_metadata_stays_empty() -> None:
    table = table_for(_kind("", "configmaps"), [], now=NOW, list_meta={"resourceVersion": ""})
    assert table["metadata"] == {}
    assert table["rows"] == []


def test_rows_keep_the_given_order() -> None:
    objects = [{"metadata": {"name": n}} for n in ("b", "c", "a")]
    table = table_for(_kind("", "namespaces"), objects, now=NOW)
    assert [r["cells"][0] for r in table["rows"]] == ["b", "c", "a"]


def test_no_headers_leaves_out_the_column_definitions() -> None:
    table = table_for(_kind("", "configmaps"), [CONFIGMAP], now=NOW, no_headers=True)
    assert table["columnDefinitions"] == []
    assert table["rows"][0]["cells"] == ["settings", 2, "2m"]


def test_finished_pods_carry_a_completed_row_condition() -> None:
    pods = [
        {"metadata": {"name": "done"}, "status": {"phase": "Succeeded"}},
        {"metadata": {"name": "failed"}, "status": {"phase": "Failed"}},
        {"metadata": {"name": "running"}, "status": {"phase": "Running"}},
    ]
    rows = table_for(_kind("", "pods"), pods, now=NOW, include_object="None")["rows"]
    assert [r.get("conditions") for r in rows] == [
        [
            {
                "type": "Completed",
                "status": "True",
                "reason": "Succeeded",
                "message": "The pod has completed successfully.",
            }
        ],
        [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}],
        None,
    ]


def test_custom_resources_without_printer_columns_get_name_and_age() -> None:
    kind = ResourceKind("example.com", ("v1",), "Widget", "widgets", True, builtin=False)
    widget = {"metadata": {"name": "w", "creationTimestamp": "2026-01-01T11:00:00Z"}}
    table = table_for(kind, [widget], now=NOW)
    assert _headers(table) == "NAME AGE"
    assert table["columnDefinitions"][1]["type"] == "date"
    assert table["rows"][0]["cells"] == ["w", "60m"]


def test_built_in_kinds_without_a_printer_get_the_default_created_at_column() -> None:
    kind = ResourceKind("example.com", ("v1",), "Gadget", "gadgets", True)
    gadget = {"metadata": {"name": "g", "creationTimestamp": "2026-01-01T11:00:00+00:00"}}
    table = table_for(kind, [gadget], now=NOW)
    assert _headers(table) == "NAME CREATED_AT"
    assert table["rows"][0]["cells"] == ["g", "2026-01-01T11:00:00Z"]


def test_a_naive_now_is_taken_as_utc() -> None:
    naive = datetime(2026, 1, 1, 12, 0, 0)
    pod = {
        "metadata": {"name": "p", "creationTimestamp": "2026-01-01T11:00:00Z"},
        "status": {
            "containerStatuses": [
                {
                    "restartCount": 1,
                    "lastState": {"terminated": {"finishedAt": "2026-01-01T11:30:00Z"}},
                }
            ]
        },
    }
    (row,) = table_for(_kind("", "pods"), [pod], now=naive)["rows"]
    assert row["cells"][3:5] == ["1 (30m ago)", "60m"]
    (row,) = table_for(_kind("networking.istio.io", "sidecars"), [pod], now=naive)["rows"]
    assert row["cells"] == ["p", "60m"]
