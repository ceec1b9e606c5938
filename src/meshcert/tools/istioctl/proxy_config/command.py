"""The `proxy-config` command tree: target resolution (`POD[.NS]`, `-n NS`, `deploy/NAME`),
the subcommands and their filters, `-o short|json|yaml`.

Summary formats follow istioctl/pkg/writer/envoy/configdump (cluster.go, listener.go,
route.go, endpoint.go, secret writer); see docs/istioctl.md "proxy-config"."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from meshcert.kube.cluster import Cluster
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.install.versions import ISTIO_VERSION
from meshcert.mesh.routing.proxies import Proxy, proxy_for
from meshcert.mesh.simulation.state import view_for_proxy

from ..commands import Command, Flag, Invocation, UsageError
from . import envoy, output

OUTPUT = Flag("output", "o", default="short", help="Output format: one of json|yaml|short")

SHORT = "Retrieve information about proxy configuration from Envoy [kube only]"


def _pod_ref(inv: Invocation) -> tuple[str, str]:
    if not inv.args:
        raise UsageError(f"{inv.path[-1]} requires pod name or --file parameter")
    ref = inv.args[0]
    namespace = inv.flag("namespace") or "default"
    kind, slash, name = ref.partition("/")
    if not slash:
        kind, name = "pod", ref
    if "." in name:
        name, _, namespace = name.rpartition(".")  # InferPodInfo: the last dot
    kind = kind.lower()
    if kind in ("pod", "pods", "po"):
        return name, namespace
    if kind in ("deploy", "deployment", "deployments"):
        return _first_pod_of(inv.cluster, "deployments", "apps", name, namespace), namespace
    raise UsageError(f'unsupported resource type "{kind}": use pod or deploy')


def _first_pod_of(cluster: Cluster, plural: str, group: str, name: str, namespace: str) -> str:
    kind = cluster.kind(group, plural)
    obj = cluster.find(kind, namespace, name)
    if obj is None:
        raise UsageError(
            f'failed retrieving: {plural}.{group} "{name}" not found in the "{namespace}" namespace'
        )
    selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    pods = sorted(
        (
            p
            for p in cluster.list(cluster.kind("", "pods"), namespace)
            if all(((p["metadata"].get("labels") or {}).get(k) == v) for k, v in selector.items())
        ),
        key=lambda p: str(p["metadata"]["name"]),
    )
    if not pods:
        raise UsageError(f"no pods found for {plural}.{group} {namespace}/{name}")
    return str(pods[0]["metadata"]["name"])


def _proxy_role(pod: Any) -> str:
    """The `proxy <role>` argument of the pod's istio-proxy container (sidecar, router,
    waypoint, ztunnel), "" without one."""
    for container in (pod.get("spec") or {}).get("containers") or []:
        args = [str(a) for a in container.get("args") or []]
        if len(args) > 1 and args[0] == "proxy":
            return args[1]
    return ""


def resolve(inv: Invocation) -> tuple[Proxy, Any]:
    """The proxy of the target pod and the view it holds; usage errors as istioctl's."""
    name, namespace = _pod_ref(inv)
    cluster = inv.cluster
    with cluster.lock:
        pod = cluster.find(cluster.kind("", "pods"), namespace, name)
        if pod is None:
            # EnvoyDoWithPort's port forwarder (pkg/kube/client.go); the config-dump commands
            # say `on POD.NS sidecar`, endpoint and log `on Envoy` (proxyconfig.go)
            on = "Envoy" if inv.path[-1] in ("endpoint", "log") else f"{name}.{namespace} sidecar"
            raise UsageError(
                f"failed to execute command on {on}: failure running port forward process: "
                f'failed retrieving: pods "{name}" not found in the "{namespace}" namespace'
            )
        role = _proxy_role(pod)
        if role in ("waypoint", "ztunnel"):
            raise UsageError(
                f"pod {name}.{namespace} is a {role}: its Envoy configuration is not modelled "
                "by proxy-config in the lab"
                + (
                    " (istioctl ztunnel-config is not supported either)"
                    if role == "ztunnel"
                    else ""
                )
            )
        view = view_for_proxy(cluster, pod)
        workload: Workload | None = view.workload(namespace, name)
        proxy = proxy_for(workload)
        if proxy is None:
            raise UsageError(
                f"pod {name}.{namespace} has no istio-proxy container (no sidecar or gateway "
                "Envoy): there is no Envoy configuration to show"
            )
    return proxy, view


