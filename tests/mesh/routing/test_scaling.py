"""Routing cost does not grow with the configuration of other namespaces.

issue 3 "Done means": the per-request cost with 5,000 VirtualServices in 500 namespaces within
1.5x of the cost with 50. Timing is noisy under a loaded test run, so this pins the cause
instead: the number of Python calls one routing decision makes (cold, then memoized) is the
same for both sizes, i.e. every lookup is indexed and nothing scans.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from meshcert.mesh.destinations import upstream_cluster
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.routing import Routed, proxy_for, route_http
from meshcert.mesh.view import MeshView

CLIENT: list[dict[str, Any]] = [
    {
        "kind": "Pod",
        "metadata": {"name": "curl", "labels": {"app": "curl"}},
        "spec": {"containers": [{"name": "curl"}, {"name": "istio-proxy"}]},
    },
    {
        "kind": "Pod",
        "metadata": {"name": "httpbin", "labels": {"app": "httpbin"}},
        "spec": {"containers": [{"name": "httpbin"}, {"name": "istio-proxy"}]},
    },
    {
        "kind": "Service",
        "metadata": {"name": "httpbin"},
        "spec": {"selector": {"app": "httpbin"}, "ports": [{"name": "http", "port": 8000}]},
    },
    {
        "kind": "VirtualService",
        "metadata": {"name": "httpbin"},
        "spec": {
            "hosts": ["httpbin"],
            "http": [
                {
                    "match": [{"uri": {"prefix": "/status"}}],
                    "route": [{"destination": {"host": "httpbin"}}],
                }
            ],
        },
    },
]


def mesh(virtual_services: int, namespaces: int) -> MeshView:
    docs = list(CLIENT)
    for i in range(virtual_services):
        ns = f"ns{i % namespaces}"
        docs.append(
            {
                "kind": "VirtualService",
                "metadata": {"name": f"vs{i}", "namespace": ns},
                "spec": {
                    "hosts": [f"svc{i}", "*.example.com" if i % 7 == 0 else f"h{i}.example.com"],
                    "http": [{"route": [{"destination": {"host": f"svc{i}"}}]}],
                },
            }
        )
        docs.append(
            {
                "kind": "DestinationRule",
                "metadata": {"name": f"dr{i}", "namespace": ns},
                "spec": {"host": f"svc{i}"},
            }
        )
        docs.append(
            {
                "kind": "Service",
                "metadata": {"name": f"svc{i}", "namespace": ns},
                "spec": {"selector": {"app": f"svc{i}"}, "ports": [{"name": "http", "port": 80}]},
            }
        )
    return MeshView.from_manifests(docs)


def calls(action: Callable[[], object]) -> int:
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


def decision_costs(view: MeshView) -> tuple[int, int]:
    workload = view.workload("default", "curl")
    proxy = proxy_for(workload)
    request = HttpRequest("GET", "httpbin:8000", "/status/200")

    def decide() -> None:
        out = route_http(view, proxy, request, 8000)
        assert isinstance(out, Routed)
        assert upstream_cluster(view, proxy, out.destinations[0].destination) is not None

    return calls(decide), calls(decide)


@pytest.mark.parametrize("size", [(5000, 500)], ids=["5000-vs-in-500-namespaces"])
def test_routing_cost_is_independent_of_other_namespaces(size: tuple[int, int]) -> None:
    assert decision_costs(mesh(*size)) == decision_costs(mesh(50, 5))
