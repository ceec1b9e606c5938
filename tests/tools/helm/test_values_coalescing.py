"""`--set` on a chart value changes that key and keeps the chart's other defaults, as Helm
coalesces user values into values.yaml, whether Istio is installed with helm or istioctl;
checked with the real kubectl on what a user reads back.

Defaults pinned (istio/istio 1.26): manifests/charts/istio-control/istio-discovery/values.yaml
(`global.proxy.resources` for sidecars: requests 100m/128Mi, limits 2000m/1024Mi; istiod's
`resources`: requests 500m/2048Mi), manifests/charts/gateway/values.yaml and
manifests/charts/gateways/istio-ingress/values.yaml (gateway `resources`: requests 100m/128Mi,
limits 2000m/1024Mi). The API server stores 2000m and 1024Mi as `2` and `1Gi`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from running_api import RunningApi

Istioctl = Callable[..., str]

pytestmark = pytest.mark.kubectl

REPO = "https://istio-release.storage.googleapis.com/charts"
PROXY = '{.spec.containers[?(@.name=="istio-proxy")].resources}'


def _helm(api: RunningApi, *args: str) -> str:
    return api.ok("exec", "-n", "kube-system", "toolbox", "--", "helm", *args)


def _resources(api: RunningApi, kind: str, name: str, ns: str, path: str) -> Any:
    return json.loads(api.ok("get", kind, name, "-n", ns, "-o", f"jsonpath={path}"))


def _sidecar_resources(api: RunningApi) -> Any:
    """Resources of the istio-proxy the injector adds to a new pod in an injected namespace."""
    api.ok("label", "namespace", "default", "istio-injection=enabled")
    api.ok("run", "web", "--image=nginx", "-n", "default")
    return _resources(api, "pod", "web", "default", PROXY)


def test_helm_set_on_one_sidecar_limit_keeps_the_other_defaults(api: RunningApi) -> None:
    _helm(api, "repo", "add", "istio", REPO)
    _helm(api, "install", "istio-base", "istio/base", "-n", "istio-system", "--create-namespace")
    _helm(
        api, "install", "istiod", "istio/istiod", "-n", "istio-system", "--wait",
        "--set", "global.proxy.resources.limits.memory=2Gi",
        "--set", "pilot.resources.requests.cpu=250m",
    )  # fmt: skip
    assert _sidecar_resources(api) == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    istiod = _resources(
        api, "deploy", "istiod", "istio-system", "{.spec.template.spec.containers[0].resources}"
    )
    assert istiod == {"requests": {"cpu": "250m", "memory": "2Gi"}}


def test_helm_gateway_set_on_one_request_keeps_the_limits(api: RunningApi) -> None:
    _helm(api, "repo", "add", "istio", REPO)
    _helm(api, "install", "istiod", "istio/istiod", "-n", "istio-system", "--create-namespace")
    _helm(
        api, "install", "istio-ingress", "istio/gateway", "-n", "istio-ingress",
        "--create-namespace", "--set", "resources.requests.cpu=200m",
    )  # fmt: skip
    found = _resources(
        api,
        "deploy",
        "istio-ingress",
        "istio-ingress",
        '{.spec.template.spec.containers[?(@.name=="istio-proxy")].resources}',
    )
    assert found == {
        "requests": {"cpu": "200m", "memory": "128Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }


def test_istioctl_set_on_one_sidecar_request_keeps_the_other_defaults(
    api: RunningApi, istioctl: Istioctl
) -> None:
    istioctl("install", "-y", "--set", "values.global.proxy.resources.requests.cpu=50m")
    assert _sidecar_resources(api) == {
        "requests": {"cpu": "50m", "memory": "128Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
    # the ingress gateway reads its own chart value, not the sidecars' global.proxy.resources
    gateway = _resources(
        api,
        "deploy",
        "istio-ingressgateway",
        "istio-system",
        "{.spec.template.spec.containers[0].resources}",
    )
    assert gateway == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }


def test_istioctl_demo_profile_sidecars_keep_the_charts_limits(
    api: RunningApi, istioctl: Istioctl
) -> None:
    """manifests/profiles/demo.yaml sets only requests (10m/40Mi) for sidecars and gateways."""
    istioctl("install", "-y", "--set", "profile=demo")
    small = {"requests": {"cpu": "10m", "memory": "40Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}}
    assert _sidecar_resources(api) == small
    gateway = _resources(
        api,
        "deploy",
        "istio-egressgateway",
        "istio-system",
        "{.spec.template.spec.containers[0].resources}",
    )
    assert gateway == small
