"""`istioctl kube-inject` as istio.io docs/setup/additional-setup/sidecar-injection ("Manual
sidecar injection") and the security pages use it: `kubectl apply -f <(istioctl kube-inject -f
samples/curl/curl.yaml)` deploys pods that run 2/2 without any namespace label."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from running_api import RunningApi

pytestmark = pytest.mark.kubectl

Istioctl = Callable[..., str]
CURL_SAMPLE = Path(__file__).resolve().parents[2] / "e2e" / "samples" / "curl" / "curl.yaml"


def test_kube_inject_before_install_fails(api: RunningApi, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "meshcert.cli.main", "istioctl", "kube-inject", "-f",
         str(CURL_SAMPLE)],
        capture_output=True, text=True, env=api.env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == (
        'Error: failed to get injection config: configmaps "istio-sidecar-injector" not found\n'
    )


def test_manual_injection_deploys_two_containers(api: RunningApi, istioctl: Istioctl) -> None:
    istioctl("install", "-y")
    injected = istioctl("kube-inject", "-f", str(CURL_SAMPLE))
    docs = list(yaml.safe_load_all(injected))
    assert [d["kind"] for d in docs] == ["ServiceAccount", "Service", "Deployment"]
    template = docs[2]["spec"]["template"]
    assert [c["name"] for c in template["spec"]["containers"]] == ["curl", "istio-proxy"]
    assert [c["name"] for c in template["spec"]["initContainers"]] == ["istio-init"]
    assert "sidecar.istio.io/status" in template["metadata"]["annotations"]
    env = {e["name"]: e.get("value") for e in template["spec"]["containers"][1]["env"]}
    assert env["ISTIO_META_WORKLOAD_NAME"] == "curl"
    assert env["ISTIO_META_OWNER"] == (
        "kubernetes://apis/apps/v1/namespaces/default/deployments/curl"
    )

    api.ok("apply", "-f", "-", input=injected)
    api.ok("rollout", "status", "deployment/curl", "--timeout=30s")
    pods = api.ok("get", "pods", "-l", "app=curl").splitlines()[1:]
    assert len(pods) == 1
    assert pods[0].split()[1:3] == ["2/2", "Running"]
    labels = api.ok("get", "ns", "default", "-o", "jsonpath={.metadata.labels}")
    assert "istio-injection" not in labels
