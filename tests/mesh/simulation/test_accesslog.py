"""Envoy's access log line and when it is written (meshcert.mesh.accesslog)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meshcert.mesh.accesslog import AccessEntry, enabled, format_entry, start_time


def test_default_format_matches_istio_example() -> None:
    # istio.io docs/tasks/observability/logs/access-log "Default access log format": the
    # curl-side line for GET /status/418 to httpbin
    entry = AccessEntry(
        start=datetime(2020, 11, 25, 21, 26, 18, 409000, tzinfo=UTC),
        method="GET", path="/status/418", status=418, details="via_upstream",
        bytes_received=0, bytes_sent=135, duration_ms=4, upstream_service_time="4",
        user_agent="curl/7.73.0-DEV", request_id="84961386-6d84-929d-98bd-c5aee93b5c88",
        authority="httpbin:8000", upstream_host="10.44.1.27:80",
        upstream_cluster="outbound|8000||httpbin.foo.svc.cluster.local",
        upstream_local="10.44.1.23:37652", downstream_local="10.0.45.184:8000",
        downstream_remote="10.44.1.23:46520", route_name="default",
    )  # fmt: skip
    assert format_entry(entry) == (
        '[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 '
        '4 4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" '
        '"10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 '
        "10.0.45.184:8000 10.44.1.23:46520 - default"
    )


def test_flags_join_with_commas() -> None:
    entry = AccessEntry(start=datetime(2026, 1, 1, tzinfo=UTC), method="GET", path="/",
                        status=503, flags=("UF", "URX"))  # fmt: skip
    assert '" 503 UF,URX via_upstream ' in format_entry(entry)


def test_start_time_milliseconds() -> None:
    assert start_time(datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)) == "2026-01-02T03:04:05.006Z"


def telemetry(ns: str, *, disabled: bool = False, selector: dict[str, str] | None = None,
              provider: str = "envoy") -> dict[str, object]:  # fmt: skip
    spec: dict[str, object] = {
        "accessLogging": [{"providers": [{"name": provider}], "disabled": disabled}]
    }
    if selector:
        spec["selector"] = {"matchLabels": selector}
    return {"metadata": {"name": "t", "namespace": ns}, "spec": spec}


@pytest.mark.parametrize(
    ("log_file", "telemetries", "expected"),
    [
        ("", [], False),
        ("/dev/stdout", [], True),
        ("", [telemetry("istio-system")], True),
        ("/dev/stdout", [telemetry("default", disabled=True)], False),
        ("", [telemetry("istio-system"), telemetry("default", disabled=True)], False),
        ("", [telemetry("default", selector={"app": "curl"})], True),
        ("", [telemetry("default", selector={"app": "other"})], False),
        ("", [telemetry("istio-system", provider="otel")], False),
        ("", [telemetry("elsewhere")], False),
    ],
    ids=["off", "mesh-config", "mesh-telemetry", "namespace-disables", "namespace-beats-mesh",
         "workload-selector", "selector-misses", "other-provider", "other-namespace"],
)  # fmt: skip
def test_enabled(log_file: str, telemetries: list[dict[str, object]], expected: bool) -> None:
    assert enabled(log_file, telemetries, "istio-system", "default", {"app": "curl"}) is expected


def test_json_encoding() -> None:
    # meshConfig.accessLogEncoding JSON (pilot/pkg/model/telemetry_logging.go
    # EnvoyJSONLogFormatIstio): empty fields are null, numbers stay numbers
    import json

    from meshcert.mesh.accesslog import format_json

    entry = AccessEntry(start=datetime(2026, 1, 1, tzinfo=UTC), method="GET", path="/",
                        status=200, bytes_sent=5, route_name="default")  # fmt: skip
    data = json.loads(format_json(entry))
    assert data["response_code"] == 200
    assert data["bytes_sent"] == 5
    assert data["response_flags"] is None
    assert data["route_name"] == "default"
    assert data["start_time"] == "2026-01-01T00:00:00.000Z"
