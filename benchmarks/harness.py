"""Shared pieces of the benchmarks: an in-process API server over a fresh cluster."""

from __future__ import annotations

import asyncio
import platform
import statistics
import threading
from dataclasses import dataclass
from typing import Any

from meshcert.kube.apiserver.app import Tenant, build_app
from meshcert.kube.apiserver.serving import ApiServer
from meshcert.kube.apiserver.tls import self_signed_certificate
from meshcert.kube.cluster import Cluster, new_cluster

TOKEN = "bench-token"


class _OneTenant:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    def by_prefix(self, lab_id: str) -> Tenant | None:
        return self.tenant

    def by_port(self, port: int) -> Tenant | None:
        return self.tenant


@dataclass
class Served:
    cluster: Cluster
    port: int
    cert: bytes
    loop: asyncio.AbstractEventLoop
    server: ApiServer

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def serve(cluster: Cluster | None = None, app_wrapper: Any = None) -> Served:
    cluster = cluster or new_cluster()
    if cluster.find(cluster.kind("", "namespaces"), "", "default") is None:
        cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "default"}})
    cert, key = self_signed_certificate()
    app: Any = build_app(_OneTenant(Tenant(cluster, TOKEN)))
    if app_wrapper is not None:
        app = app_wrapper(app)
    server = ApiServer(app, cert, key)
    loop = asyncio.new_event_loop()
    port = loop.run_until_complete(server.start_port(0))
    threading.Thread(target=loop.run_forever, daemon=True).start()
    return Served(cluster, port, cert, loop, server)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def machine() -> str:
    import os

    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
