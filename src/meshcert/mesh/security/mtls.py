"""Mutual TLS between proxies: the server's PeerAuthentication mode, the client's TLS choice
(DestinationRule `tls`, auto mTLS), the handshake between them and the client certificate
header the server's proxy adds.

Server side (pilot/pkg/model/authentication.go addPeerAuthentication, getConfigsForWorkload;
pilot/pkg/security/authn/policy_applier.go ComposePeerAuthentication):
- a policy without selector in the root namespace is the mesh policy, one in another namespace
  the namespace policy; only the oldest of each namespace counts;
- a policy with a selector (not in the root namespace) selects workloads of its namespace; the
  oldest selecting a workload wins;
- workload over namespace over mesh; UNSET inherits from the parent; nothing = PERMISSIVE;
- `portLevelMtls` of the workload policy, keyed by the workload (container) port; an UNSET port
  inherits the workload's mode.
STRICT accepts only Istio mTLS: a plaintext connection matches no filter chain and is closed
(istio.io docs/tasks/security/authentication/mtls-migration: `000`, curl exit 56). PERMISSIVE
accepts both; DISABLE has no TLS filter chain.

Client side (pilot/pkg/networking/core/cluster_tls.go buildAutoMtlsSettings,
pilot/pkg/model/push_context.go BestEffortInferServiceMTLSMode, pilot/pkg/xds/endpoints
mtls_checker.go): a DestinationRule `tls` mode (top level, subset, port level; merged in
`destinations.policies`) is used as written; without one, auto mTLS (meshConfig
enableAutoMtls, default true) sends ISTIO_MUTUAL to endpoints labelled
`security.istio.io/tlsMode=istio`, except to MESH_EXTERNAL services, services whose namespace
(or mesh) policy is DISABLE, endpoints whose own mode on their port is DISABLE, and
passthrough services (headless, resolution NONE, PASSTHROUGH load balancing) with any
endpoint lacking a sidecar.

The client certificate header (Envoy forward_client_cert_details APPEND_FORWARD with subject
and URI, Istio's sidecar default; istio.io authn-policy "Auto mutual TLS"):
`By=<server SPIFFE ID>;Hash=<sha256 of the client certificate>;Subject="";URI=<client SPIFFE ID>`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from meshcert.mesh.config.services import Endpoint
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.destinations import UpstreamCluster
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.routing.proxies import is_gateway_workload
from meshcert.mesh.view import MeshView

from .certificates import certificate_hash
from .peers import Peer

KIND = "PeerAuthentication"
STRICT, PERMISSIVE, DISABLE, UNSET = "STRICT", "PERMISSIVE", "DISABLE", "UNSET"
ISTIO_MUTUAL = "ISTIO_MUTUAL"
XFCC = "x-forwarded-client-cert"
SPIFFE = "spiffe://"


def _mode(spec: Any) -> str:
    """The mode of a `mtls` / `portLevelMtls` entry; UNSET when missing."""
    if not isinstance(spec, Mapping):
        return UNSET
    mode = str(spec.get("mode") or UNSET).upper()
    return mode if mode in (STRICT, PERMISSIVE, DISABLE) else UNSET


def _selector(policy: Mapping[str, Any]) -> Mapping[str, str]:
    selector = (policy.get("spec") or {}).get("selector")
    labels = selector.get("matchLabels") if isinstance(selector, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def _selects(selector: Mapping[str, str], workload: Workload) -> bool:
    return all(workload.labels.get(str(k)) == str(v) for k, v in selector.items())


def _namespace_level(view: MeshView, namespace: str) -> Mapping[str, Any] | None:
    """The oldest policy without selector in `namespace` (addPeerAuthentication ignores the
    others)."""
    for policy in view.policies(KIND, namespace):
        if not _selector(policy):
            return policy
    return None


def _spec(policy: Mapping[str, Any] | None) -> Mapping[str, Any]:
    spec = (policy or {}).get("spec")
    return spec if isinstance(spec, Mapping) else {}


def mesh_mode(view: MeshView) -> str | None:
    """The mesh policy's mode (its UNSET is PERMISSIVE), None without a mesh policy."""
    policy = _namespace_level(view, view.root_namespace)
    if policy is None:
        return None
    mode = _mode(_spec(policy).get("mtls"))
    return PERMISSIVE if mode == UNSET else mode


def namespace_mode(view: MeshView, namespace: str) -> str | None:
    """GetNamespaceMutualTLSMode: the namespace policy's mode (UNSET inherits the mesh's,
    else PERMISSIVE), else the mesh policy's, else None (no policy at all)."""
    key = ("mtls-namespace", namespace)
    found = view.memos.get(key)
    if found is not None:
        return str(found) or None
    result = mesh_mode(view)
    if namespace != view.root_namespace:
        policy = _namespace_level(view, namespace)
        if policy is not None:
            mode = _mode(_spec(policy).get("mtls"))
            result = (result or PERMISSIVE) if mode == UNSET else mode
    view.remember(key, result or "")
    return result


