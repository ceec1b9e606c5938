"""A lab server killed with SIGKILL mid-traffic comes back with every acknowledged write."""

from __future__ import annotations

import json
import os
import signal
import ssl
import threading
import time
from typing import Any

import httpx
import pytest

from .conftest import Shell

pytestmark = pytest.mark.kubectl

MAX_WRITES = 3000


class Writer(threading.Thread):
    """Creates ConfigMaps and bumps a counter until the server dies; records what was acked."""

    def __init__(self, url: str, token: str, ca_pem: bytes) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.token = token
        self.ca_pem = ca_pem
        self.created: dict[str, str] = {}  # name -> resourceVersion of the 201 answer
        self.counter = -1  # the last counter value a PUT acknowledged
        self.failure: BaseException | None = None

    def run(self) -> None:
        context = ssl.create_default_context(cadata=self.ca_pem.decode())
        headers = {"Authorization": f"Bearer {self.token}"}
        base = f"{self.url}/api/v1/namespaces/default/configmaps"
        try:
            with httpx.Client(verify=context, headers=headers, timeout=10) as client:
                counter = client.post(base, json=_configmap("counter", "0"))
                assert counter.status_code == 201, counter.text
                current: dict[str, Any] = counter.json()
                self.counter = 0
                for i in range(MAX_WRITES):
                    if i % 2:
                        name = f"cm-{i}"
                        answer = client.post(base, json=_configmap(name, str(i)))
                        assert answer.status_code == 201, answer.text
                        self.created[name] = answer.json()["metadata"]["resourceVersion"]
                    else:
                        current["data"]["value"] = str(self.counter + 1)
                        answer = client.put(f"{base}/counter", json=current)
                        assert answer.status_code == 200, answer.text
                        current = answer.json()
                        self.counter += 1
        except httpx.TransportError:
            return  # the server was killed
        except BaseException as exc:
            self.failure = exc


def _configmap(name: str, value: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"value": value},
    }


def test_sigkill_loses_no_acknowledged_write(shell: Shell) -> None:
    assert shell.meshcert("lab", "up", "--detach").returncode == 0
    files = shell.lab_files()
    pid, port = files.read_int(files.pid), files.read_int(files.port)
    assert pid is not None
    kubeconfig_before = shell.default_kubeconfig.read_text()
    writer = Writer(f"https://127.0.0.1:{port}", files.read(files.token), files.cert.read_bytes())
    writer.start()
    deadline = time.monotonic() + 60
    while len(writer.created) < 60 and writer.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)  # mid-traffic: some request is probably in flight
    writer.join(30)
    assert writer.failure is None, writer.failure
    assert len(writer.created) >= 60
    deadline = time.monotonic() + 10
    while files.running() and time.monotonic() < deadline:
        time.sleep(0.02)

    resumed = shell.meshcert("lab", "up", "--resume", "--detach")
    assert resumed.returncode == 0, resumed.stderr
    assert files.read_int(files.port) == port  # the same port, token and certificate
    assert shell.default_kubeconfig.read_text() == kubeconfig_before

    listed = shell.kubectl("get", "configmaps", "-n", "default", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    items = {i["metadata"]["name"]: i for i in json.loads(listed.stdout)["items"]}
    lost = {
        name: version
        for name, version in writer.created.items()
        if items.get(name, {}).get("metadata", {}).get("resourceVersion") != version
    }
    assert lost == {}
    # The counter holds the last acknowledged value, or the next if that PUT was in flight.
    assert int(items["counter"]["data"]["value"]) - writer.counter in (0, 1)

    created = shell.kubectl("create", "configmap", "after-resume", "-o", "json")
    assert created.returncode == 0, created.stderr
    newest = max(int(i["metadata"]["resourceVersion"]) for i in items.values())
    assert int(json.loads(created.stdout)["metadata"]["resourceVersion"]) > newest


def test_resume_after_sigkill_of_an_idle_lab_keeps_the_scenario_objects(shell: Shell) -> None:
    assert shell.meshcert("lab", "up", "--detach").returncode == 0
    files = shell.lab_files()
    before = shell.kubectl("get", "ns,nodes", "-o", "json")
    pid = files.read_int(files.pid)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while files.running() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert shell.meshcert("lab", "up", "--resume", "--detach").returncode == 0
    after = shell.kubectl("get", "ns,nodes", "-o", "json")
    assert json.loads(after.stdout)["items"] == json.loads(before.stdout)["items"]


def test_a_crashed_lab_can_be_inspected_and_discarded(shell: Shell) -> None:
    assert shell.meshcert("lab", "up", "--detach").returncode == 0
    files = shell.lab_files()
    pid = files.read_int(files.pid)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while files.running() and time.monotonic() < deadline:
        time.sleep(0.02)

    env = shell.meshcert("lab", "env")
    assert env.returncode == 0
    assert env.stdout.splitlines()[0] == f"export KUBECONFIG={shell.default_kubeconfig}"
    assert "the lab is stopped" in env.stderr
    assert "meshcert lab up --resume" in env.stderr

    down = shell.meshcert("lab", "down")
    assert down.returncode == 0, down.stderr
    assert not files.dir.exists()
    assert not shell.default_kubeconfig.exists()
    up = shell.meshcert("lab", "up", "--detach")
    assert up.returncode == 0, up.stderr
