"""`nslookup NAME` as busybox prints it (the curl image is Alpine: busybox's nslookup), over the
cluster DNS at 10.96.0.10 (kubernetes.io docs/tasks/administer-cluster/dns-debugging-resolution)."""

from __future__ import annotations

from meshcert.kube.execution import ExecContext
from meshcert.kube.execution.environment import DNS_SERVICE_IP
from meshcert.mesh.simulation.engine import lookup_record


def nslookup(ctx: ExecContext) -> int:
    names = [a for a in ctx.argv[1:] if not a.startswith("-")]
    if not names:
        ctx.err("BusyBox v1.37.0 (2025-01-17 18:12:01 UTC) multi-call binary.\n\n"
                "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n")  # fmt: skip
        return 1
    name = names[0]
    server = names[1] if len(names) > 1 else DNS_SERVICE_IP
    ctx.out(f"Server:\t\t{server}\nAddress:\t{server}:53\n\n")
    with ctx.cluster.lock:
        found = lookup_record(ctx.cluster, ctx.pod, name)
    if found is None:
        ctx.out(f"** server can't find {name}: NXDOMAIN\n\n")
        return 1
    fqdn, address = found
    ctx.out(f"Name:\t{fqdn}\nAddress: {address}\n\n")
    return 0


__all__ = ["nslookup"]
