"""Helm's coalescing of user values into chart defaults (helm.sh/docs/chart_template_guide/
values_files "Deleting a default key"), and the chart defaults it fills in for istioctl's
`--set` (istio/istio 1.26 manifests/charts/istio-control/istio-discovery/values.yaml,
manifests/charts/gateways/istio-ingress/values.yaml, manifests/profiles/demo.yaml)."""

from __future__ import annotations

import copy
import json
from typing import Any

from meshcert.lab.labs import new_cluster
from meshcert.mesh.install import effective_spec, render_spec
from meshcert.mesh.install.coalescing import coalesce

Obj = dict[str, Any]
DEFAULTS: Obj = {
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "2"}},
    "ports": [{"port": 80}, {"port": 443}],
    "type": "LoadBalancer",
}


def test_maps_merge_key_by_key() -> None:
    out = coalesce(DEFAULTS, {"resources": {"limits": {"memory": "1Gi"}}})
    assert out["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }


def test_scalars_and_lists_replace() -> None:
    out = coalesce(DEFAULTS, {"type": "ClusterIP", "ports": [{"port": 8080}]})
    assert out["type"] == "ClusterIP"
    assert out["ports"] == [{"port": 8080}]


def test_null_deletes_a_default_key() -> None:
    out = coalesce(DEFAULTS, {"resources": {"limits": None}, "type": None})
    assert out == {
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        "ports": [{"port": 80}, {"port": 443}],
    }


def test_neither_input_is_modified() -> None:
    before = copy.deepcopy(DEFAULTS)
    user: Obj = {"resources": {"requests": {"cpu": "1"}}}
    out = coalesce(DEFAULTS, user)
    out["resources"]["limits"]["cpu"] = "9"
    assert before == DEFAULTS
    assert user == {"resources": {"requests": {"cpu": "1"}}}


def _resources(sets: list[str]) -> dict[str, Obj]:
    """Container resources of every rendered Deployment, and the injector's sidecar resources
    (the `values` of istio-sidecar-injector), for `istioctl install --set ...`."""
    cluster = new_cluster()
    out: dict[str, Obj] = {}
    for component in render_spec(cluster, effective_spec(cluster, [], sets)):
        for obj in component.objects:
            if obj["kind"] == "Deployment":
                container = obj["spec"]["template"]["spec"]["containers"][0]
                out[obj["metadata"]["name"]] = container["resources"]
            if obj["kind"] == "ConfigMap" and "values" in (obj.get("data") or {}):
                proxy = json.loads(obj["data"]["values"])["global"]["proxy"]
                out["sidecar"] = proxy["resources"]
    return out


def test_istioctl_set_keeps_the_other_sidecar_defaults() -> None:
    found = _resources(["values.global.proxy.resources.limits.memory=2Gi"])
    assert found["sidecar"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    # global.proxy.resources is the sidecars'; the gateway has its own chart value
    assert found["istio-ingressgateway"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }


def test_demo_profile_requests_keep_the_charts_limits() -> None:
    """demo.yaml sets only requests (values.global.proxy.resources and the gateways'
    k8s.resources, a strategic merge patch): the charts' limits stay; istiod has no limit."""
    found = _resources(["profile=demo"])
    small = {"requests": {"cpu": "10m", "memory": "40Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}}
    assert found["sidecar"] == small
    assert found["istio-ingressgateway"] == small
    assert found["istio-egressgateway"] == small
    assert found["istiod"] == {"requests": {"cpu": "10m", "memory": "100Mi"}}


def test_k8s_resources_patch_merges_into_the_gateway_value() -> None:
    found = _resources(
        [
            "values.gateways.istio-ingressgateway.resources.requests.cpu=200m",
            "components.ingressGateways[name:istio-ingressgateway].k8s.resources.limits.cpu=3",
        ]
    )
    assert found["istio-ingressgateway"] == {
        "requests": {"cpu": "200m", "memory": "128Mi"},
        "limits": {"cpu": 3, "memory": "1Gi"},
    }
