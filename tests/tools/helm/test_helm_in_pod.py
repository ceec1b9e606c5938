"""`helm` as a program in a pod, driven with the real kubectl: its repository list lives in the
container's file system (~/.config/helm/repositories.yaml) from one exec to the next."""

from __future__ import annotations

import pytest
from running_api import RunningApi

pytestmark = pytest.mark.kubectl

REPO = "https://istio-release.storage.googleapis.com/charts"


def _helm(api: RunningApi, *args: str) -> str:
    return api.ok("exec", "-n", "kube-system", "toolbox", "--", "helm", *args)


def test_repo_persists_and_charts_install(api: RunningApi) -> None:
    """istio.io docs/setup/install/helm with kubectl exec."""
    assert (
        _helm(api, "repo", "add", "istio", REPO) == '"istio" has been added to your repositories\n'
    )
    listed = _helm(api, "repo", "list").splitlines()
    assert [c.strip() for c in listed[1].split("\t")] == ["istio", REPO]
    _helm(api, "install", "istio-base", "istio/base", "-n", "istio-system", "--create-namespace")
    _helm(api, "install", "istiod", "istio/istiod", "-n", "istio-system", "--wait")
    pods = api.ok("get", "pods", "-n", "istio-system", "-l", "app=istiod").splitlines()
    assert pods[1].split()[1:3] == ["1/1", "Running"]
    secrets = api.ok("get", "secrets", "-n", "istio-system", "-l", "owner=helm", "-o", "name")
    assert secrets.split() == [
        "secret/sh.helm.release.v1.istio-base.v1",
        "secret/sh.helm.release.v1.istiod.v1",
    ]