def _run(
    writer: Callable[[Invocation, envoy.EnvoyConfig, str], str],
) -> Callable[[Invocation], int]:
    def run(inv: Invocation) -> int:
        fmt = str(inv.flag("output") or "short")
        if fmt not in ("short", "json", "yaml"):
            raise UsageError(f'output format "{fmt}" not supported')
        proxy, view = resolve(inv)
        with inv.cluster.lock:
            cfg = envoy.build(view, proxy)
            text = writer(inv, cfg, fmt)
        inv.out(text)
        return 0

    return run


def _dump(data: Any, fmt: str) -> str:
    if fmt == "yaml":
        return str(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))
    return json.dumps(data, indent=4) + "\n"


def _cluster(inv: Invocation, cfg: envoy.EnvoyConfig, fmt: str) -> str:
    clusters = output.filter_clusters(
        cfg,
        fqdn=str(inv.flag("fqdn") or ""),
        port=int(inv.flag("port") or 0),
        subset=str(inv.flag("subset") or ""),
        direction=str(inv.flag("direction") or ""),
    )
    if fmt != "short":
        return _dump([output.cluster_json(c) for c in clusters], fmt)
    return output.cluster_summary(clusters)


def _route(inv: Invocation, cfg: envoy.EnvoyConfig, fmt: str) -> str:
    name = str(inv.flag("name") or "")
    routes = [r for r in output.sorted_routes(cfg) if not name or r.name == name]
    if fmt != "short":
        return _dump([output.route_json(r) for r in routes], fmt)
    return output.route_summary(routes)


def _listener(inv: Invocation, cfg: envoy.EnvoyConfig, fmt: str) -> str:
    listeners = output.filter_listeners(
        cfg,
        port=int(inv.flag("port") or 0),
        kind=str(inv.flag("type") or ""),
        address=str(inv.flag("address") or ""),
    )
    if fmt != "short":
        return _dump([output.listener_json(x) for x in listeners], fmt)
    return output.listener_summary(listeners)


def _endpoint(inv: Invocation, cfg: envoy.EnvoyConfig, fmt: str) -> str:
    rows = output.endpoint_rows(
        cfg,
        cluster=str(inv.flag("cluster") or ""),
        status=str(inv.flag("status") or ""),
        port=int(inv.flag("port") or 0),
        address=str(inv.flag("address") or ""),
    )
    if fmt != "short":
        return _dump(output.endpoint_json(rows), fmt)
    return output.endpoint_summary(rows)


def _secret(inv: Invocation, cfg: envoy.EnvoyConfig, fmt: str) -> str:
    secrets = output.secrets(inv.cluster, cfg)
    if fmt != "short":
        return _dump(output.secret_json(secrets), fmt)
    return output.secret_summary(secrets)


def _bootstrap(inv: Invocation, cfg: envoy.EnvoyConfig, fmt: str) -> str:
    if fmt == "short":  # PrintBootstrapSummary
        return (
            f"Istio Version:       {ISTIO_VERSION}\n"
            "Istio Proxy Version: (not modelled in the lab)\n"
            "Envoy Version:       (not modelled in the lab)\n"
        )
    return _dump(output.bootstrap(cfg), fmt)


def _rootca_compare(inv: Invocation) -> int:
    """`pc rootca-compare POD1 POD2` (proxyconfig.go rootCACompareConfigCmd): the ROOTCA
    secret of both proxies compared."""
    if len(inv.args) != 2:
        raise UsageError("rootca-compare requires 2 pods as an argument")
    roots = []
    names = []
    for ref in inv.args:
        one = Invocation(
            inv.cluster, inv.path, [ref], inv.opts, inv.stdout, inv.stderr, inv.read_file, inv.stdin
        )
        proxy, view = resolve(one)
        with inv.cluster.lock:
            cfg = envoy.build(view, proxy)
        rows = [r for r in output.secrets(inv.cluster, cfg) if r.name == "ROOTCA"]
        roots.append(rows[0].pem if rows else "")
        names.append(f"{proxy.workload.name}.{proxy.workload.namespace}")
    if roots[0] and roots[0] == roots[1]:
        inv.out(
            f"Both [{names[0]}] and [{names[1]}] have the identical ROOTCA, theoretically the "
            "connectivity between them is available\n"
        )
        return 0
    raise UsageError(
        f"Both [{names[0]}] and [{names[1]}] have the non identical ROOTCA, theoretically the "
        "connectivity between them is unavailable"
    )


