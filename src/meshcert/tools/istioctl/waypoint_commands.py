"""`istioctl waypoint apply|list|delete` (istio/istio istioctl/pkg/waypoint; istio.io
docs/ambient/usage/waypoint). A waypoint is a Gateway API Gateway of class `istio-waypoint`
listening on 15008 (HBONE); istiod deploys it (see meshcert.mesh.controlplane.gateways)."""

from __future__ import annotations

from typing import Any

from meshcert.kube import errors

from .commands import Command, Flag, Invocation, UsageError
from .tables import render_table

_GATEWAYS = ("gateway.networking.k8s.io", "gateways")
WAYPOINT_CLASS = "istio-waypoint"


def waypoint_manifest(
    name: str, namespace: str, traffic: str, revision: str | None
) -> dict[str, Any]:
    labels = {"istio.io/waypoint-for": traffic}
    if revision:
        labels["istio.io/rev"] = revision
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "gatewayClassName": WAYPOINT_CLASS,
            "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}],
        },
    }


def _namespace(inv: Invocation) -> str:
    return str(inv.flag("namespace") or "default")


def run_apply(inv: Invocation) -> int:
    cluster = inv.cluster
    ns = _namespace(inv)
    name = str(inv.flag("name") or "waypoint")
    traffic = str(inv.flag("for") or "service")
    if traffic not in ("service", "workload", "all", "none"):
        raise UsageError(
            f"invalid traffic type: {traffic}. Valid options are: service, workload, all, none"
        )
    kind = cluster.kind(*_GATEWAYS)
    if not cluster.registry.is_served(kind):
        # istioctl/pkg/waypoint/waypoint.go: the server-side apply answers NotFound
        raise UsageError(
            "missing Kubernetes Gateway CRDs need to be installed before applying a waypoint: "
            f"the server could not find the requested resource (patch {kind.label} {name})"
        )
    ns_kind = cluster.kind("", "namespaces")
    with cluster.lock, cluster.transaction():
        ns_obj = cluster.find(ns_kind, "", ns)
        if ns_obj is None:
            raise UsageError(f'namespaces "{ns}" not found')
        manifest = waypoint_manifest(name, ns, traffic, inv.flag("revision"))
        current = cluster.find(kind, ns, name)
        if current is None:
            cluster.create(kind, manifest, ns, field_manager="istioctl")
        else:
            merged = {**current, "spec": manifest["spec"]}
            merged["metadata"] = {
                **current["metadata"],
                "labels": {
                    **(current["metadata"].get("labels") or {}),
                    **manifest["metadata"]["labels"],
                },
            }
            cluster.update(kind, merged, ns)
        inv.out(f"✅ waypoint {ns}/{name} applied\n")
        if inv.flag("enroll-namespace"):
            labelled = dict(ns_obj)
            labelled["metadata"] = {
                **ns_obj["metadata"],
                "labels": {
                    **(ns_obj["metadata"].get("labels") or {}),
                    "istio.io/use-waypoint": name,
                },
            }
            cluster.update(ns_kind, labelled)
            inv.out(
                f'✅ waypoint {ns}/{name} namespace labeled with "istio.io/use-waypoint: {name}"\n'
            )
    return 0


def _waypoints(inv: Invocation, namespace: str | None) -> list[dict[str, Any]]:
    kind = inv.cluster.kind(*_GATEWAYS)
    return [
        g
        for g in inv.cluster.list(kind, namespace)
        if (g.get("spec") or {}).get("gatewayClassName") == WAYPOINT_CLASS
    ]


def _programmed(gateway: dict[str, Any]) -> str:
    for cond in (gateway.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Programmed":
            return str(cond.get("status"))
    return "False"


def run_list(inv: Invocation) -> int:
    all_ns = bool(inv.flag("all-namespaces"))
    ns = None if all_ns else _namespace(inv)
    found = _waypoints(inv, ns)
    if not found:
        where = "cluster" if all_ns else f"namespace {ns}"
        inv.out(f"No waypoints found in {where}.\n" if not all_ns else "No waypoints found.\n")
        return 0
    header = (["NAMESPACE"] if all_ns else []) + ["NAME", "REVISION", "PROGRAMMED"]
    rows = [header]
    for gw in found:
        meta = gw["metadata"]
        row = [meta["namespace"]] if all_ns else []
        row += [
            meta["name"],
            str((meta.get("labels") or {}).get("istio.io/rev", "default")),
            _programmed(gw),
        ]
        rows.append(row)
    inv.out(render_table(rows, padding=4))
    return 0


def run_delete(inv: Invocation) -> int:
    cluster = inv.cluster
    ns = _namespace(inv)
    kind = cluster.kind(*_GATEWAYS)
    names = list(inv.args)
    if inv.flag("all"):
        names = [g["metadata"]["name"] for g in _waypoints(inv, ns)]
    elif not names:
        names = ["waypoint"]
    for name in names:
        try:
            cluster.delete(kind, ns, name)
        except errors.NotFound:
            raise UsageError(f'gateways.gateway.networking.k8s.io "{name}" not found') from None
        inv.out(f"waypoint {ns}/{name} deleted\n")
    return 0


def add_waypoint_commands(root: Command) -> None:
    waypoint = root.add(Command("waypoint", "Manage waypoint configuration", aliases=("wp",)))
    waypoint.add(
        Command(
            "apply",
            "Apply a waypoint configuration",
            run_apply,
            (
                Flag("name", default="waypoint", help="name of the waypoint"),
                Flag(
                    "for",
                    default="service",
                    help="Specify the traffic type [all none service workload] for the waypoint",
                ),
                Flag(
                    "enroll-namespace",
                    kind="bool",
                    default=False,
                    help="If set, the namespace will be labeled with the waypoint name",
                ),
                Flag("revision", "r", help="The revision to label the waypoint with"),
                Flag("wait", kind="bool", default=False, help="Wait for the waypoint to be ready"),
                Flag(
                    "overwrite",
                    kind="bool",
                    default=False,
                    help="Overwrite the existing Waypoint used by the namespace",
                ),
            ),
            max_args=0,
        )
    )
    waypoint.add(
        Command(
            "list",
            "List managed waypoint configurations",
            run_list,
            (
                Flag(
                    "all-namespaces",
                    "A",
                    kind="bool",
                    default=False,
                    help="List all waypoints in all namespaces",
                ),
            ),
            max_args=0,
        )
    )
    waypoint.add(
        Command(
            "delete",
            "Delete a waypoint configuration",
            run_delete,
            (
                Flag(
                    "all", kind="bool", default=False, help="Delete all waypoints in the namespace"
                ),
            ),
            usage="[name] [flags]",
        )
    )
