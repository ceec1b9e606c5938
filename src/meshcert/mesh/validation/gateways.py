"""Istio's webhook validation of Gateways.

Source: pkg/config/validation/validation.go (ValidateGateway, validateServer,
validateServerPort, validateTLSOptions) and agent.ValidateNamespaceSlashWildcardHostname.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import is_dns1123_label, validate_namespace_slash_host, validate_port
from .errors import Errors, go_quote

_TLS_PROTOCOLS = frozenset({"https", "tls"})
_HTTP_PROTOCOLS = frozenset({"http", "http2", "grpc", "grpc-web", "http_proxy"})
_KNOWN = frozenset(
    {"tcp", "udp", "grpc", "grpc-web", "http", "http_proxy", "http2", "https", "tls", "mongo",
     "redis", "mysql"}
)  # fmt: skip


def _port(port: Any) -> Errors:
    errs = Errors()
    if not isinstance(port, Mapping):
        return errs.add("port is required")
    protocol = str(port.get("protocol") or "")
    if protocol.lower() not in _KNOWN:
        errs.add(
            f"invalid protocol {go_quote(protocol)}, supported protocols are HTTP, HTTP2, GRPC, "
            "GRPC-WEB, MONGO, REDIS, MYSQL, TCP"
        )
    errs.add(validate_port(port.get("number", 0)))
    if port.get("targetPort"):
        errs.add("targetPort has no impact on Gateways")
    if not port.get("name"):
        errs.add(f"port name must be set: {_go_port(port)}")
    return errs


def _go_port(port: Mapping[str, Any]) -> str:
    parts = []
    if port.get("number"):
        parts.append(f"number:{port['number']}")
    if port.get("protocol"):
        parts.append(f"protocol:{go_quote(str(port['protocol']))}")
    return " ".join(parts)


def _tls(tls: Any) -> Errors:
    errs = Errors()
    if not isinstance(tls, Mapping):
        return errs
    mode = tls.get("mode", "PASSTHROUGH")
    if mode == "ISTIO_MUTUAL":
        for key, text in (
            ("serverCertificate", "server certificate"),
            ("privateKey", "private key"),
            ("caCertificates", "CA bundle"),
            ("credentialName", "credentialName"),
        ):
            if tls.get(key):
                errs.add(f"ISTIO_MUTUAL TLS cannot have associated {text}")
        return errs
    sources = sum(
        1
        for present in (
            tls.get("serverCertificate") and tls.get("privateKey"),
            tls.get("credentialName"),
            tls.get("credentialNames"),
            tls.get("tlsCertificates"),
        )
        if present
    )
    if sources > 1:
        errs.add(
            "only one of credential_name, credential_names, server_certificate/private_key, "
            "tls_certificates should be specified"
        )
    if mode in ("SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL"):
        if tls.get("credentialName") or tls.get("credentialNames"):
            return errs
        prefix = "SIMPLE TLS" if mode == "SIMPLE" else "MUTUAL TLS"
        if mode != "SIMPLE" and not tls.get("caCertificates"):
            errs.add(f"{prefix} requires a client CA bundle")
        if not tls.get("serverCertificate"):
            errs.add(f"{prefix} requires a server certificate")
        if not tls.get("privateKey"):
            errs.add(f"{prefix} requires a private key")
    return errs


def _server(server: Mapping[str, Any]) -> Errors:
    errs = Errors()
    server_hosts = server.get("hosts") or []
    if not server_hosts:
        errs.add("server config must contain at least one host")
    for host in server_hosts:
        errs.add(validate_namespace_slash_host(str(host), gateway=True))
    port_errs = _port(server.get("port"))
    errs.add(port_errs)
    tls = server.get("tls")
    errs.add(_tls(tls))
    if not port_errs:
        protocol = str((server.get("port") or {}).get("protocol") or "").lower()
        if protocol in _TLS_PROTOCOLS and tls is None:
            errs.add("server must have TLS settings for HTTPS/TLS protocols")
        elif protocol not in _TLS_PROTOCOLS and tls is not None:
            if protocol in _HTTP_PROTOCOLS:
                passthrough_redirect = (
                    set(tls) <= {"httpsRedirect", "mode"}
                    and tls.get("mode", "PASSTHROUGH") == "PASSTHROUGH"
                )
                if not passthrough_redirect:
                    errs.add("server cannot have TLS settings for plain text HTTP ports")
            else:
                errs.add("server cannot have TLS settings for non HTTPS/TLS ports")
    return errs


def validate_gateway(name: str, spec: Mapping[str, Any]) -> Errors:
    """The errors Istio's webhook reports for a Gateway."""
    errs = Errors()
    if not is_dns1123_label(name):
        errs.add(f"invalid gateway name: {go_quote(name)}")
    servers = spec.get("servers") or []
    if not servers:
        errs.add("gateway must have at least one server")
    for server in servers:
        if isinstance(server, Mapping):
            errs.add(_server(server))
    seen: set[str] = set()
    for server in servers:
        port = (server or {}).get("port")
        if isinstance(port, Mapping):
            port_name = str(port.get("name") or "")
            if port_name in seen:
                errs.add(f"port names in servers must be unique: duplicate name {port_name}")
            seen.add(port_name)
    return errs


AUTO_PASSTHROUGH_WARNING = (
    "not supported in the lab: AUTO_PASSTHROUGH serves multi-cluster east-west traffic, which "
    "a single-cluster lab does not model; connections to server port {port} are closed"
)


def gateway_warnings(spec: Mapping[str, Any]) -> list[str]:
    """What the lab tells a user applying a Gateway it cannot honour (kubectl prints each
    as `Warning: ...`): AUTO_PASSTHROUGH servers (istio.io docs/reference/config/networking/
    gateway "ServerTLSSettings.TLSmode": SNI-routed multi-cluster traffic)."""
    out: list[str] = []
    for server in spec.get("servers") or []:
        if not isinstance(server, Mapping):
            continue
        tls = server.get("tls")
        if isinstance(tls, Mapping) and tls.get("mode") == "AUTO_PASSTHROUGH":
            port = (server.get("port") or {}).get("number", "")
            out.append(AUTO_PASSTHROUGH_WARNING.format(port=port))
    return out


__all__ = ["AUTO_PASSTHROUGH_WARNING", "gateway_warnings", "validate_gateway"]
