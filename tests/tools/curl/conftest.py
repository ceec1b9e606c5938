"""A served, equipped cluster (httpbin and curl with sidecars, time scale 0) for kubectl."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import traffic_lab as t
from running_api import TOKEN, RunningApi, _Router, write_kubeconfig

from meshcert.kube.apiserver.app import Tenant, build_app
from meshcert.kube.apiserver.serving import ApiServer
from meshcert.kube.apiserver.tls import self_signed_certificate


@pytest.fixture
def mesh_api(tmp_path: Path) -> Iterator[RunningApi]:
    cluster = t.lab()
    t.httpbin(cluster)
    t.curl_client(cluster)
    cert, key = self_signed_certificate()
    loop = asyncio.new_event_loop()
    server = ApiServer(build_app(_Router(Tenant(cluster, TOKEN))), cert, key)
    ready = threading.Event()
    ports: list[int] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        ports.append(loop.run_until_complete(server.start_port(0)))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    kubeconfig = tmp_path / "kubeconfig"
    write_kubeconfig(kubeconfig, f"https://127.0.0.1:{ports[0]}", cert, TOKEN)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "KUBECONFIG": str(kubeconfig)}  # fmt: skip
    try:
        yield RunningApi(cluster, ports[0], cert, kubeconfig, env=env)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
