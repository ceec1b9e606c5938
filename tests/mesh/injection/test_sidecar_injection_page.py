"""istio.io docs/setup/additional-setup/sidecar-injection ("Installing the sidecar") with the
real kubectl: label the namespace, re-create the pod, see 2/2; and what happens when the
injector's istiod is down (the webhook call fails, the ReplicaSet records FailedCreate)."""

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


def _pods(api: RunningApi, *args: str) -> list[list[str]]:
    return [line.split() for line in api.ok("get", "pods", *args).splitlines()[1:]]


def test_automatic_injection_after_label_and_restart(api: RunningApi, istioctl: Istioctl) -> None:
    """The page's "Automatic sidecar injection" steps: a pod deployed before the label has 1/1;
    after `kubectl label namespace default istio-injection=enabled --overwrite` and deleting
    the pod, the new one has 2/2 and an istio-proxy container."""
    istioctl("install", "-y")
    api.ok("apply", "-f", "-", input=CURL)
    assert _pods(api)[0][1] == "1/1"
    api.ok("label", "namespace", "default", "istio-injection=enabled", "--overwrite")
    assert _pods(api)[0][1] == "1/1"  # CREATE only
    api.ok("delete", "pod", "-l", "app=curl")
    pods = _pods(api)
    assert len(pods) == 1
    assert pods[0][1:3] == ["2/2", "Running"]
    containers = api.ok(
        "get", "pods", "-l", "app=curl", "-o", "jsonpath={.items[0].spec.containers[*].name}"
    )
    assert containers == "curl istio-proxy"
    ns = api.ok("get", "namespace", "-L", "istio-injection")
    assert any(
        line.split()[0] == "default" and line.split()[-1] == "enabled" for line in ns.splitlines()
    )


def test_disable_injection_for_namespace(api: RunningApi, istioctl: Istioctl) -> None:
    """The page's "Uninstalling the sidecar": `kubectl label namespace default istio-injection-`
    and a restart leave the pod without a sidecar."""
    istioctl("install", "-y")
    api.ok("label", "namespace", "default", "istio-injection=enabled")
    api.ok("apply", "-f", "-", input=CURL)
    assert _pods(api)[0][1] == "2/2"
    api.ok("label", "namespace", "default", "istio-injection-")
    api.ok("rollout", "restart", "deployment/curl")
    assert [p[1] for p in _pods(api) if p[2] == "Running"] == ["1/1"]


def test_injection_fails_when_istiod_is_down(api: RunningApi, istioctl: Istioctl) -> None:
    """failurePolicy Fail (mutatingwebhook.yaml): with istiod scaled to 0 no pod can be created
    in an injected namespace; the ReplicaSet's events say why."""
    istioctl("install", "-y")
    api.ok("label", "namespace", "default", "istio-injection=enabled")
    api.ok("scale", "deployment/istiod", "-n", "istio-system", "--replicas=0")
    api.ok("apply", "-f", "-", input=CURL)
    assert api.kubectl("get", "pods").stderr.startswith("No resources found")
    events = api.ok("get", "events", "--field-selector", "reason=FailedCreate")
    assert (
        'Error creating: Internal error occurred: failed calling webhook "namespace.sidecar-'
        'injector.istio.io": failed to call webhook: Post "https://istiod.istio-system.svc:443/'
        'inject?timeout=10s": no endpoints available for service "istiod"'
    ) in " ".join(events.split())
    direct = api.kubectl("run", "one", "--image=nginx")
    assert direct.returncode == 1
    assert direct.stderr.startswith(
        "Error from server (InternalError): Internal error occurred: failed calling webhook "
        '"namespace.sidecar-injector.istio.io"'
    )
    api.ok("scale", "deployment/istiod", "-n", "istio-system", "--replicas=1")
    api.ok("rollout", "restart", "deployment/curl")
    assert any(p[1] == "2/2" for p in _pods(api))
