"""`istioctl proxy-status` (alias `ps`): the xDS sync status of every proxy, as istioctl 1.26
prints it (istio/istio istioctl/pkg/proxystatus/proxystatus.go and
istioctl/pkg/writer/pilot/status.go; the layout of istio.io's 1.24-1.26 pages):

    NAME                   CLUSTER        CDS               ...  ECDS        ISTIOD         VERSION
    details-v1-...default  Kubernetes     SYNCED (106s)     ...  IGNORED     istiod-...     1.26.2

Go's tabwriter with padding 5. One row per proxy connected to a running istiod: sidecars,
gateways and waypoints (`pod.namespace`). The push model (docs/mesh.md) decides the status: a
proxy whose revision pushes (istiod healthy) is SYNCED with the time since it was last pushed
to; one whose revision froze (istiod crash-looping on a bad mesh config) is STALE: it keeps the
configuration of the last push. With no running istiod at all the real tool cannot reach any
and says `unable to find any Istiod instances`.

`istioctl proxy-status POD[.NS]` compares what istiod would send with what the proxy holds:
`Clusters Match`, `Listeners Match`, `Routes Match (RDS last loaded at <RFC 1123>)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers.ownership import parse_time
from meshcert.kube.store import Obj
from meshcert.kube.tables.formatting import human_duration
from meshcert.mesh.controlplane import (
    ISTIO_NAMESPACE,
    has_sidecar,
    revision_health,
    revision_of_proxy,
)

from .commands import Command, Flag, Invocation, UsageError

COLUMNS = ("NAME", "CLUSTER", "CDS", "LDS", "EDS", "RDS", "ECDS", "ISTIOD", "VERSION")
CLUSTER_ID = "Kubernetes"
NO_ISTIOD = "unable to find any Istiod instances"
_PUSH_LOG_PREFIX = "info\tads\tXDS: Pushing Version:"


@dataclass(frozen=True)
class ProxyStatus:
    """One row: the proxy id (`pod.namespace`) and the status per xDS type."""

    proxy_id: str
    namespace: str
    pod: str
    revision: str
    cds: str
    lds: str
    eds: str
    rds: str
    ecds: str
    istiod: str
    version: str
    stale: bool
    synced_at: datetime | None


def render_status_table(rows: list[list[str]]) -> str:
    """Go's tabwriter.Init(w, 0, 8, 5, ' ', 0): each cell padded to its column's width + 5."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[i] + 5) for i, cell in enumerate(row[:-1])]
        lines.append("".join(cells) + row[-1])
    return "\n".join(lines) + "\n"


def _image_tag(pod: Obj, container_name: str) -> str:
    for container in (pod.get("spec") or {}).get("containers") or []:
        if container.get("name") == container_name:
            image = str(container.get("image") or "")
            last = image.rsplit("/", 1)[-1]
            return last.rsplit(":", 1)[1] if ":" in last else "unknown"
    return "unknown"


