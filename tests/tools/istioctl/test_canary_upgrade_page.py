"""istio.io docs/setup/upgrade/canary ("Canary Upgrades") end to end with the real kubectl:
a second control plane as revision `canary`, namespaces moved with `istio.io/rev`, revision
tags, and the old control plane uninstalled."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from running_api import RunningApi

pytestmark = pytest.mark.kubectl

Istioctl = Callable[..., str]
CURL = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: curl
spec:
  replicas: 1
  selector:
    matchLabels:
      app: curl
  template:
    metadata:
      labels:
        app: curl
    spec:
      containers:
      - name: curl
        image: curlimages/curl
        command: ["/bin/sleep", "infinity"]
"""


def _names(text: str) -> list[str]:
    return [line.split()[0] for line in text.splitlines()[1:]]


def test_canary_control_plane_and_data_plane(api: RunningApi, istioctl: Istioctl) -> None:
    istioctl("install", "-y")
    # "Control plane": install the canary revision next to the default one.
    out = istioctl("install", "--set", "revision=canary", "-y")
    assert "✔ Istiod installed 🧠" in out
    pods = _names(api.ok("get", "pods", "-n", "istio-system", "-l", "app=istiod"))
    assert len(pods) == 2
    assert any(p.startswith("istiod-canary-") for p in pods)
    services = _names(api.ok("get", "svc", "-n", "istio-system", "-l", "app=istiod"))
    assert services == ["istiod", "istiod-canary"]
    webhooks = _names(api.ok("get", "mutatingwebhookconfigurations"))
    assert webhooks == ["istio-sidecar-injector", "istio-sidecar-injector-canary"]
    # "Data plane": a namespace labelled with the canary revision gets canary sidecars.
    api.ok("create", "ns", "test-ns")
    api.ok("label", "namespace", "test-ns", "istio-injection-", "istio.io/rev=canary")
    api.ok("apply", "-n", "test-ns", "-f", "-", input=CURL)
    canary = api.ok("get", "pods", "-n", "test-ns", "-l", "istio.io/rev=canary")
    assert len(canary.splitlines()) == 2
    assert canary.splitlines()[1].split()[1:3] == ["2/2", "Running"]
    assert "data plane version: 1.26.2" in istioctl("version")


def test_stable_revision_labels(api: RunningApi, istioctl: Istioctl) -> None:
    """ "Stable revision labels": tags point at revisions and namespaces use the tag."""
    istioctl("install", "--revision", "1-26-1", "--set", "profile=minimal", "-y")
    istioctl("install", "--revision", "1-26-2", "--set", "profile=minimal", "-y")
    out = istioctl("tag", "set", "prod-stable", "--revision", "1-26-1")
    assert out.startswith('Revision tag "prod-stable" created, referencing control plane revision')
    istioctl("tag", "set", "prod-canary", "--revision", "1-26-2")
    api.ok("create", "ns", "app-ns-1")
    api.ok("label", "ns", "app-ns-1", "istio.io/rev=prod-stable")
    tags = istioctl("tag", "list").splitlines()
    assert tags[0].split() == ["TAG", "REVISION", "NAMESPACES"]
    rows = [line.split() for line in tags[1:]]
    assert ["prod-canary", "1-26-2"] in rows
    assert ["prod-stable", "1-26-1", "app-ns-1"] in rows
    api.ok("apply", "-n", "app-ns-1", "-f", "-", input=CURL)
    rev = api.ok(
        "get", "pods", "-n", "app-ns-1", "-o", "jsonpath={.items[0].metadata.labels.istio\\.io/rev}"
    )
    assert rev == "1-26-1"
    # Moving the tag changes what new pods get; existing pods keep their proxy until restarted.
    taken = api.kubectl(
        "exec",
        "-n",
        "kube-system",
        "toolbox",
        "--",
        "istioctl",
        "tag",
        "set",
        "prod-stable",
        "--revision",
        "1-26-2",
    )
    assert taken.returncode == 1
    assert taken.stderr.startswith(
        'Error: revision tag "prod-stable" already exists, and --overwrite is false\n'
    )
    istioctl("tag", "set", "prod-stable", "--revision", "1-26-2", "--overwrite")
    api.ok("rollout", "restart", "deploy/curl", "-n", "app-ns-1")
    revs = api.ok(
        "get", "pods", "-n", "app-ns-1", "-o", "jsonpath={.items[*].metadata.labels.istio\\.io/rev}"
    )
    assert "1-26-2" in revs.split()


def test_default_tag_and_uninstall_old_control_plane(api: RunningApi, istioctl: Istioctl) -> None:
    """ "Default tag" then "Uninstall old control plane": `istioctl uninstall --revision`."""
    istioctl("install", "-y")
    istioctl("install", "--set", "revision=canary", "--set", "profile=minimal", "-y")
    istioctl("tag", "set", "default", "--revision", "canary")
    api.ok("label", "namespace", "default", "istio-injection=enabled")
    api.ok("apply", "-f", "-", input=CURL)
    rev = api.ok("get", "pods", "-o", "jsonpath={.items[0].metadata.labels.istio\\.io/rev}")
    assert rev == "canary"
    out = istioctl("uninstall", "--revision", "default", "-y")
    assert "  Removed Deployment:istio-system:istiod." in out
    pods = _names(api.ok("get", "pods", "-n", "istio-system", "-l", "app=istiod"))
    assert len(pods) == 1
    assert pods[0].startswith("istiod-canary-")


def test_uninstall_needs_a_target(api: RunningApi) -> None:
    proc = api.kubectl("exec", "-n", "kube-system", "toolbox", "--", "istioctl", "uninstall")
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        "Error: at least one of the --revision (or --set revision=<revision>), --filename or "
        "--purge flags must be set\n"
    )
