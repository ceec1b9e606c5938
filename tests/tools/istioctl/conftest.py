"""A served lab cluster (equipped with Istio's behaviour, as every lab is), a toolbox pod in
kube-system to run istioctl in, and the real kubectl."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import running_api
from running_api import RunningApi

from meshcert.lab.labs import new_cluster as lab_cluster

TOOLBOX = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "toolbox", "namespace": "kube-system"},
    "spec": {"containers": [{"name": "istioctl", "image": "docker.io/istio/istioctl:1.26.2"}]},
}


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningApi]:
    monkeypatch.setattr(running_api, "new_cluster", lambda: lab_cluster())
    with running_api.running_api(tmp_path) as running:
        running.cluster.create(running.cluster.kind("", "pods"), TOOLBOX)
        yield running


Istioctl = Callable[..., str]


@pytest.fixture
def istioctl(api: RunningApi) -> Istioctl:
    """Run istioctl as the pages do, on the candidate's machine (`meshcert istioctl`, what the
    shim of `meshcert lab env` runs), against the served lab; its stdout (must succeed)."""

    def run(*args: str, input: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "meshcert.cli.main", "istioctl", *args],
            input=input,
            capture_output=True,
            text=True,
            env={**api.env, "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
            timeout=120,
        )
        assert done.returncode == 0, f"istioctl {' '.join(args)}: {done.stderr}"
        return done.stdout

    return run


@pytest.fixture
def istioctl_in_pod(api: RunningApi) -> Istioctl:
    """Run istioctl in the toolbox pod through `kubectl exec`; its stdout (must succeed)."""

    def run(*args: str, input: str | None = None) -> str:
        return api.ok("exec", "-n", "kube-system", "toolbox", "--", "istioctl", *args, input=input)

    return run
