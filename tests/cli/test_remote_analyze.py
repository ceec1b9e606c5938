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
