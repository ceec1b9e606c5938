"""Writing the sidecars' access log lines (`kubectl logs POD -c istio-proxy`) when access
logging is on for the proxy (`meshcert.mesh.accesslog.enabled`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshcert.mesh import accesslog
from meshcert.mesh.config.workloads import PROXY_CONTAINER, Workload
from meshcert.mesh.exchanges import HttpRequest, HttpResponse

from .hops import Hop

_TELEMETRY = ("telemetry.istio.io", "telemetries")


def _telemetries(hop: Hop) -> list[Mapping[str, Any]]:
    key = ("telemetries", hop.view.resource_version)
    found = hop.view.memos.get(key)
    if found is None:
        kind = hop.cluster.registry.by_plural(*_TELEMETRY)
        found = hop.view.remember(key, hop.cluster.store.list(kind) if kind is not None else [])
    return list(found)


def logging_on(hop: Hop, workload: Workload) -> bool:
    key = ("accesslog-on", workload.namespace, workload.name)
    found = hop.view.memos.get(key)
    if found is None:
        found = hop.view.remember(
            key,
            accesslog.enabled(
                hop.view.mesh.access_log_file,
                _telemetries(hop),
                hop.view.root_namespace,
                workload.namespace,
                workload.labels,
            ),
        )
    return bool(found)


def _entry(
    hop: Hop,
    request: HttpRequest,
    response: HttpResponse,
    *,
    upstream_host: str,
    cluster: str,
    upstream_local: str,
    downstream_local: str,
    downstream_remote: str,
    route: str,
    details: str,
) -> accesslog.AccessEntry:
    service_time = response.header("x-envoy-upstream-service-time") or ""
    return accesslog.AccessEntry(
        start=hop.now,
        method=request.method,
        path=request.header("x-envoy-original-path") or request.path,
        status=response.status,
        flags=response.flags,
        details=details,
        bytes_received=len(request.body),
        bytes_sent=len(response.body),
        duration_ms=int(response.duration * 1000),
        upstream_service_time=service_time,
        forwarded_for=request.header("x-forwarded-for") or "",
        user_agent=request.header("user-agent") or "",
        request_id=request.header("x-request-id") or "",
        authority=request.authority,
        upstream_host=upstream_host,
        upstream_cluster=cluster,
        upstream_local=upstream_local,
        downstream_local=downstream_local,
        downstream_remote=downstream_remote,
        route_name=route,
    )


def _format(hop: Hop, entry: accesslog.AccessEntry) -> str:
    if hop.view.mesh.access_log_encoding.upper() == "JSON":
        return accesslog.format_json(entry)
    return accesslog.format_entry(entry)


def _details(response: HttpResponse, default: str = "via_upstream") -> str:
    from .envoy import REPLIES

    for flag in response.flags:
        for reply in REPLIES.values():
            if reply.flag == flag:
                return reply.details
    return default


def outbound(
    hop: Hop,
    client: Workload,
    request: HttpRequest,
    response: HttpResponse,
    *,
    address: str,
    port: int,
    upstream_host: str,
    cluster: str,
    route: str,
    details: str = "",
    downstream: str = "",
) -> None:
    if not logging_on(hop, client):
        return
    line = _format(
        hop,
        _entry(
            hop,
            request,
            response,
            upstream_host=upstream_host,
            cluster=cluster,
            upstream_local=f"{client.ip}:{40000 + hop.state.request_counter % 20000}"
            if upstream_host
            else "",
            downstream_local=f"{address}:{port}",
            downstream_remote=f"{downstream or client.ip}:"
            f"{50000 + hop.state.request_counter % 10000}",
            route=route,
            details=details or _details(response),
        ),
    )
    hop.log(client.namespace, client.name, PROXY_CONTAINER, line)


def inbound(
    hop: Hop,
    workload: Workload,
    port: int,
    request: HttpRequest,
    response: HttpResponse,
    client_ip: str,
    upstream_host: str,
    details: str = "",
) -> None:
    if not logging_on(hop, workload):
        return
    line = _format(
        hop,
        _entry(
            hop,
            request,
            response,
            upstream_host=upstream_host,
            cluster=f"inbound|{port}||",
            upstream_local=f"127.0.0.6:{30000 + hop.state.request_counter % 20000}"
            if upstream_host
            else "",
            downstream_local=f"{workload.ip}:{port}",
            downstream_remote=f"{client_ip}:{50000 + hop.state.request_counter % 10000}",
            route="default",
            details=details or _details(response),
        ),
    )
    hop.log(workload.namespace, workload.name, PROXY_CONTAINER, line)


def tcp(
    hop: Hop,
    proxy: Workload,
    *,
    address: str,
    port: int,
    received: int,
    sent: int,
    cluster: str,
    upstream_host: str,
    flags: tuple[str, ...] = (),
    downstream: str = "",
    server_name: str = "",
) -> None:
    """A TCP proxy's line (`"- - -" 0 ...`) for one connection through `proxy`;
    `server_name` is the TLS SNI (%REQUESTED_SERVER_NAME%)."""
    if not logging_on(hop, proxy):
        return
    counter = hop.state.request_counter
    entry = accesslog.AccessEntry(
        start=hop.now,
        method="-",
        path="-",
        status=0,
        flags=flags,
        details="",
        bytes_received=received,
        bytes_sent=sent,
        duration_ms=1,
        upstream_host=upstream_host,
        upstream_cluster=cluster,
        upstream_local=f"{proxy.ip}:{40000 + counter % 20000}" if upstream_host else "",
        downstream_local=f"{address}:{port}",
        downstream_remote=f"{downstream or proxy.ip}:{50000 + counter % 10000}",
        server_name=server_name,
    )
    hop.log(proxy.namespace, proxy.name, PROXY_CONTAINER, accesslog.format_tcp_entry(entry))


__all__ = ["inbound", "logging_on", "outbound", "tcp"]
