"""IST0145 ConflictingGateways: two Gateways with the same selector have servers on the same
port whose hosts overlap. Source: istio/istio
pkg/config/analysis/analyzers/gateway/conflictinggateway.go (each conflicting server is one
message naming the other gateways, comma-separated, and the server's hosts).
"""

from __future__ import annotations

from typing import ClassVar

from meshcert.mesh import hosts

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource
from .scoping import selector_string


class ConflictingGatewayAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "gateway.ConflictingGatewayAnalyzer", "Checks a gateway's selector, port number and hosts",
        ("Gateway",))  # fmt: skip

    def analyze(self, context: Context) -> None:
        # (selector, port) -> the servers there: exact host -> gateways, and wildcard hosts
        exact: dict[tuple[str, str], dict[str, set[str]]] = {}
        wild: dict[tuple[str, str], list[tuple[str, str]]] = {}
        servers: list[tuple[Resource, tuple[str, str], list[str]]] = []
        for gw in context.each("Gateway"):
            selector = selector_string(gw.spec.get("selector"))
            for server in gw.spec.get("servers") or []:
                port = str(((server or {}).get("port") or {}).get("number", 0))
                server_hosts = [str(h) for h in (server or {}).get("hosts") or []]
                key = (selector, port)
                servers.append((gw, key, server_hosts))
                for host in server_hosts:
                    bare = _bare(host)
                    if hosts.is_wildcard(bare):
                        wild.setdefault(key, []).append((bare, gw.full_name))
                    else:
                        exact.setdefault(key, {}).setdefault(bare, set()).add(gw.full_name)
        for gw, key, server_hosts in servers:
            others: set[str] = set()
            for host in map(_bare, server_hosts):
                for pattern, name in wild.get(key, ()):
                    if hosts.intersect(host, pattern):
                        others.add(name)
                if hosts.is_wildcard(host):
                    for other, names in exact.get(key, {}).items():
                        if hosts.matches(host, other):
                            others |= names
                else:
                    others |= exact.get(key, {}).get(host, set())
            others.discard(gw.full_name)
            if others:
                context.report(msg.ConflictingGateways, gw, ",".join(sorted(others)),
                               key[0], key[1], ",".join(server_hosts))  # fmt: skip


def _bare(host: str) -> str:
    return host.rpartition("/")[2]
