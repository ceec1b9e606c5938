"""What `kubectl logs deploy/istiod -n istio-system` shows: istiod's start-up, its pushes and
the warning for a mesh config it rejects, in istiod's log format (RFC 3339 with microseconds,
level, scope, message, tab-separated; istio/istio pkg/log: the `default` scope is not
written)."""

from __future__ import annotations

from datetime import datetime

from meshcert.kube.cluster import Cluster

CONTAINER = "discovery"
BUILD = "5e1c2ed0a6f5b1a41f4ad4ff6b1c30e27a0bd7f3"  # the lab's stand-in git revision


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _write(cluster: Cluster, namespace: str, pod: str, lines: list[str]) -> None:
    ts = _stamp(cluster.logs.now())
    text = "\n".join(line.replace("{ts}", ts) for line in lines)
    cluster.logs.append(namespace, pod, CONTAINER, text)


def startup_lines(revision: str, version: str) -> list[str]:
    return [
        '{ts}\tinfo\tFLAG: --caCertFile=""',
        '{ts}\tinfo\tFLAG: --domain="cluster.local"',
        '{ts}\tinfo\tFLAG: --grpcAddr=":15010"',
        '{ts}\tinfo\tFLAG: --httpAddr=":8080"',
        '{ts}\tinfo\tFLAG: --httpsAddr=":15017"',
        '{ts}\tinfo\tFLAG: --keepaliveMaxServerConnectionAge="30m0s"',
        '{ts}\tinfo\tFLAG: --log_output_level="default:info"',
        '{ts}\tinfo\tFLAG: --meshConfig="./etc/istio/config/mesh"',
        '{ts}\tinfo\tFLAG: --monitoringAddr=":15014"',
        '{ts}\tinfo\tFLAG: --namespace="istio-system"',
        f'{{ts}}\tinfo\tFLAG: --revision="{revision}"',
        f"{{ts}}\tinfo\tVersion {version}-{BUILD}-Clean",
        "{ts}\tinfo\tinitializing mesh configuration ./etc/istio/config/mesh",
    ]


def log_started(
    cluster: Cluster,
    namespace: str,
    pod: str,
    revision: str,
    version: str,
    mesh_error: str | None = None,
) -> None:
    """An istiod that came up; `mesh_error`: its mesh config was rejected (it runs on Istio's
    defaults, pkg/config/mesh/meshwatcher/collection.go)."""
    _write(
        cluster,
        namespace,
        pod,
        [
            *startup_lines(revision, version),
            *([invalid_mesh_line(mesh_error)] if mesh_error is not None else []),
            "{ts}\tinfo\tLoaded MeshNetworks config from Kubernetes API server.",
            "{ts}\tinfo\tinitializing Istiod admin server",
            "{ts}\tinfo\tinitializing secure discovery service",
            "{ts}\tinfo\tinitializing secure webhook server for istiod webhooks",
            "{ts}\tinfo\tinitializing sidecar injector",
            "{ts}\tinfo\tinitializing config validator",
            "{ts}\tinfo\tstarting discovery service",
            "{ts}\tinfo\tstarting HTTP service at [::]:8080",
            "{ts}\tinfo\tstarting gRPC discovery service at [::]:15010",
            "{ts}\tinfo\tstarting webhook service at [::]:15017",
            "{ts}\tinfo\tads\tAll caches have been synced up, marking server ready",
            "{ts}\tinfo\tDiscovery service started",
        ],
    )


def invalid_mesh_line(error: str) -> str:
    """meshwatcher's `log.Warnf("invalid mesh config, using last known state: %v", err)`."""
    return f"{{ts}}\twarn\tinvalid mesh config, using last known state: {error}"


def log_invalid_mesh_config(cluster: Cluster, namespace: str, pod: str, error: str) -> None:
    """A running istiod whose mesh config file changed to a text it rejects: it keeps the
    mesh config it has and goes on pushing."""
    _write(cluster, namespace, pod, [invalid_mesh_line(error)])


def log_push(cluster: Cluster, namespace: str, pod: str, config: str, version: int) -> None:
    """One debounced full push for a config change (pilot/pkg/xds/discovery.go)."""
    now = cluster.logs.now()
    _write(
        cluster,
        namespace,
        pod,
        [
            f"{{ts}}\tinfo\tads\tPush debounce stable[{version}] 1 for config {config}: "
            "100.152ms since last change, 100.152ms since last push, full=true",
            f"{{ts}}\tinfo\tads\tXDS: Pushing Version:{now.strftime('%Y-%m-%dT%H:%M:%SZ')}/"
            f"{version}",
        ],
    )
