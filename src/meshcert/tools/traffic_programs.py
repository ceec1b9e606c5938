"""Register the traffic programs on a cluster, each in the images that ship it: curl in curl
images (curlimages/curl, Istio's samples/curl), the bookinfo images (the docs curl productpage
from the ratings pod), httpbin and Istio's proxy image; fortio in fortio images; nc, nslookup
and wget in busybox-based images (curlimages/curl is Alpine: busybox); pilot-agent in the
proxy image. Also starts tracking the control plane's pushes for the request simulation.

Registration imports nothing heavy: each program's module (and the simulation behind it) is
imported the first time the program runs, so a lab starts without paying for them."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from meshcert.kube.cluster import Cluster
from meshcert.kube.execution import ExecContext
from meshcert.mesh.controlplane import add_push_listener, revision_health

CURL_IMAGES = (
    "*curl*",
    "*sleep*",
    "*examples-bookinfo-*",
    "*httpbin*",
    "*istio/proxyv2*",
    "*netshoot*",
    "*ubuntu*",
    "*debian*",
    "*nginx*",
    "*alpine*",
)


BUSYBOX_IMAGES = ("*curl*", "*sleep*", "*busybox*", "*alpine*", "*netshoot*", "*tcp-echo*")
FORTIO_IMAGES = ("*fortio*",)
PROXY_IMAGES = ("*proxyv2*",)

# program name -> (module relative to meshcert.tools, function, images)
PROGRAMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "curl": (".curl.program", "curl", CURL_IMAGES),
    "fortio": (".fortio", "fortio", FORTIO_IMAGES),
    "nc": (".netcat", "nc", BUSYBOX_IMAGES),
    "nslookup": (".nslookup", "nslookup", BUSYBOX_IMAGES),
    "pilot-agent": (".pilot_agent", "pilot_agent", PROXY_IMAGES),
    "wget": (".wget", "wget", BUSYBOX_IMAGES),
}

_SIMULATION_STATE = "mesh.simulation.state"  # simulation.state.STATE_KEY, without the import


def _deferred(module: str, function: str) -> Callable[[ExecContext], int]:
    def run(ctx: ExecContext) -> int:
        program: Callable[[ExecContext], int] = getattr(
            importlib.import_module(module, __package__), function
        )
        return program(ctx)

    run.__name__ = function
    return run


def _on_push(cluster: Cluster, revision: str, version: int) -> None:
    """Hand pushes to the simulation, but only import it when there is something to do: a
    revision froze, or the simulation already holds state a push changes."""
    health = revision_health(cluster, revision)
    frozen = health is not None and not health.healthy
    if not frozen and _SIMULATION_STATE not in cluster.extensions:
        return
    from meshcert.mesh.simulation.state import on_push

    on_push(cluster, revision, version)


def register(cluster: Cluster) -> None:
    add_push_listener(cluster, _on_push)
    for name, (module, function, images) in PROGRAMS.items():
        cluster.programs.register(name, _deferred(module, function), images=images)


__all__ = [
    "BUSYBOX_IMAGES",
    "CURL_IMAGES",
    "FORTIO_IMAGES",
    "PROGRAMS",
    "PROXY_IMAGES",
    "register",
]