@dataclass(frozen=True)
class EffectiveMtls:
    """The composed PeerAuthentication of one workload: its mode and port overrides."""

    mode: str = PERMISSIVE
    per_port: Mapping[int, str] = field(default_factory=dict)

    def at(self, port: int) -> str:
        return self.per_port.get(port, self.mode)


def _ports(spec: Mapping[str, Any]) -> dict[int, str]:
    ports = spec.get("portLevelMtls")
    found: dict[int, str] = {}
    if isinstance(ports, Mapping):
        for key, value in ports.items():
            if str(key).isdigit():
                found[int(str(key))] = _mode(value)
    return found


def effective(view: MeshView, workload: Workload) -> EffectiveMtls:
    """ComposePeerAuthentication for `workload` (memoized per view)."""
    key = ("mtls-effective", workload.namespace, workload.name)
    found = view.memos.get(key)
    if isinstance(found, EffectiveMtls):
        return found
    mode = namespace_mode(view, workload.namespace) or PERMISSIVE
    per_port: dict[int, str] = {}
    if workload.namespace != view.root_namespace:
        chosen = next((p for p in view.policies(KIND, workload.namespace)
                       if _selector(p) and _selects(_selector(p), workload)), None)  # fmt: skip
        if chosen is not None:
            spec = _spec(chosen)
            own = _mode(spec.get("mtls"))
            if own != UNSET:
                mode = own
            per_port = {p: (mode if m == UNSET else m) for p, m in _ports(spec).items()}
    result = EffectiveMtls(mode, per_port)
    view.remember(key, result)
    return result


def mode_for(view: MeshView, workload: Workload, port: int) -> str:
    """STRICT, PERMISSIVE or DISABLE: what `workload`'s inbound proxy accepts on `port`."""
    return effective(view, workload).at(port)


def accepts(view: MeshView, workload: Workload, port: int, peer: Peer) -> bool:
    """Whether `workload`'s inbound proxy accepts a connection from `peer` on `port`: STRICT
    closes plaintext connections. (An mTLS client meeting a DISABLE port fails its own
    handshake first: see `handshake`.) A gateway's listeners come from its Gateway servers,
    not from PeerAuthentication (pilot/pkg/networking/core gateway.go): it accepts both."""
    if peer.mtls or is_gateway_workload(workload):
        return True
    return mode_for(view, workload, port) != STRICT


def ztunnel_accepts(view: MeshView, workload: Workload, port: int, peer: Peer) -> bool:
    """Whether the ztunnel in front of an ambient `workload` takes a connection from `peer`.
    Mesh clients (ambient or sidecar) arrive over HBONE mTLS; under STRICT a connection that
    bypasses the mesh is closed. DISABLE is not supported in ambient (istio/api
    security/v1beta1/peer_authentication.proto): it accepts both, as PERMISSIVE does."""
    client = peer.workload
    if peer.mtls or (client is not None and (client.ambient or client.has_sidecar)):
        return True
    return mode_for(view, workload, port) != STRICT


# The client side ------------------------------------------------------------------------------


def client_tls_mode(view: MeshView, client: Workload | None, upstream: UpstreamCluster,
                    endpoint: Endpoint) -> str:  # fmt: skip
    """The TLS `client`'s proxy originates to `endpoint` of `upstream`: the DestinationRule's
    mode (DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL) when it sets one, else auto mTLS
    (ISTIO_MUTUAL or DISABLE). A client without a proxy sends what its app sends (DISABLE)."""
    if client is None or not client.has_sidecar:
        return DISABLE
    key = ("client-tls", client.namespace, client.name, upstream.name, endpoint.address,
           endpoint.port)  # fmt: skip
    found = view.memos.get(key)
    if found is None:
        found = view.remember(key, _client_tls_mode(view, upstream, endpoint))
    return str(found)


def _client_tls_mode(view: MeshView, upstream: UpstreamCluster, endpoint: Endpoint) -> str:
    tls = upstream.policy.tls
    if tls is not None:
        return tls.mode
    if not upstream.auto_mtls or upstream.service.external or not endpoint.has_sidecar:
        return DISABLE
    service = upstream.service
    passthrough = (service.headless or service.resolution == "NONE"
                   or upstream.policy.load_balancer.simple == "PASSTHROUGH")  # fmt: skip
    # a passthrough service: mTLS only when every endpoint has a sidecar (istio/istio#27376)
    if passthrough and any(not e.has_sidecar for e in upstream.endpoints):
        return DISABLE
    if namespace_mode(view, upstream.service.namespace) == DISABLE:
        return DISABLE
    server = endpoint.workload
    if server is not None and mode_for(view, server, endpoint.port) == DISABLE:
        return DISABLE
    return ISTIO_MUTUAL


