"""`meshcert istioctl analyze` on a cluster that is not a lab reads it through its Kubernetes
API and analyzes on the candidate's machine (issue 5: "Works on a lab, on files, and on any
real cluster the kubeconfig points to (read-only)"). A served lab stands in for the real
cluster, with MESHCERT_ANALYZE_LOCALLY=1 forcing the API path; both paths must agree."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import running_api
from running_api import RunningApi

from meshcert.lab.labs import new_cluster as lab_cluster

pytestmark = pytest.mark.kubectl

VS = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews2}}]
"""


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningApi]:
    monkeypatch.setattr(running_api, "new_cluster", lambda: lab_cluster())
    with running_api.running_api(tmp_path) as running:
        yield running


def _istioctl(api: RunningApi, *args: str, local: bool) -> subprocess.CompletedProcess[str]:
    env = {**api.env, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    if local:
        env["MESHCERT_ANALYZE_LOCALLY"] = "1"
    return subprocess.run([sys.executable, "-m", "meshcert.cli.main", "istioctl", *args],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip


def test_analyze_over_the_api_matches_the_lab(api: RunningApi) -> None:
    api.ok("apply", "-f", "-", input=VS)
    in_lab = _istioctl(api, "analyze", local=False)
    over_api = _istioctl(api, "analyze", local=True)
    assert over_api.returncode == in_lab.returncode == 79
    assert over_api.stdout == in_lab.stdout
    assert (
        'Error [IST0101] (VirtualService default/reviews) Referenced host not found: "reviews2"'
        in (over_api.stdout)
    )


def test_an_unreachable_cluster_is_a_clear_error(api: RunningApi, tmp_path: Path) -> None:
    config = Path(api.env["KUBECONFIG"]).read_text().replace(f":{api.port}", ":1")
    broken = tmp_path / "broken-kubeconfig"
    broken.write_text(config)
    env = {**api.env, "KUBECONFIG": str(broken), "MESHCERT_ANALYZE_LOCALLY": "1"}
    done = subprocess.run([sys.executable, "-m", "meshcert.cli.main", "istioctl", "analyze"],
                          capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot reach https://127.0.0.1:1")


def _kubeconfig(path: Path, server: str, cluster: dict[str, object],
                user: dict[str, object]) -> Path:  # fmt: skip
    import yaml

    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "remote",
        "clusters": [{"name": "remote", "cluster": {"server": server, **cluster}}],
        "users": [{"name": "remote", "user": user}],
        "contexts": [{"name": "remote", "context": {"cluster": "remote", "user": "remote"}}],
    }))  # fmt: skip
    return path


def _run(env: dict[str, str], kubeconfig: Path) -> subprocess.CompletedProcess[str]:
    env = {**env, "KUBECONFIG": str(kubeconfig), "MESHCERT_ANALYZE_LOCALLY": "1",
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "meshcert.cli.main", "istioctl", "analyze"],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip


PLUGIN = """import json, os, sys
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
assert info["spec"]["interactive"] is False
if os.environ.get("PLUGIN_FAIL"):
    sys.exit(3)
print(json.dumps({"apiVersion": info["apiVersion"], "kind": "ExecCredential",
                  "status": {"token": os.environ["PLUGIN_TOKEN"]}}))
"""


def test_exec_plugin_credentials(api: RunningApi, tmp_path: Path) -> None:
    """kubernetes.io docs/reference/access-authn-authz/authentication, "client-go credential
    plugins": the token the plugin prints authenticates the requests; the same kubeconfig
    works for the real kubectl. A failing plugin is client-go's error and exit 1."""
    api.ok("apply", "-f", "-", input=VS)
    plugin = tmp_path / "plugin.py"
    plugin.write_text(PLUGIN)
    import base64

    exec_user: dict[str, object] = {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
        "args": [str(plugin)], "env": [{"name": "PLUGIN_TOKEN", "value": api.token}],
        "interactiveMode": "Never"}}  # fmt: skip
    ca = {"certificate-authority-data": base64.b64encode(api.ca_pem).decode()}
    config = _kubeconfig(tmp_path / "exec-kubeconfig", api.url, ca, exec_user)
    kubectl = subprocess.run([running_api.kubectl_binary(), "get", "ns", "default", "-o", "name"],
                             capture_output=True, text=True, env={**api.env,
                             "KUBECONFIG": str(config)}, timeout=60)  # fmt: skip
    assert kubectl.stdout.strip() == "namespace/default", kubectl.stderr
    done = _run(api.env, config)
    assert done.returncode == 79, done.stderr
    assert 'Referenced host not found: "reviews2"' in done.stdout
    failing = dict(exec_user["exec"])  # type: ignore[call-overload]
    failing["env"] = [*failing["env"], {"name": "PLUGIN_FAIL", "value": "1"}]
    broken = _kubeconfig(tmp_path / "failing", api.url, ca, {"exec": failing})
    refused = _run(api.env, broken)
    assert refused.returncode == 1
    assert refused.stderr == (f"Error: getting credentials: exec: executable {sys.executable} "
                              "failed with exit code 3\n")  # fmt: skip


def test_client_certificate_is_presented(tmp_path: Path) -> None:
    """A cluster that authenticates users by client certificate (kubectl's
    client-certificate-data / client-key-data): the server requires one; with it the
    analysis runs, without it the handshake fails and the error says so."""
    import base64
    import http.server
    import ssl
    import threading

    from cluster_certs import client_and_server_certs

    certs = client_and_server_certs(tmp_path)

    class Api(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # every list is empty on this cluster
            body = b'{"kind": "List", "items": [], "metadata": {}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs["server.crt"], certs["server.key"])
    context.load_verify_locations(certs["ca.crt"])
    context.verify_mode = ssl.CERT_REQUIRED
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}"
        ca = {"certificate-authority": str(certs["ca.crt"])}
        cert_data = base64.b64encode(certs["client.crt"].read_bytes()).decode()
        user = {"client-certificate-data": cert_data, "client-key": str(certs["client.key"])}
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
        done = _run(env, _kubeconfig(tmp_path / "cert-kubeconfig", url, ca, user))
        assert done.returncode == 0, done.stderr
        assert done.stderr == "✔ No validation issues found when analyzing namespace: default.\n"
        anonymous = _run(env, _kubeconfig(tmp_path / "anonymous", url, ca, {}))
        assert anonymous.returncode == 1
        assert anonymous.stderr.startswith(f"Error: cannot reach {url}: ")
    finally:
        server.shutdown()
        server.server_close()
