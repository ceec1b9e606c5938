"""Many labs in one process: isolated, reachable by path and by port, durable, small."""

from __future__ import annotations

import asyncio
import gc
import json
import socket
from pathlib import Path

import pytest
from served_labs import Loop

from meshcert.kube.apiserver.tls import self_signed_certificate
from meshcert.lab.errors import LabError, LabRunning, LabStateError, NoLab
from meshcert.lab.kubeconfig import KubeconfigEntry
from meshcert.lab.labs import LabHost
from meshcert.lab.state import LabFiles

from .conftest import Kubectl

CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata: {name: %s}
data: {owner: %s}
"""


def _create_configmap(kubectl: Kubectl, entry: KubeconfigEntry, name: str, owner: str) -> None:
    result = kubectl(
        entry, "create", "--validate=false", "-f", "-", input=CONFIGMAP % (name, owner)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"configmap/{name} created"


@pytest.mark.kubectl
@pytest.mark.parametrize("shared", [False, True], ids=["own-port", "path-prefix"])
def test_two_labs_in_one_process_are_isolated(
    loop_thread: Loop, host: LabHost, kubectl: Kubectl, shared: bool
) -> None:
    a = loop_thread.run(host.create("base", lab_id="lab-a"))
    b = loop_thread.run(host.create("base", lab_id="lab-b"))
    entry_a = host.kubeconfig_entry(a, shared=shared)
    entry_b = host.kubeconfig_entry(b, shared=shared)
    if shared:
        assert entry_a.server == f"https://127.0.0.1:{host.port}/labs/lab-a"
    else:
        assert entry_a.server == f"https://127.0.0.1:{a.port}"

    _create_configmap(kubectl, entry_a, "only-in-a", "a")
    seen_in_b = kubectl(entry_b, "get", "configmap", "only-in-a")
    assert seen_in_b.returncode == 1
    assert 'configmaps "only-in-a" not found' in seen_in_b.stderr
    seen_in_a = kubectl(entry_a, "get", "configmap", "only-in-a", "-o", "jsonpath={.data.owner}")
    assert (seen_in_a.returncode, seen_in_a.stdout) == (0, "a")

    namespaces = kubectl(entry_b, "get", "ns", "-o", "name")
    assert namespaces.stdout.split() == [
        "namespace/default",
        "namespace/kube-node-lease",
        "namespace/kube-public",
        "namespace/kube-system",
    ]

    wrong_token = entry_b.__class__(entry_b.name, entry_b.server, entry_b.ca_pem, a.token)
    refused = kubectl(wrong_token, "get", "ns")
    assert refused.returncode == 1
    assert "Unauthorized" in refused.stderr
    assert a.token != b.token


@pytest.mark.kubectl
def test_removed_lab_is_gone_everywhere(loop_thread: Loop, host: LabHost, kubectl: Kubectl) -> None:
    lab = loop_thread.run(host.create("base", lab_id="lab-gone"))
    other = loop_thread.run(host.create("base", lab_id="lab-stays"))
    shared = host.kubeconfig_entry(lab, shared=True)
    own_port = lab.port
    assert lab.files is not None
    state_dir = lab.files.dir
    assert state_dir.is_dir()

    loop_thread.run(host.remove("lab-gone"))

    assert host.get("lab-gone") is None
    assert host.get("lab-stays") is other
    assert not state_dir.exists()
    result = kubectl(shared, "get", "ns")
    assert result.returncode == 1
    assert "Error from server (NotFound)" in result.stderr
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", own_port or 0), 2),
    ):
        pass
    with pytest.raises(NoLab):
        loop_thread.run(host.remove("lab-gone"))


@pytest.mark.kubectl
def test_resume_in_a_new_process_keeps_objects_counter_and_token(
    loop_thread: Loop, kubectl: Kubectl, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    cert, key = self_signed_certificate()

    async def first() -> tuple[LabHost, str, int]:
        lab_host = LabHost(home=home, cert_pem=cert, key_pem=key)
        lab = await lab_host.create("base", lab_id="durable")
        assert lab.port is not None
        return lab_host, lab.token, lab.port

    first_host, token, port = loop_thread.run(first())
    first_lab = first_host.get("durable")
    assert first_lab is not None
    entry = first_host.kubeconfig_entry(first_lab)
    for i in range(3):
        _create_configmap(kubectl, entry, f"cm-{i}", "first")
    before = json.loads(kubectl(entry, "get", "cm", "-o", "json").stdout)
    loop_thread.run(first_host.stop())  # state stays on disk

    async def second() -> LabHost:
        lab_host = LabHost(home=home, cert_pem=cert, key_pem=key)
        await lab_host.resume("durable")
        return lab_host

    second_host = loop_thread.run(second())
    lab = second_host.get("durable")
    assert lab is not None
    assert (lab.token, lab.port) == (token, port)
    after = json.loads(kubectl(entry, "get", "cm", "-o", "json").stdout)
    assert after["items"] == before["items"]
    _create_configmap(kubectl, entry, "cm-next", "second")
    created = json.loads(kubectl(entry, "get", "cm", "cm-next", "-o", "json").stdout)
    newest = max(int(i["metadata"]["resourceVersion"]) for i in before["items"])
    assert int(created["metadata"]["resourceVersion"]) > newest
    loop_thread.run(second_host.stop())


def test_resume_falls_back_to_a_free_port_when_its_own_is_taken(
    loop_thread: Loop, tmp_path: Path
) -> None:
    home = tmp_path / "home"

    async def scenario() -> tuple[int, int | None]:
        first = LabHost(home=home)
        lab = await first.create("base", lab_id="moved")
        old_port = lab.port
        assert old_port is not None
        await first.stop()
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", old_port))
            squatter.listen()
            second = LabHost(home=home)
            resumed = await second.resume("moved")
            new_port = resumed.port
            await second.stop()
        return old_port, new_port

    old_port, new_port = loop_thread.run(scenario())
    assert new_port is not None
    assert new_port != old_port
    assert LabFiles.of("moved", home).read_int(LabFiles.of("moved", home).port) == new_port


def test_lab_ids_are_checked_and_unique(loop_thread: Loop, host: LabHost) -> None:
    loop_thread.run(host.create("base", lab_id="twice", port=None))
    with pytest.raises(LabRunning, match="already exists"):
        loop_thread.run(host.create("base", lab_id="twice", port=None))
    with pytest.raises(LabStateError, match="invalid lab id"):
        loop_thread.run(host.create("base", lab_id="Not/OK", port=None))
    generated = loop_thread.run(host.create("base", port=None))
    assert generated.id.startswith("lab-")
    assert generated.port is None
    assert host.url(generated) == f"https://127.0.0.1:{host.port}/labs/{generated.id}"


def test_a_lab_served_by_another_host_cannot_be_taken(
    loop_thread: Loop, host: LabHost, tmp_path: Path
) -> None:
    loop_thread.run(host.create("base", lab_id="taken", port=None))

    async def intruder() -> None:
        other = LabHost(home=tmp_path / "home", cert_pem=host.cert_pem, key_pem=host.key_pem)
        try:
            await other.resume("taken")
        finally:
            await other.stop()

    with pytest.raises(LabRunning, match="already served by another process"):
        loop_thread.run(intruder())


def test_a_busy_port_is_a_clear_error_and_leaves_no_state(
    loop_thread: Loop, host: LabHost, tmp_path: Path
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(LabError, match=f"cannot listen on 127.0.0.1:{port}"):
            loop_thread.run(host.create("base", lab_id="busy", port=port))
    files = LabFiles.of("busy", tmp_path / "home")
    assert not files.exists()
    assert list(files.dir.iterdir()) == []
    assert host.get("busy") is None


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_an_idle_lab_is_small(loop_thread: Loop, host: LabHost) -> None:
    loop_thread.run(host.create("base", port=None))  # first one pays for imports and caches
    gc.collect()
    before = _rss_bytes()
    count = 20
    for _ in range(count):
        loop_thread.run(host.create("base", port=None))
    gc.collect()
    per_lab = (_rss_bytes() - before) / count
    assert len(host) == count + 1
    assert per_lab < 20 * 1024 * 1024, f"{per_lab / 1e6:.1f} MB per lab"


@pytest.mark.kubectl
def test_a_change_that_cannot_be_saved_is_not_acknowledged(
    loop_thread: Loop, host: LabHost, kubectl: Kubectl
) -> None:
    lab = loop_thread.run(host.create("base", lab_id="readonly"))
    assert lab.journal is not None
    lab.journal.close()
    result = kubectl(host.kubeconfig_entry(lab), "create", "namespace", "unsaved")
    assert result.returncode == 1
    assert "Error from server (InternalError)" in result.stderr
    assert "the lab could not save the change" in result.stderr
    # ...and undone: what the client was not told about is not there (nor the pods, service
    # accounts and events controllers made in reaction to it).
    after = kubectl(host.kubeconfig_entry(lab), "get", "namespace", "unsaved")
    assert after.returncode == 1
    assert 'namespaces "unsaved" not found' in after.stderr
    assert lab.cluster.find(lab.cluster.kind("", "serviceaccounts"), "unsaved", "default") is None


def test_idle_labs_are_checkpointed_periodically(
    loop_thread: Loop, host: LabHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    import meshcert.lab.labs as labs_module

    monkeypatch.setattr(labs_module, "CHECKPOINT_SECONDS", 0.05)

    async def scenario() -> LabHost:
        lab_host = LabHost(home=host.home, cert_pem=host.cert_pem, key_pem=host.key_pem)
        lab = await lab_host.create("base", lab_id="periodic", port=None)
        lab.cluster.create(
            lab.cluster.kind("", "configmaps"), {"metadata": {"name": "x"}}, "default"
        )
        assert lab.files is not None
        assert lab.files.journal.stat().st_size > 0
        for _ in range(100):
            await asyncio.sleep(0.02)
            if lab.files.journal.stat().st_size == 0:
                break
        return lab_host

    lab_host = loop_thread.run(scenario())
    files = LabFiles.of("periodic", host.home)
    assert files.journal.stat().st_size == 0
    snapshot = json.loads(files.snapshot.read_text())
    names = [o["object"]["metadata"]["name"] for o in snapshot["objects"]]
    assert "x" in names
    loop_thread.run(lab_host.stop())