@dataclass(frozen=True)
class Handshake:
    """How the client's TLS choice meets the server: `mtls` (Istio mTLS established),
    `plaintext`, or `tls_error` (the client's TLS met a plaintext listener: its handshake
    fails with WRONG_VERSION_NUMBER)."""

    outcome: str

    @property
    def failed(self) -> bool:
        return self.outcome == "tls_error"

    @property
    def mtls(self) -> bool:
        return self.outcome == "mtls"


def handshake(view: MeshView, mode: str, server: Workload | None, port: int) -> Handshake:
    """What a client originating `mode` gets from `server` on `port`.

    ISTIO_MUTUAL to a pod without a proxy, or to a DISABLE port, reaches a plaintext listener
    (the lab's apps speak no TLS); SIMPLE and MUTUAL to an in-mesh pod likewise, except at a
    gateway, whose own servers decide. DISABLE is plaintext (STRICT then resets it:
    `accepts`)."""
    if mode == DISABLE:
        return Handshake("plaintext")
    gateway = server is not None and server.has_sidecar and is_gateway_workload(server)
    if gateway:
        return Handshake("mtls" if mode == ISTIO_MUTUAL else "plaintext")
    if mode != ISTIO_MUTUAL or server is None or not server.has_sidecar:
        return Handshake("tls_error")
    if mode_for(view, server, port) == DISABLE:
        return Handshake("tls_error")
    return Handshake("mtls")


# The client certificate header ---------------------------------------------------------------


def _spiffe(view: MeshView, workload: Workload) -> str:
    return f"{SPIFFE}{view.mesh.trust_domain}/ns/{workload.namespace}/sa/{workload.service_account}"


def client_cert_hash(view: MeshView, workload: Workload) -> str:
    """Hex SHA-256 of the DER of the client's workload certificate (issued by the mesh CA,
    `certificates.certificate_hash`), Envoy's XFCC `Hash=`. Before the lab has a CA (no
    istiod) it is derived from the workload's SPIFFE ID instead: stable per identity, 64 hex
    digits like the real one."""
    found = certificate_hash(view, workload)
    return found or hashlib.sha256(_spiffe(view, workload).encode()).hexdigest()


def with_client_cert(view: MeshView, workload: Workload, request: HttpRequest,
                     peer: Peer) -> HttpRequest:  # fmt: skip
    """The request as the server's proxy forwards it, with X-Forwarded-Client-Cert as Envoy
    writes it. A sidecar's inbound (APPEND_FORWARD) adds this mTLS connection's element to
    the header that arrived, and passes a plaintext request's on untouched; a gateway
    (gatewayTopology forwardClientCertDetails, default SANITIZE_SET) sets it to this
    connection's element, or removes it without mTLS. What arrives over mTLS from a sidecar
    holds nothing: its outbound listener sanitizes (Envoy's default SANITIZE); from a
    gateway it is what the gateway set."""
    gateway = workload.is_gateway
    if not peer.mtls or peer.workload is None:
        if gateway and request.header(XFCC) is not None:
            return request.without_header(XFCC)
        return request
    client = peer.workload
    key = ("xfcc", workload.namespace, workload.name, client.namespace, client.name)
    element = view.memos.get(key)  # the certificate and its hash are fixed for a view's lifetime
    if element is None:
        element = view.remember(key, (
            f"By={_spiffe(view, workload)};Hash={client_cert_hash(view, client)};"
            f'Subject="";URI={_spiffe(view, client)}'))  # fmt: skip
    kept = []
    existing = None
    for header in request.headers:  # one pass: the arriving value, and the other headers
        if header[0] == XFCC:
            if existing is None:
                existing = header[1]
        else:
            kept.append(header)
    if existing and not gateway and client.is_gateway:
        element = f"{existing},{element}"
    kept.append((XFCC, element))
    return request.with_lowered_headers(tuple(kept))


__all__ = [
    "DISABLE",
    "ISTIO_MUTUAL",
    "PERMISSIVE",
    "STRICT",
    "EffectiveMtls",
    "Handshake",
    "accepts",
    "client_cert_hash",
    "client_tls_mode",
    "effective",
    "handshake",
    "mesh_mode",
    "mode_for",
    "namespace_mode",
    "with_client_cert",
    "ztunnel_accepts",
]
