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
from .scoping import selector_string


class ConflictingGatewayAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "gateway.ConflictingGatewayAnalyzer", "Checks a gateway's selector, port number and hosts",
        ("Gateway",))  # fmt: skip

    def analyze(self, context: Context) -> None:
        # (selector, port) -> gateway full name -> hosts of its server on that port
        table: dict[tuple[str, str], dict[str, list[str]]] = {}
        for gw in context.each("Gateway"):
            selector = selector_string(gw.spec.get("selector"))
            for server in gw.spec.get("servers") or []:
                port = str(((server or {}).get("port") or {}).get("number", 0))
                server_hosts = [str(h) for h in (server or {}).get("hosts") or []]
                table.setdefault((selector, port), {})[gw.full_name] = server_hosts
        for gw in context.each("Gateway"):
            selector = selector_string(gw.spec.get("selector"))
            for server in gw.spec.get("servers") or []:
                port = str(((server or {}).get("port") or {}).get("number", 0))
                server_hosts = [str(h) for h in (server or {}).get("hosts") or []]
                others: list[str] = []
                for name, other_hosts in table.get((selector, port), {}).items():
                    for host in server_hosts:
                        if name != gw.full_name and any(
                            hosts.intersect(_bare(host), _bare(o)) for o in other_hosts
                        ):
                            others.append(name)
                if others:
                    context.report(msg.ConflictingGateways, gw, ",".join(others), selector,
                                   port, ",".join(server_hosts))  # fmt: skip


def _bare(host: str) -> str:
    return host.rpartition("/")[2]
