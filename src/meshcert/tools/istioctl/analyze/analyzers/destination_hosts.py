"""IST0101 ReferencedResourceNotFound (`host`, `mirror host`, `host:port`) and IST0112
VirtualServiceDestinationPortSelectorRequired. Source: istio/istio
pkg/config/analysis/analyzers/virtualservice/destinationhosts.go.

Every route and mirror destination must name a Service or ServiceEntry host visible from the
VirtualService's namespace; without a port, the host may expose only one port; with a port,
that port must exist.
"""

from __future__ import annotations

from typing import ClassVar

from .. import messages as msg
from ..context import Context, Metadata
from ..resources import Resource
from .scoping import (
    HostEntry,
    RouteDestination,
    destination_host,
    mirror_destinations,
    route_destinations,  # fmt: skip
    service_hosts,
)


class DestinationHostAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "virtualservice.DestinationHostAnalyzer",
        "Checks the destination hosts associated with each virtual service",
        ("ServiceEntry", "VirtualService", "Service"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        entries = service_hosts(context)
        for vs in context.each("VirtualService"):
            for kind, found in (("host", route_destinations(vs.spec)),
                                ("mirror host", mirror_destinations(vs.spec))):  # fmt: skip
                for d in found:
                    entry = destination_host(vs.namespace, d.host, entries)
                    if entry is None:
                        context.report(msg.ReferencedResourceNotFound, vs, kind, d.host, at=d.path)
                    else:
                        _check_ports(context, vs, d, entry)


def _check_ports(context: Context, vs: Resource, d: RouteDestination, entry: HostEntry) -> None:
    if d.port is None:
        if len(entry.ports) > 1:
            context.report(msg.VirtualServiceDestinationPortSelectorRequired, vs, d.host,
                           list(entry.ports), at=d.path)  # fmt: skip
        return
    if d.port not in entry.ports:
        ref = f"{d.host}:{d.port}"
        context.report(msg.ReferencedResourceNotFound, vs, "host:port", ref, at=d.path)