def _all(inv: Invocation, cfg: envoy.EnvoyConfig, fmt: str) -> str:
    if fmt != "short":
        return _dump(output.config_dump(inv.cluster, cfg), fmt)
    parts = [
        output.cluster_summary(output.filter_clusters(cfg)),
        output.listener_summary(output.filter_listeners(cfg)),
        output.route_summary(output.sorted_routes(cfg)),
        output.endpoint_summary(output.endpoint_rows(cfg)),
        output.secret_summary(output.secrets(inv.cluster, cfg)),
    ]
    return "\n".join(parts)


def _log(inv: Invocation) -> int:
    if not inv.args:
        raise UsageError("log requires pod name or --selector")
    if inv.flag("reset") and inv.flag("level"):
        raise UsageError("--level cannot be combined with --reset")
    if str(inv.flag("output") or "short") != "short":
        raise UsageError("--output is not applicable for this command")
    proxy, _view = resolve(inv)
    text = output.set_levels(
        inv.cluster, proxy, str(inv.flag("level") or ""), bool(inv.flag("reset"))
    )
    inv.out(text)
    return 0


def add_proxy_config_commands(root: Command) -> None:
    pc = root.add(
        Command(
            "proxy-config",
            SHORT,
            aliases=("pc",),
            usage="[command]",
        )
    )
    ref = "[<type>/]<name>[.<namespace>]"
    pc.add(
        Command(
            "cluster",
            "Retrieves cluster configuration for the Envoy in the specified pod",
            _run(_cluster),
            (
                Flag("fqdn", help="Filter clusters by substring of Service FQDN field"),
                Flag("port", kind="int", default=0, help="Filter clusters by Port field"),
                Flag("subset", help="Filter clusters by substring of Subset field"),
                Flag("direction", help="Filter clusters by Direction field"),
                OUTPUT,
            ),
            aliases=("clusters", "c"),
            max_args=1,
            usage=ref,
        )
    )
    pc.add(
        Command(
            "listener",
            "Retrieves listener configuration for the Envoy in the specified pod",
            _run(_listener),
            (
                Flag("port", kind="int", default=0, help="Filter listeners by Port field"),
                Flag("type", help="Filter listeners by Type field"),
                Flag("address", help="Filter listeners by address field"),
                OUTPUT,
            ),
            aliases=("listeners", "l"),
            max_args=1,
            usage=ref,
        )
    )
    pc.add(
        Command(
            "route",
            "Retrieves route configuration for the Envoy in the specified pod",
            _run(_route),
            (Flag("name", help="Filter listeners by route name field"), OUTPUT),
            aliases=("routes", "r"),
            max_args=1,
            usage=ref,
        )
    )
    pc.add(
        Command(
            "endpoint",
            "Retrieves endpoint configuration for the Envoy in the specified pod",
            _run(_endpoint),
            (
                Flag("cluster", help="Filter endpoints by cluster name field"),
                Flag("status", help="Filter endpoints by status field"),
                Flag("port", kind="int", default=0, help="Filter endpoints by Port field"),
                Flag("address", help="Filter endpoints by Address field"),
                OUTPUT,
            ),
            aliases=("endpoints", "ep"),
            max_args=1,
            usage=ref,
        )
    )
    pc.add(
        Command(
            "secret",
            "Retrieves secret configuration for the Envoy in the specified pod",
            _run(_secret),
            (OUTPUT,),
            aliases=("secrets", "s"),
            max_args=1,
            usage=ref,
        )
    )
    pc.add(
        Command(
            "bootstrap",
            "Retrieves bootstrap configuration for the Envoy in the specified pod",
            _run(_bootstrap),
            (Flag("output", "o", default="json", help="Output format: one of json|yaml|short"),),
            aliases=("b",),
            max_args=1,
            usage=ref,
        )
    )
    pc.add(
        Command(
            "all",
            "Retrieves all configuration for the Envoy in the specified pod",
            _run(_all),
            (OUTPUT,),
            aliases=("a",),
            max_args=1,
            usage=ref,
        )
    )
    pc.add(
        Command(
            "rootca-compare",
            "Compare ROOTCA values for the two given pods",
            _rootca_compare,
            aliases=("rc",),
            max_args=2,
            usage="[pod/]<name-1>[.<namespace-1>] [pod/]<name-2>[.<namespace-2>]",
        )
    )
    pc.add(
        Command(
            "log",
            "Retrieves logging levels of the Envoy in the specified pod",
            _log,
            (
                Flag("level", help="Comma-separated minimum per-logger level of messages"),
                Flag("reset", "r", kind="bool", default=False, help="Reset levels to default"),
                OUTPUT,
            ),
            aliases=("o",),
            max_args=1,
            usage=ref,
        )
    )
