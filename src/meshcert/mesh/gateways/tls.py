"""What a gateway's Envoy presents to a TLS client: the filter chain chosen by SNI and the
server's TLS settings.

Sources: istio/istio pilot/pkg/networking/core/gateway.go (one filter chain per HTTPS or TLS
server, `server_names` = the server's hosts, none for `*`; ALPN h2 and http/1.1 on HTTPS
servers); Envoy's filter chain match (envoyproxy/envoy
source/common/listener_manager/filter_chain_manager_impl.cc: an exact server name wins over
the longest wildcard suffix, which wins over a chain without names; a ClientHello without
SNI only matches chains without names; no match closes the connection); networking/v1
gateway.proto `ServerTLSSettings` (modes, credentialName, min/max protocol versions).
AUTO_PASSTHROUGH is for multi-cluster east-west gateways, which a single-cluster lab does not
model; PASSTHROUGH hands the connection to the backend, and the lab's apps do not speak TLS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import hosts
from ..config.workloads import Workload
from ..security.ca import mesh_ca
from ..security.certificates import workload_certificate
from ..security.certificates_tls import PROTOCOL_VERSIONS, ServerTls
from ..security.certificates_verification import load_certificates
from ..view import MeshView
from .credentials import Credential, load_credential
from .routing import BoundServer, gateway_servers

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

PASSTHROUGH_MODES = frozenset({"PASSTHROUGH", "AUTO_PASSTHROUGH"})
HTTP_ALPN = ("h2", "http/1.1")


@dataclass(frozen=True)
class Passthrough:
    """The chain is a PASSTHROUGH (or AUTO_PASSTHROUGH) server: TLS goes to the backend."""

    bound: BoundServer
    mode: str


@dataclass(frozen=True)
class NoChain:
    """No filter chain or no usable certificate: the gateway closes the connection."""

    reason: str


@dataclass(frozen=True)
class Terminating:
    """The gateway terminates TLS for `bound` with `server`."""

    bound: BoundServer
    server: ServerTls


def _chain_for_sni(servers: tuple[BoundServer, ...], sni: str) -> BoundServer | None:
    tls_servers = [b for b in servers if b.server.protocol in ("HTTPS", "TLS")]
    exact: BoundServer | None = None
    wildcard: tuple[int, BoundServer] | None = None
    catch_all: BoundServer | None = None
    for bound in tls_servers:
        names = [h.lower() for _, h in bound.server.hosts]
        if "*" in names or not names:
            catch_all = catch_all or bound
            continue
        if not sni:
            continue
        for name in names:
            if name == sni and exact is None:
                exact = bound
            elif (
                hosts.is_wildcard(name)
                and hosts.matches(name, sni)
                and (wildcard is None or len(name) > wildcard[0])
            ):
                wildcard = (len(name), bound)
    if exact is not None:
        return exact
    if wildcard is not None:
        return wildcard[1]
    return catch_all


def _version(tls: dict[str, object], key: str, default: str) -> str:
    value = str(tls.get(key) or "TLS_AUTO")
    return PROTOCOL_VERSIONS.get(value, default)


def server_tls(cluster: Cluster, view: MeshView, workload: Workload, port: int,
               sni: str) -> Terminating | Passthrough | NoChain:  # fmt: skip
    """What the gateway `workload` does with a ClientHello for `sni` ("" = none) on server
    port `port` (call with `cluster.lock` held)."""
    bound = _chain_for_sni(gateway_servers(view, workload, port), sni.lower())
    if bound is None:
        return NoChain(f"no filter chain for SNI {sni!r}" if sni else "no SNI")
    tls = dict(bound.server.tls or {})
    mode = str(tls.get("mode") or "SIMPLE")
    if mode in PASSTHROUGH_MODES:
        return Passthrough(bound, mode)
    alpn = HTTP_ALPN if bound.server.protocol == "HTTPS" else ()
    low = _version(tls, "minProtocolVersion", "TLSv1.2")
    high = _version(tls, "maxProtocolVersion", "TLSv1.3")
    if mode == "ISTIO_MUTUAL":
        cert = workload_certificate(view if view.source is not None else cluster, workload)
        ca = mesh_ca(cluster)
        if cert is None or ca is None:
            return NoChain("no workload certificate")
        chain = tuple(load_certificates(cert.chain_pem.encode()))
        roots = tuple(load_certificates(ca.root_pem.encode()))
        return Terminating(bound, ServerTls(mode, chain, roots, low, high, alpn))
    name = str(tls.get("credentialName") or "")
    if not name:
        return NoChain("serverCertificate files are not supported in the lab: use credentialName")
    found = load_credential(cluster, workload.namespace, name,
                            need_ca=mode in ("MUTUAL", "OPTIONAL_MUTUAL"))  # fmt: skip
    if not isinstance(found, Credential):
        return NoChain(found)
    return Terminating(bound, ServerTls(mode, found.chain, found.client_ca, low, high, alpn))


def tls_only(view: MeshView, workload: Workload, port: int) -> bool:
    """Whether every server of the gateway on `port` is HTTPS or TLS: plain HTTP arriving there
    matches no filter chain and Envoy closes the connection (curl 52 `Empty reply from
    server`)."""
    key = ("gw-tls-only", workload.namespace, workload.name, port)
    found = view.memo(key)
    if found is None:
        servers = gateway_servers(view, workload, port)
        found = view.remember(key, bool(servers) and all(
            b.server.protocol in ("HTTPS", "TLS") for b in servers))  # fmt: skip
    return bool(found)


__all__ = ["NoChain", "Passthrough", "Terminating", "server_tls", "tls_only"]
