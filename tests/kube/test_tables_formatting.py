"""How printers spell ages, label sets, selectors and JSON values (Kubernetes' own rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from meshcert.kube.tables.formatting import (
    age,
    format_label_selector,
    format_labels,
    go_json,
    go_print,
    human_duration,
    label_selector_string,
    rfc3339,
)
from meshcert.kube.tables.jsonpaths import JsonPath

# The cases of apimachinery's duration_test.go, plus the edges of each band.
DURATIONS = [
    (timedelta(seconds=-2), "<invalid>"),
    (timedelta(seconds=-1), "0s"),
    (timedelta(milliseconds=-500), "0s"),
    (timedelta(0), "0s"),
    (timedelta(seconds=5), "5s"),
    (timedelta(seconds=119), "119s"),
    (timedelta(minutes=2), "2m"),
    (timedelta(minutes=3, seconds=2), "3m2s"),
    (timedelta(minutes=9, seconds=59), "9m59s"),
    (timedelta(minutes=10, seconds=30), "10m"),
    (timedelta(minutes=179), "179m"),
    (timedelta(hours=3), "3h"),
    (timedelta(hours=4, minutes=5), "4h5m"),
    (timedelta(hours=7, minutes=59), "7h59m"),
    (timedelta(hours=8, minutes=30), "8h"),
    (timedelta(hours=47), "47h"),
    (timedelta(hours=48), "2d"),
    (timedelta(days=2, hours=3), "2d3h"),
    (timedelta(days=7, hours=23), "7d23h"),
    (timedelta(days=8), "8d"),
    (timedelta(days=45), "45d"),
    (timedelta(days=729), "729d"),
    (timedelta(days=730), "2y"),
    (timedelta(days=800), "2y70d"),
    (timedelta(days=365 * 8), "8y"),
]


@pytest.mark.parametrize(("elapsed", "text"), DURATIONS, ids=[t for _, t in DURATIONS])
def test_human_duration(elapsed: timedelta, text: str) -> None:
    assert human_duration(elapsed) == text


NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("timestamp", "text"),
    [
        ("2026-01-01T11:55:00Z", "5m"),
        ("2026-01-01T11:59:59.500000Z", "0s"),
        ("2026-01-01T13:00:00+01:00", "0s"),
        (None, "<unknown>"),
        ("", "<unknown>"),
        ("yesterday", "<unknown>"),
    ],
    ids=["five-minutes", "fractional", "offset", "missing", "empty", "unreadable"],
)
def test_age(timestamp: object, text: str) -> None:
    assert age(timestamp, NOW) == text


def test_rfc3339_prints_utc_seconds() -> None:
    assert rfc3339("2026-01-01T13:00:00.25+01:00") == "2026-01-01T12:00:00Z"
    assert rfc3339(None) == "0001-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("labels", "text"),
    [
        ({"version": "v1", "app": "reviews"}, "app=reviews,version=v1"),
        ({}, "<none>"),
        (None, "<none>"),
    ],
    ids=["sorted", "empty", "missing"],
)
def test_format_labels(labels: object, text: str) -> None:
    assert format_labels(labels) == text


SELECTORS: list[tuple[str, Any, str | None, str]] = [
    ("missing", None, "", "<none>"),
    ("empty", {}, "", "<none>"),
    ("match labels", {"matchLabels": {"b": "2", "a": "1"}}, "a=1,b=2", "a=1,b=2"),
    (
        "expressions",
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["front", "back"]},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "Exists"},
            ],
        },
        "app=web,!canary,env notin (dev),tier in (back,front),zone",
        "app=web,!canary,env notin (dev),tier in (back,front),zone",
    ),
    (
        "bad operator",
        {"matchExpressions": [{"key": "a", "operator": "Like", "values": ["x"]}]},
        None,
        "<error>",
    ),
]


@pytest.mark.parametrize(
    ("selector", "plain", "formatted"), [s[1:] for s in SELECTORS], ids=[s[0] for s in SELECTORS]
)
def test_label_selectors(selector: Any, plain: str | None, formatted: str) -> None:
    assert label_selector_string(selector) == plain
    assert format_label_selector(selector) == formatted


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (["reviews"], '["reviews"]'),
        ({"b": 1, "a": [True, None]}, '{"a":[true,null],"b":1}'),
        (["<a&b>"], '["\\u003ca\\u0026b\\u003e"]'),
        ([1.0, 2.5], "[1,2.5]"),
    ],
    ids=["list", "sorted-map", "html-escaped", "floats"],
)
def test_go_json(value: Any, text: str) -> None:
    assert go_json(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("ALLOW", "ALLOW"),
        (True, "true"),
        (80, "80"),
        (1.5, "1.5"),
        (100000.0, "100000"),
        (1000000.0, "1e+06"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.0, "-2"),
    ],
    ids=lambda v: str(v),
)
def test_go_print(value: Any, text: str) -> None:
    assert go_print(value) == text


DOCUMENT = {
    "metadata": {"name": "gw", "labels": {"a.b/c": "x"}},
    "spec": {"hosts": ["a", "b"], "gatewayClassName": "istio"},
    "status": {
        "addresses": [{"value": "10.0.0.1"}, {"value": "10.0.0.2"}],
        "conditions": [
            {"type": "Accepted", "status": "True"},
            {"type": "Programmed", "status": "False"},
        ],
    },
}


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (".spec.gatewayClassName", ["istio"]),
        (".spec.hosts", [["a", "b"]]),
        (".spec.hosts[1]", ["b"]),
        (".spec.hosts[5]", []),
        (".status.addresses[*].value", ["10.0.0.1", "10.0.0.2"]),
        ('.status.conditions[?(@.type=="Programmed")].status', ["False"]),
        (".status.conditions[?(@.type=='Accepted')].status", ["True"]),
        (".metadata.labels['a.b/c']", ["x"]),
        ("{.spec.missing.deeper}", []),
    ],
    ids=[
        "field",
        "list",
        "index",
        "out-of-range",
        "star",
        "filter",
        "filter-quotes",
        "quoted",
        "missing",
    ],
)
def test_json_paths(path: str, found: list[Any]) -> None:
    assert JsonPath(path).find(DOCUMENT) == found


def test_json_path_rejects_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="unrecognized column definition"):
        JsonPath(".spec..hosts")
