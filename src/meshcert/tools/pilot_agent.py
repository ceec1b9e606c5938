"""`pilot-agent request GET stats` in the istio-proxy container: the Envoy counters the
circuit-breaking task greps (istio.io docs/tasks/traffic-management/circuit-breaking:
`... | grep httpbin | grep pending` shows `upstream_rq_pending_overflow`). Counters kept by the
request simulation per proxy; circuit-breaker gauges from the cluster's connection pool."""

from __future__ import annotations

from meshcert.kube.execution import ExecContext
from meshcert.mesh.simulation.state import proxy_stats

GAUGES = (
    "circuit_breakers.default.rq_pending_open",
    "circuit_breakers.high.rq_pending_open",
    "upstream_rq_pending_active",
    "upstream_rq_pending_failure_eject",
)


def pilot_agent(ctx: ExecContext) -> int:
    args = ctx.argv[1:]
    if len(args) < 3 or args[0] != "request" or args[1].upper() != "GET":
        ctx.err("Error: pilot-agent in the lab answers `pilot-agent request GET stats` only "
                "(not supported in the lab)\n")  # fmt: skip
        return 1
    if args[2].strip("/").split("?")[0] != "stats":
        ctx.err(f"Error: {args[2]} is not supported in the lab\n")
        return 1
    key = (ctx.namespace, ctx.pod_name)
    with ctx.cluster.lock:
        table = proxy_stats(ctx.cluster, *key)
    clusters = {name.rsplit(".", 1)[0] for name in table if name.startswith("cluster.")}
    for name in clusters:
        prefix = name.split(".upstream_", 1)[0].split(".circuit_breakers", 1)[0]
        for gauge in GAUGES:
            table.setdefault(f"{prefix}.{gauge}", 0)
    ctx.out("".join(f"{name}: {value}\n" for name, value in sorted(table.items())))
    return 0


__all__ = ["pilot_agent"]
