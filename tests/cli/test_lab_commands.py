"""`meshcert lab up|down|env` with a real lab server process and the real kubectl."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from .conftest import BIN, Shell

BASE_NAMESPACES = [
    "namespace/default",
    "namespace/kube-node-lease",
    "namespace/kube-public",
    "namespace/kube-system",
]

pytestmark = pytest.mark.kubectl


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_up_detach_then_kubectl_env_and_down(shell: Shell) -> None:
    up = shell.meshcert("lab", "up", "--detach")
    assert up.returncode == 0, up.stderr
    assert f"export KUBECONFIG={shell.default_kubeconfig}" in up.stdout
    assert "kubectl get ns" in up.stdout
    assert "meshcert lab down" in up.stdout

    namespaces = shell.kubectl("get", "ns", "-o", "name")
    assert namespaces.returncode == 0, namespaces.stderr
    assert namespaces.stdout.split() == BASE_NAMESPACES
    nodes = shell.kubectl("get", "nodes", "-o", "name")
    assert nodes.stdout.split() == ["node/meshcert-control-plane"]

    config = yaml.safe_load(shell.default_kubeconfig.read_text())
    assert config["current-context"] == "meshcert"
    files = shell.lab_files()
    server = config["clusters"][0]["cluster"]["server"]
    assert server == f"https://127.0.0.1:{files.read_int(files.port)}"
    assert config["users"][0]["user"]["token"] == files.read(files.token)

    env = shell.meshcert("lab", "env")
    assert (env.returncode, env.stdout) == (
        0,
        f'export KUBECONFIG={shell.default_kubeconfig}\nexport PATH={shell.home / "bin"}:"$PATH"\n',
    )

    pid = files.read_int(files.pid)
    assert pid is not None
    assert _alive(pid)
    down = shell.meshcert("lab", "down")
    assert down.returncode == 0, down.stderr
    assert "Lab stopped and removed" in down.stdout
    assert not shell.default_kubeconfig.exists()
    assert not files.dir.exists()
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(pid)


def test_up_merges_into_an_existing_kubeconfig_and_down_leaves_the_rest(
    shell: Shell, tmp_path: Path
) -> None:
    path = tmp_path / "my config"
    other = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "prod", "cluster": {"server": "https://prod.example:6443"}}],
        "users": [{"name": "admin", "user": {"token": "keep-me"}}],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "admin"}}],
        "current-context": "prod",
    }
    path.write_text(yaml.safe_dump(other))

    up = shell.meshcert("lab", "up", "--detach", "--kubeconfig", str(path))
    assert up.returncode == 0, up.stderr
    assert f"export KUBECONFIG='{path}'" in up.stdout
    assert f"meshcert lab down --kubeconfig '{path}'" in up.stdout
    merged = yaml.safe_load(path.read_text())
    assert [c["name"] for c in merged["contexts"]] == ["prod", "meshcert"]
    assert merged["current-context"] == "meshcert"
    assert shell.kubectl("get", "ns", "-o", "name", kubeconfig=path).stdout.split() == (
        BASE_NAMESPACES
    )
    env = shell.meshcert("lab", "env", "--kubeconfig", str(path))
    assert env.stdout.splitlines()[0] == f"export KUBECONFIG='{path}'"

    down = shell.meshcert("lab", "down", "--kubeconfig", str(path))
    assert down.returncode == 0, down.stderr
    left = yaml.safe_load(path.read_text())
    assert [c["name"] for c in left["contexts"]] == ["prod"]
    assert left["users"] == other["users"]


def test_two_kubeconfigs_are_two_labs(shell: Shell, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for path in (one, two):
        assert shell.meshcert("lab", "up", "--detach", "--kubeconfig", str(path)).returncode == 0
    created = shell.kubectl("create", "namespace", "only-one", kubeconfig=one)
    assert created.returncode == 0, created.stderr
    missing = shell.kubectl("get", "namespace", "only-one", kubeconfig=two)
    assert 'namespaces "only-one" not found' in missing.stderr
    assert shell.meshcert("lab", "down", "--kubeconfig", str(one)).returncode == 0
    assert shell.kubectl("get", "ns", kubeconfig=two).returncode == 0


def _bad_scenario(tmp_path: Path) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: v1\nkind: Gadget\nmetadata: {name: x}\n")
    return str(path)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["lab", "up", "--scenario", "nope"], 2, "unknown scenario 'nope'"),
        (["lab", "up", "--detach", "--scenario", "nope"], 2, "unknown scenario 'nope'"),
        (["lab", "up", "--detach", "--scenario", "BAD"], 2, 'no matches for kind "Gadget"'),
        (["lab", "up", "--scenario", "missing.yaml"], 2, "'missing.yaml' does not exist"),
        (["lab", "up", "--resume", "--scenario", "base"], 2, "a resumed lab keeps its scenario"),
        (["lab", "up", "--resume", "--detach"], 1, "there is no lab to resume"),
        (["lab", "up", "--port", "70000"], 2, "Invalid value for '--port'"),
        (["lab", "down"], 1, "there is no lab for"),
        (["lab", "env"], 1, "there is no lab for"),
        (["lab", "nonsense"], 2, "No such command 'nonsense'"),
        (["lab", "up", "--detach", "--kubeconfig", "BADKC"], 1, "is not valid YAML"),
    ],
    ids=[
        "unknown-scenario",
        "unknown-scenario-detached",
        "scenario-rejected-by-the-cluster",
        "missing-scenario-file",
        "resume-with-scenario",
        "resume-nothing",
        "port-out-of-range",
        "down-without-lab",
        "env-without-lab",
        "unknown-command",
        "broken-kubeconfig",
    ],
)
def test_errors_are_exit_codes_and_messages(
    shell: Shell, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    broken = tmp_path / "broken-kubeconfig"
    broken.write_text("clusters: [")
    replace = {"BAD": _bad_scenario(tmp_path), "BADKC": str(broken)}
    result = shell.meshcert(*[replace.get(a, a) for a in args])
    assert result.returncode == code, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr + result.stdout
    labs = shell.home / "labs"
    assert list(labs.glob("*/token")) == []
    assert not any(shell.lab_files(d.name).running() for d in labs.glob("*"))


def test_a_second_up_is_refused_while_a_lab_runs(shell: Shell) -> None:
    assert shell.meshcert("lab", "up", "--detach").returncode == 0
    again = shell.meshcert("lab", "up", "--detach")
    assert again.returncode == 1
    assert "a lab is already running for" in again.stderr
    assert "meshcert lab down" in again.stderr
    assert shell.kubectl("get", "ns").returncode == 0


def test_rejected_command_line_starts_no_server(shell: Shell) -> None:
    result = shell.meshcert("lab", "up", "--detach", "--kubeconfig=")
    assert result.returncode == 2
    assert "Invalid value for '--kubeconfig'" in result.stderr
    files = shell.lab_files()
    assert not files.running()
    assert not files.exists()


def test_foreground_serves_until_ctrl_c_and_keeps_state(shell: Shell) -> None:
    server = subprocess.Popen(
        [str(BIN / "meshcert"), "lab", "up"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=shell.env,
    )
    try:
        assert server.stdout is not None
        lines = []
        for line in server.stdout:
            lines.append(line)
            if "press Ctrl-C to stop" in line:
                break
        assert any("Lab is up at https://127.0.0.1:" in line for line in lines), lines
        created = shell.kubectl("create", "namespace", "kept")
        assert created.returncode == 0, created.stderr
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, err
    assert "Lab stopped; its state is kept" in out
    assert "meshcert lab up --resume" in out

    refused = shell.meshcert("lab", "up", "--detach")
    assert refused.returncode == 1
    assert "resume it with `meshcert lab up --resume`" in refused.stderr
    resumed = shell.meshcert("lab", "up", "--resume", "--detach")
    assert resumed.returncode == 0, resumed.stderr
    assert "Lab resumed" in resumed.stdout
    assert shell.kubectl("get", "namespace", "kept", "-o", "name").stdout == "namespace/kept\n"


def test_gateway_api_prints_crds_kubectl_applies(shell: Shell) -> None:
    """`meshcert lab gateway-api | kubectl apply -f -` stands in for the istio.io pages'
    `kubectl kustomize github.com/kubernetes-sigs/gateway-api/config/crd?ref=v1.3.0`."""
    up = shell.meshcert("lab", "up", "--detach")
    assert up.returncode == 0, up.stderr
    try:
        crds = shell.meshcert("lab", "gateway-api")
        assert crds.returncode == 0, crds.stderr
        docs = list(yaml.safe_load_all(crds.stdout))
        assert [d["metadata"]["name"] for d in docs] == [
            "gatewayclasses.gateway.networking.k8s.io",
            "gateways.gateway.networking.k8s.io",
            "httproutes.gateway.networking.k8s.io",
            "referencegrants.gateway.networking.k8s.io",
        ]
        assert shell.kubectl("get", "httproutes").returncode == 1
        applied = shell.kubectl("apply", "-f", "-", input=crds.stdout)
        assert applied.returncode == 0, applied.stderr
        assert shell.kubectl("get", "httproutes", "-A").returncode == 0
    finally:
        shell.meshcert("lab", "down")
