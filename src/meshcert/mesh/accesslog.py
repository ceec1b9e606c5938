"""Envoy access logs as Istio configures them: when they are on, and the line they write.

On when meshConfig.accessLogFile is set (the demo profile sets `/dev/stdout`), or when a
Telemetry resource (root namespace = mesh-wide, then the workload's namespace, then one selecting
the workload; the most specific wins) lists `accessLogging` with the `envoy` provider and is not
`disabled` (istio.io docs/tasks/observability/logs/access-log/, telemetry.proto).

The line is Istio's default TEXT format (pilot/pkg/model/telemetry_logging.go
EnvoyTextLogFormat):

  [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
  %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
  "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
  %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
  "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW%
  %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%
  %REQUESTED_SERVER_NAME% %ROUTE_NAME%

Pure: the caller appends the line to the istio-proxy container's log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Obj = Mapping[str, Any]
ENVOY_PROVIDER = "envoy"


@dataclass(frozen=True)
class AccessEntry:
    """The fields of one access log line; empty strings print as `-`."""

    start: datetime
    method: str
    path: str
    status: int
    protocol: str = "HTTP/1.1"
    flags: tuple[str, ...] = ()
    details: str = "via_upstream"
    termination: str = ""
    transport_failure: str = ""
    bytes_received: int = 0
    bytes_sent: int = 0
    duration_ms: int = 0
    upstream_service_time: str = ""
    forwarded_for: str = ""
    user_agent: str = ""
    request_id: str = ""
    authority: str = ""
    upstream_host: str = ""
    upstream_cluster: str = ""
    upstream_local: str = ""
    downstream_local: str = ""
    downstream_remote: str = ""
    server_name: str = ""
    route_name: str = ""


def _dash(value: str) -> str:
    return value or "-"


def start_time(moment: datetime) -> str:
    """%START_TIME%: RFC 3339 in UTC with milliseconds (`2020-11-25T21:26:18.409Z`)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond // 1000:03d}Z"


def format_entry(e: AccessEntry) -> str:
    flags = ",".join(e.flags) if e.flags else "-"
    return (
        f'[{start_time(e.start)}] "{e.method} {e.path} {e.protocol}" {e.status} {flags} '
        f'{_dash(e.details)} {_dash(e.termination)} "{_dash(e.transport_failure)}" '
        f"{e.bytes_received} {e.bytes_sent} {e.duration_ms} {_dash(e.upstream_service_time)} "
        f'"{_dash(e.forwarded_for)}" "{_dash(e.user_agent)}" "{_dash(e.request_id)}" '
        f'"{_dash(e.authority)}" "{_dash(e.upstream_host)}" {_dash(e.upstream_cluster)} '
        f"{_dash(e.upstream_local)} {_dash(e.downstream_local)} {_dash(e.downstream_remote)} "
        f"{_dash(e.server_name)} {_dash(e.route_name)}"
    )


def format_json(e: AccessEntry) -> str:
    """meshConfig.accessLogEncoding JSON: Istio's EnvoyJSONLogFormatIstio fields (empty values
    are null, numbers are numbers), keys sorted as Envoy's Struct formatter writes them."""
    import json

    def text(value: str) -> str | None:
        return value or None

    fields: dict[str, object] = {
        "start_time": start_time(e.start),
        "method": e.method,
        "path": e.path,
        "protocol": e.protocol,
        "response_code": e.status,
        "response_flags": ",".join(e.flags) if e.flags else None,
        "response_code_details": text(e.details),
        "connection_termination_details": text(e.termination),
        "upstream_transport_failure_reason": text(e.transport_failure),
        "bytes_received": e.bytes_received,
        "bytes_sent": e.bytes_sent,
        "duration": e.duration_ms,
        "upstream_service_time": text(e.upstream_service_time),
        "x_forwarded_for": text(e.forwarded_for),
        "user_agent": text(e.user_agent),
        "request_id": text(e.request_id),
        "authority": text(e.authority),
        "upstream_host": text(e.upstream_host),
        "upstream_cluster": text(e.upstream_cluster),
        "upstream_local_address": text(e.upstream_local),
        "downstream_local_address": text(e.downstream_local),
        "downstream_remote_address": text(e.downstream_remote),
        "requested_server_name": text(e.server_name),
        "route_name": text(e.route_name),
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def format_tcp_entry(e: AccessEntry) -> str:
    """A TCP proxy's line: the same format with the HTTP fields empty."""
    return (
        f'[{start_time(e.start)}] "- - -" 0 {",".join(e.flags) if e.flags else "-"} - '
        f'{_dash(e.termination)} "{_dash(e.transport_failure)}" {e.bytes_received} '
        f'{e.bytes_sent} {e.duration_ms} - "-" "-" "-" "-" "{_dash(e.upstream_host)}" '
        f"{_dash(e.upstream_cluster)} {_dash(e.upstream_local)} {_dash(e.downstream_local)} "
        f"{_dash(e.downstream_remote)} {_dash(e.server_name)} -"
    )


def _selects(selector: Obj | None, labels: Mapping[str, str]) -> bool:
    match = (selector or {}).get("matchLabels") or {}
    return all(labels.get(k) == v for k, v in match.items())


def _telemetry_setting(telemetry: Obj) -> bool | None:
    """What one Telemetry says about envoy access logs: True on, False off, None silent."""
    for entry in (telemetry.get("spec") or {}).get("accessLogging") or []:
        providers = [str(p.get("name", "")) for p in entry.get("providers") or []]
        if providers and ENVOY_PROVIDER not in providers:
            continue
        return not bool(entry.get("disabled", False))
    return None


def enabled(
    access_log_file: str,
    telemetries: Iterable[Obj],
    root_namespace: str,
    namespace: str,
    labels: Mapping[str, str],
) -> bool:
    """Whether the proxy of a workload in `namespace` with `labels` writes access logs."""
    decided: bool | None = bool(access_log_file)
    ranked: list[tuple[int, bool]] = []
    for t in telemetries:
        meta = t.get("metadata") or {}
        ns = str(meta.get("namespace", ""))
        selector = (t.get("spec") or {}).get("selector")
        setting = _telemetry_setting(t)
        if setting is None:
            continue
        if ns == root_namespace and not selector:
            ranked.append((0, setting))
        elif ns == namespace and not selector:
            ranked.append((1, setting))
        elif ns == namespace and _selects(selector, labels):
            ranked.append((2, setting))
    if ranked:
        decided = max(ranked, key=lambda r: r[0])[1]
    return bool(decided)


__all__ = [
    "AccessEntry",
    "enabled",
    "format_entry",
    "format_json",
    "format_tcp_entry",
    "start_time",
]
