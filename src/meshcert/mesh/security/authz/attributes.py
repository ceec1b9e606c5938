"""The attributes a proxy's RBAC filter sees for one request or connection.

- `source.ip`: the address of the connection's peer (Envoy `direct_remote_ip`).
- `remote.ip`: the original client (Envoy `remote_ip`). At a gateway Istio sets
  use_remote_address with `xff_num_trusted_hops` = gatewayTopology.numTrustedProxies (mesh
  config defaultConfig, overridden by the pod's `proxy.istio.io/config` annotation): the
  Nth address from the right of the X-Forwarded-For received, else the peer. At a sidecar
  (use_remote_address false, no trusted hops) the rightmost X-Forwarded-For address, else the
  peer. Sources: istio.io docs/ops/configuration/traffic-management/network-topologies;
  Envoy docs "config_http_conn_man_headers_x-forwarded-for".
- The path is normalized as Istio's default `pathNormalization: BASE` does (RFC 3986: percent-
  encoded unreserved characters decoded, `.` and `..` segments removed), without the query
  (istio.io docs/ops/best-practices/security "Understand path normalization").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.view import MeshView

from ..peers import Peer
from ..requestauthn import Authenticated
from .matching import Attributes

PROXY_CONFIG = "proxy.istio.io/config"
UNRESERVED = re.compile(r"%([0-9A-Fa-f]{2})")


def _unreserved(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    if char.isascii() and (char.isalnum() or char in "-._~"):
        return char
    return "%" + match.group(1).upper()


def normalize_path(path: str) -> str:
    """RFC 3986 normalization of a request path (query dropped)."""
    raw = path.split("?", 1)[0].split("#", 1)[0] or "/"
    if "%" not in raw and "/." not in raw and raw.startswith("/"):
        return raw
    raw = UNRESERVED.sub(_unreserved, raw)
    out: list[str] = []
    segments = raw.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
            continue
        if segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
            continue
        out.append(segment)
    normalized = "/".join(out)
    return normalized if normalized.startswith("/") else "/" + normalized


def trusted_proxies(view: MeshView, workload: Workload) -> int:
    """gatewayTopology.numTrustedProxies of `workload`'s proxy."""
    topology: Any = (view.mesh.default_config or {}).get("gatewayTopology") or {}
    annotation = ((workload.obj.get("metadata") or {}).get("annotations") or {}).get(PROXY_CONFIG)
    if annotation:
        try:
            parsed = yaml.safe_load(str(annotation))
        except yaml.YAMLError:
            parsed = None
        if isinstance(parsed, Mapping) and isinstance(parsed.get("gatewayTopology"), Mapping):
            topology = parsed["gatewayTopology"]
    try:
        return int(topology.get("numTrustedProxies") or 0) if isinstance(topology, Mapping) else 0
    except (TypeError, ValueError):
        return 0


def remote_ip(peer_ip: str, request: HttpRequest | None, trusted: int, gateway: bool) -> str:
    if request is None:
        return peer_ip
    forwarded = [v.strip() for n, v in request.headers if n == "x-forwarded-for"]
    chain = [a.strip() for v in forwarded for a in v.split(",") if a.strip()]
    if not chain:
        return peer_ip
    if gateway:
        return chain[-trusted] if 0 < trusted <= len(chain) else peer_ip
    return chain[-1]


def trust_domains(view: MeshView) -> tuple[str, ...]:
    """The mesh's trust domain and its aliases (memoized per view)."""
    found = view.memo(("authz-trust-domains",))
    if found is None:
        aliases = view.mesh.raw.get("trustDomainAliases") or []
        names = [view.mesh.trust_domain] + [str(a) for a in aliases if isinstance(a, str)]
        found = view.remember(("authz-trust-domains",), tuple(dict.fromkeys(names)))
    return found  # type: ignore[no-any-return]


def attributes_for(
    view: MeshView,
    workload: Workload,
    port: int,
    peer: Peer,
    request: HttpRequest | None,
    authn: Authenticated | None,
    *,
    gateway: bool,
) -> Attributes:
    trusted = trusted_proxies(view, workload) if gateway and request is not None else 0
    return Attributes(
        source_ip=peer.ip,
        remote_ip=remote_ip(peer.ip, request, trusted, gateway),
        destination_ip=workload.ip,
        destination_port=port,
        principal=peer.principal(view.mesh.trust_domain),
        request=request,
        path=normalize_path(request.path) if request is not None else "",
        jwt_principal=authn.principal if authn is not None else "",
        claims=authn.claims if authn is not None else {},
        trust_domains=trust_domains(view),
    )


__all__ = ["attributes_for", "normalize_path", "remote_ip", "trusted_proxies"]
