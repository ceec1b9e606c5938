"""`istioctl version`: the client's version and, with --remote (the default), the control and
data planes' (istio.io docs/setup/getting-started and docs/setup/upgrade/canary show it)."""

from __future__ import annotations

from meshcert.mesh.controlplane import ISTIO_NAMESPACE, has_sidecar
from meshcert.mesh.install import ISTIO_VERSION

from .commands import Command, Flag, Invocation


def _tag(image: str) -> str:
    return image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else "unknown"


def run_version(inv: Invocation) -> int:
    remote = str(inv.flag("remote")).lower() not in ("false", "0")
    if inv.flag("short") or not remote:
        inv.out(f"{ISTIO_VERSION}\n")
        return 0
    cluster = inv.cluster
    namespace = inv.flag("istioNamespace") or ISTIO_NAMESPACE
    with cluster.lock:
        pods = cluster.list(cluster.kind("", "pods"))
    control = sorted(
        {
            _tag(c.get("image", ""))
            for p in pods
            if p["metadata"].get("namespace") == namespace
            and (p["metadata"].get("labels") or {}).get("app") == "istiod"
            and (p.get("status") or {}).get("phase") == "Running"
            for c in (p.get("spec") or {}).get("containers") or []
            if c.get("name") == "discovery"
        }
    )
    if not control:
        inv.out(
            "Istio is not present in the cluster: no running Istio pods in namespace "
            f'"{namespace}"\n'
        )
        inv.out(f"client version: {ISTIO_VERSION}\n")
        return 0
    proxies: dict[str, int] = {}
    for pod in pods:
        if (pod.get("status") or {}).get("phase") != "Running" or not has_sidecar(pod):
            continue
        for container in (pod.get("spec") or {}).get("containers") or []:
            if container.get("name") == "istio-proxy":
                tag = _tag(container.get("image", ""))
                proxies[tag] = proxies.get(tag, 0) + 1
    inv.out(f"client version: {ISTIO_VERSION}\n")
    inv.out(f"control plane version: {', '.join(control)}\n")
    if proxies:
        planes = ", ".join(
            f"{tag} ({count} {'proxy' if count == 1 else 'proxies'})"
            for tag, count in sorted(proxies.items())
        )
        inv.out(f"data plane version: {planes}\n")
    return 0


def add_version_command(root: Command) -> None:
    root.add(
        Command(
            "version",
            "Prints out build version information",
            run_version,
            (
                Flag(
                    "remote",
                    default="true",
                    help="Use --remote=false to suppress control plane check",
                ),
                Flag(
                    "short",
                    "s",
                    kind="bool",
                    default=False,
                    help="Use --short=false to generate full version information",
                ),
                Flag("output", "o", help="One of 'yaml' or 'json'."),
                Flag("revision", "r", help="Control plane revision"),
            ),
            max_args=0,
        )
    )