def _running(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and not (
        pod.get("metadata") or {}
    ).get("deletionTimestamp")


def istiod_pods(cluster: Cluster, namespace: str) -> dict[str, list[Obj]]:
    """Running istiod pods by revision."""
    found: dict[str, list[Obj]] = {}
    for pod in cluster.list(cluster.kind("", "pods"), namespace):
        labels = pod["metadata"].get("labels") or {}
        if labels.get("app") != "istiod" or not _running(pod):
            continue
        found.setdefault(str(labels.get("istio.io/rev") or "default"), []).append(pod)
    for pods in found.values():
        pods.sort(key=lambda p: p["metadata"]["name"])
    return found


def _is_gateway(pod: Obj) -> bool:
    """A gateway or waypoint: the istio-proxy container runs `proxy router` (no app container)."""
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    if annotations.get("inject.istio.io/templates") == "gateway":
        return True
    containers = (pod.get("spec") or {}).get("containers") or []
    for container in containers:
        if container.get("name") == "istio-proxy" and "router" in (container.get("args") or []):
            return True
    labels = (pod.get("metadata") or {}).get("labels") or {}
    if "gateway.networking.k8s.io/gateway-name" in labels or "istio" in labels:
        return len(containers) == 1
    return False


def _gateway_has_routes(cluster: Cluster, pod: Obj) -> bool:
    """Whether an Istio Gateway selecting this gateway pod has an HTTP server (RDS is sent)."""
    labels = (pod.get("metadata") or {}).get("labels") or {}
    if "gateway.networking.k8s.io/gateway-name" in labels:
        return True
    for gateway in cluster.list(cluster.kind("networking.istio.io", "gateways")):
        spec = gateway.get("spec") or {}
        selector = spec.get("selector") or {}
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            continue
        for server in spec.get("servers") or []:
            protocol = str((server.get("port") or {}).get("protocol") or "").upper()
            if protocol in ("HTTP", "HTTPS", "HTTP2", "GRPC"):
                return True
    return False


def _last_push(cluster: Cluster, namespace: str, istiod: str) -> datetime | None:
    for line in reversed(cluster.logs.lines(namespace, istiod, "discovery")):
        if _PUSH_LOG_PREFIX in line.text:
            return line.when
    return None


def proxy_statuses(cluster: Cluster, namespace: str) -> list[ProxyStatus]:
    """The rows istiod's sync status would give, sorted by proxy id (caller holds the lock)."""
    istiods = istiod_pods(cluster, namespace)
    rows: list[ProxyStatus] = []
    pushes: dict[str, datetime | None] = {}
    for pod in cluster.list(cluster.kind("", "pods")):
        if not _running(pod) or not has_sidecar(pod):
            continue
        revision = revision_of_proxy(pod)
        served_by = istiods.get(revision)
        if not served_by:
            continue  # not connected to any istiod: istiod's sync status does not list it
        meta = pod["metadata"]
        # With several replicas each proxy is connected to one; the lab names the first.
        istiod_name = served_by[0]["metadata"]["name"]
        health = revision_health(cluster, revision)
        stale = health is None or not health.healthy
        started = (pod.get("status") or {}).get("startTime")
        if istiod_name not in pushes:
            pushes[istiod_name] = _last_push(cluster, namespace, istiod_name)
        moments = (
            [parse_time(started).replace(tzinfo=cluster.clock.now().tzinfo)] if started else []
        )
        if pushes[istiod_name] is not None:
            moments.append(pushes[istiod_name])  # type: ignore[arg-type]
        synced_at = max(moments) if moments else None
        gateway = _is_gateway(pod)
        routes = (not gateway) or _gateway_has_routes(cluster, pod)
        rows.append(
            ProxyStatus(
                proxy_id=f"{meta['name']}.{meta['namespace']}",
                namespace=meta["namespace"],
                pod=meta["name"],
                revision=revision,
                cds="SYNCED",
                lds="SYNCED",
                eds="SYNCED",
                rds="SYNCED" if routes else "IGNORED",
                ecds="IGNORED",
                istiod=istiod_name,
                version=_image_tag(pod, "istio-proxy"),
                stale=stale,
                synced_at=synced_at,
            )
        )
    rows.sort(key=lambda r: r.proxy_id)
    return rows


def _cell(status: str, row: ProxyStatus, now: datetime) -> str:
    if status != "SYNCED":
        return status
    if row.stale:
        return "STALE"
    if row.synced_at is None:
        return "SYNCED"
    return f"SYNCED ({human_duration(now - row.synced_at)})"


def status_table(rows: list[ProxyStatus], now: datetime) -> str:
    table = [list(COLUMNS)]
    for row in rows:
        table.append(
            [
                row.proxy_id,
                CLUSTER_ID,
                _cell(row.cds, row, now),
                _cell(row.lds, row, now),
                _cell(row.eds, row, now),
                _cell(row.rds, row, now),
                _cell(row.ecds, row, now),
                row.istiod,
                row.version,
            ]
        )
    return render_status_table(table)


def _split_pod(arg: str, namespace: str | None) -> tuple[str, str]:
    """handlers.InferPodInfo: `name.namespace` splits at the last dot, else the -n namespace.
    A `pod/` prefix is accepted; other resource types are not modelled."""
    kind, slash, rest = arg.partition("/")
    if slash:
        if kind not in ("pod", "pods", "po"):
            raise UsageError(f"proxy-status {kind}/NAME is not supported in the lab: name a pod")
        arg = rest
    name, dot, ns = arg.rpartition(".")
    if dot and name:
        return name, ns
    return arg, namespace or "default"


def _rfc1123(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S ") + (moment.tzname() or "UTC")


def run_proxy_status(inv: Invocation) -> int:
    cluster = inv.cluster
    istio_ns = inv.flag("istioNamespace") or ISTIO_NAMESPACE
    revision = inv.flag("revision") or ""
    if inv.flag("output") or inv.flag("file"):
        raise UsageError(
            "proxy-status -o/--output and -f/--file are not supported in the lab (the table "
            "and the POD comparison are)"
        )
    with cluster.lock:
        if not istiod_pods(cluster, istio_ns):
            raise UsageError(NO_ISTIOD)
        now = cluster.clock.now()
        rows = proxy_statuses(cluster, istio_ns)
        if revision:
            rows = [r for r in rows if r.revision == revision]
        if inv.args:
            name, ns = _split_pod(inv.args[0], inv.flag("namespace"))
            pod = cluster.find(cluster.kind("", "pods"), ns, name)
            if pod is None:
                raise UsageError(f'pods "{name}" not found')
            match = [r for r in rows if r.pod == name and r.namespace == ns]
            if not match:
                raise UsageError(
                    f"failed to get config dump from proxy {name}.{ns}: the pod has no proxy "
                    "connected to a running istiod"
                )
            inv.out(_compare(match[0], now))
            return 0
    if inv.flag("namespace"):
        rows = [r for r in rows if r.namespace == inv.flag("namespace")]
    inv.out(status_table(rows, now))
    return 0


def _compare(row: ProxyStatus, now: datetime) -> str:
    if row.stale:
        # The lab holds no Envoy config dump to diff; it says which parts differ.
        return (
            "Clusters Don't Match\n"
            "Listeners Don't Match\n"
            "Routes Don't Match\n"
            "(the lab does not render the configuration diff: the proxy keeps the configuration "
            "of its revision's last push while istiod does not push)\n"
        )
    loaded = row.synced_at or now
    return (
        f"Clusters Match\nListeners Match\nRoutes Match (RDS last loaded at {_rfc1123(loaded)})\n"
    )


def add_proxy_status_command(root: Command) -> None:
    command = Command(
        "proxy-status",
        "Retrieves the synchronization status of each Envoy in the mesh",
        run_proxy_status,
        (
            Flag("revision", "r", help="Control plane revision"),
            Flag("output", "o", help="Output format: one of json|yaml|short"),
            Flag("verbose", "v", kind="bool", default=False, help="Show all xDS types"),
            Flag("file", "f", help="Envoy config dump file"),
        ),
        aliases=("ps",),
        max_args=1,
        usage="[<type>/]<name>[.<namespace>] [flags]",
    )
    root.add(command)
