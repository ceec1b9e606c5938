"""CUSTOM AuthorizationPolicies: the ext_authz filter and the providers of the mesh config.

A CUSTOM policy names an extension provider (meshConfig.extensionProviders, `envoyExtAuthzHttp`
or `envoyExtAuthzGrpc`); requests that match its rules are checked by that external server
before any DENY or ALLOW policy (istio.io docs/tasks/security/authorization/authz-custom).
When the provider is not in the mesh config, or the workload has CUSTOM policies naming more
than one provider, istiod cannot build the filter and denies the matching requests instead
(pilot/pkg/security/authz/builder: RBAC policy
`istio-ext-authz-ns[NS]-policy[NAME]-rule[N]-deny-due-to-bad-CUSTOM-action`).

The server is simulated as Istio's sample ext-authz server (samples/extauthz/cmd/extauthz/
main.go), whatever image runs behind the provider's Service (the lab models no other server):

- HTTP check: allowed when the request the server receives carries `x-ext-authz: allow`; Envoy
  sends it only the headers listed in `includeRequestHeadersInCheck` (plus Host, Method, Path,
  Content-Length, Authorization). Denied: 403, body
  ``denied by ext_authz for not found header `x-ext-authz: allow` in the request``.
- gRPC check: every header is sent; with `x-ext-authz` present it decides as above, without it
  the peer's principal must end in `/sa/a` (the sample's `-allow_service_account` default).
- Allowed requests get the server's `x-ext-authz-check-result: allowed` (gRPC: always; HTTP:
  when `headersToUpstreamOnAllow` lists it). The sample's `x-ext-authz-check-received` debug
  header is not reproduced.
- No ready endpoint behind the provider's service: the check fails and Envoy answers
  `statusOnError` (403 by default) with an empty body, unless `failOpen` is true.

On TCP, CUSTOM policies are not evaluated in the lab (Istio applies only gRPC providers there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.view import MeshView

from ..peers import Rejection

CHECK_HEADER = "x-ext-authz"
ALLOWED_VALUE = "allow"
RESULT_HEADER = "x-ext-authz-check-result"
OVERRIDE_HEADER = "x-ext-authz-additional-header-override"
OVERRIDE_GRPC_VALUE = "grpc-additional-header-override-value"
DENY_BODY = (
    f"denied by ext_authz for not found header `{CHECK_HEADER}: {ALLOWED_VALUE}` in the request"
)
SAMPLE_SERVICE_ACCOUNT = "a"


@dataclass(frozen=True)
class Provider:
    name: str
    kind: str  # "http" or "grpc"
    service: str
    port: int
    include_headers: tuple[str, ...] = ()
    to_upstream: tuple[str, ...] = ()
    to_downstream_on_deny: tuple[str, ...] = ()
    status_on_error: int = 403
    fail_open: bool = False


def provider(view: MeshView, name: str) -> Provider | None:
    """The ext-authz provider `name` of the mesh config, or None."""
    for raw in view.mesh.raw.get("extensionProviders") or []:
        if not isinstance(raw, Mapping) or raw.get("name") != name:
            continue
        for key, kind in (("envoyExtAuthzHttp", "http"), ("envoyExtAuthzGrpc", "grpc")):
            spec = raw.get(key)
            if isinstance(spec, Mapping):
                return _provider(name, kind, spec)
        return None
    return None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v).lower() for v in value) if isinstance(value, list) else ()


def _provider(name: str, kind: str, spec: Mapping[str, Any]) -> Provider:
    try:
        port = int(spec.get("port") or 0)
    except (TypeError, ValueError):
        port = 0
    try:
        status = int(spec.get("statusOnError") or 403)
    except (TypeError, ValueError):
        status = 403
    include = _strings(spec.get("includeRequestHeadersInCheck")) + _strings(
        spec.get("includeHeadersInCheck")
    )
    additional = spec.get("includeAdditionalHeadersInCheck") or {}
    if isinstance(additional, Mapping):
        include += tuple(str(k).lower() for k in additional)
    return Provider(
        name=name,
        kind=kind,
        service=str(spec.get("service") or ""),
        port=port,
        include_headers=include,
        to_upstream=_strings(spec.get("headersToUpstreamOnAllow")),
        to_downstream_on_deny=_strings(spec.get("headersToDownstreamOnDeny")),
        status_on_error=status,
        fail_open=bool(spec.get("failOpen")),
    )


def _reachable(view: MeshView, found: Provider) -> bool:
    """Whether the provider's service has a ready endpoint on its port (`service` is a host,
    optionally `namespace/host`)."""
    host = found.service.split("/", 1)[-1].lower()
    for service in view.services_for_host(host):
        if service.port(found.port) is None:
            continue
        if any(e.workload is not None and e.ready for e in view.endpoints(service, found.port)):
            return True
    return False


def _matches(pattern: str, name: str) -> bool:
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return name.endswith(pattern[1:])
    return name == pattern


def check(
    view: MeshView, found: Provider, request: HttpRequest, principal: str
) -> HttpRequest | Rejection:
    """The sample server's answer for `request`: the request to pass on (with the headers
    the server adds), or the reply Envoy sends instead."""
    if not _reachable(view, found):
        if found.fail_open:
            return request
        return Rejection(found.status_on_error, "", "ext_authz_error", (), ("UAEX",))
    if found.kind == "http":
        sent = found.include_headers
        value = request.header(CHECK_HEADER) if CHECK_HEADER in sent else None
        allowed = value == ALLOWED_VALUE
    else:
        value = request.header(CHECK_HEADER)
        allowed = (
            value == ALLOWED_VALUE
            if value is not None
            else principal.endswith(f"/sa/{SAMPLE_SERVICE_ACCOUNT}")
        )
    override = request.header(OVERRIDE_HEADER) or ""
    if found.kind == "grpc":
        override = OVERRIDE_GRPC_VALUE
    if allowed:
        added = {RESULT_HEADER: "allowed", OVERRIDE_HEADER: override}
        for name, val in added.items():
            if found.kind == "grpc" or any(_matches(p, name) for p in found.to_upstream):
                request = request.with_header(name, val)
        return request
    reply: tuple[tuple[str, str], ...] = ((RESULT_HEADER, "denied"), (OVERRIDE_HEADER, override))
    if found.to_downstream_on_deny:
        keep = found.to_downstream_on_deny
        reply = tuple((n, v) for n, v in reply if any(_matches(p, n) for p in keep))
    return Rejection(403, DENY_BODY, "ext_authz_denied", reply, ("UAEX",))


__all__ = ["DENY_BODY", "Provider", "check", "provider"]
