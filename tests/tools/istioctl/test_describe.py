"""`istioctl x describe pod|svc` on the shipped scenarios, in istioctl 1.26's layout
(istio/istio istioctl/pkg/describe/describe.go; istio.io docs/ops/diagnostic-tools/
istioctl-describe)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import crash_loop, set_container_state
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.istioctl import run_istioctl

TESTDATA = Path(__file__).parent / "describe_testdata"
NET = "networking.istio.io"


def _obj(kind: str, name: str, spec: dict[str, Any], namespace: str = "default") -> dict[str, Any]:
    group = NET if kind in ("DestinationRule", "VirtualService", "Gateway") else "security.istio.io"
    return {
        "apiVersion": f"{group}/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


REVIEWS_DR = _obj(
    "DestinationRule",
    "reviews",
    {
        "host": "reviews",
        "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}},
        "subsets": [
            {"name": "v1", "labels": {"version": "v1"}},
            {"name": "v2", "labels": {"version": "v2"}},
            {"name": "v3", "labels": {"version": "v3"}},
        ],
    },
)
REVIEWS_VS = _obj(
    "VirtualService",
    "reviews",
    {
        "hosts": ["reviews"],
        "http": [{"route": [{"destination": {"host": "reviews", "subset": "v1"}}]}],
    },
)
GATEWAY = _obj(
    "Gateway",
    "bookinfo-gateway",
    {
        "selector": {"istio": "ingressgateway"},
        "servers": [{"port": {"number": 8080, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}],
    },
)
PRODUCTPAGE_VS = _obj(
    "VirtualService",
    "bookinfo",
    {
        "hosts": ["*"],
        "gateways": ["bookinfo-gateway"],
        "http": [
            {
                "match": [{"uri": {"exact": "/productpage"}}, {"uri": {"prefix": "/static"}}],
                "route": [{"destination": {"host": "productpage", "port": {"number": 9080}}}],
            }
        ],
    },
)
STRICT = _obj("PeerAuthentication", "default", {"mtls": {"mode": "STRICT"}})
ALLOW = _obj(
    "AuthorizationPolicy",
    "reviews-viewer",
    {
        "selector": {"matchLabels": {"app": "reviews"}},
        "action": "ALLOW",
        "rules": [{"to": [{"operation": {"methods": ["GET"]}}]}],
    },
)


def _create(cluster: Cluster, obj: dict[str, Any]) -> None:
    group = obj["apiVersion"].split("/")[0]
    plural = {
        "DestinationRule": "destinationrules",
        "VirtualService": "virtualservices",
        "Gateway": "gateways",
        "PeerAuthentication": "peerauthentications",
        "AuthorizationPolicy": "authorizationpolicies",
    }[obj["kind"]]
    cluster.create(cluster.kind(group, plural), copy.deepcopy(obj))


def _lab(scenario: str, *objs: dict[str, Any]) -> Cluster:
    cluster = new_cluster()
    seed(cluster, load_scenario(scenario))
    for obj in objs:
        _create(cluster, obj)
    return cluster


def _pod(cluster: Cluster, prefix: str) -> str:
    for pod in cluster.list(cluster.kind("", "pods"), "default"):
        if pod["metadata"]["name"].startswith(prefix):
            return str(pod["metadata"]["name"])
    raise AssertionError(prefix)


def _normalize(text: str) -> str:
    return re.sub(r"-[a-z0-9]{10}-[a-z0-9]{5}\b", "-hhhhhhhhhh-xxxxx", text)


def _golden(name: str, text: str) -> None:
    assert _normalize(text) == (TESTDATA / name).read_text()


def test_bookinfo_pod_without_istio_config() -> None:
    cluster = _lab("bookinfo")
    code, out, err = run_istioctl(cluster, ["x", "describe", "pod", _pod(cluster, "reviews-v1")])
    assert (code, err) == (0, "")
    assert out == (
        f"Pod: {_pod(cluster, 'reviews-v1')}\n"
        "   Pod Revision: default\n"
        "   Pod Ports: 9080 (reviews), 15090 (istio-proxy)\n"
        "--------------------\n"
        "Service: reviews\n"
        "   Port: http 9080/HTTP targets pod port 9080\n"
        "--------------------\n"
        "Effective PeerAuthentication:\n"
        "   Workload mTLS mode: PERMISSIVE\n"
    )


def test_reviews_v1_with_rules_policies_and_strict_mtls() -> None:
    cluster = _lab("bookinfo", REVIEWS_DR, REVIEWS_VS, STRICT, ALLOW)
    code, out, err = run_istioctl(cluster, ["x", "describe", "pod", _pod(cluster, "reviews-v1")])
    assert (code, err) == (0, "")
    _golden("reviews_v1.txt", out)


def test_reviews_v2_does_not_get_the_route() -> None:
    cluster = _lab("bookinfo", REVIEWS_DR, REVIEWS_VS)
    code, out, _ = run_istioctl(
        cluster, ["experimental", "describe", "po", _pod(cluster, "reviews-v2") + ".default"]
    )
    assert code == 0
    _golden("reviews_v2.txt", out)


def test_productpage_exposed_on_the_ingress_gateway() -> None:
    cluster = _lab("bookinfo-httpbin-curl", GATEWAY, PRODUCTPAGE_VS)
    code, out, err = run_istioctl(cluster, ["x", "describe", "pod", _pod(cluster, "productpage")])
    assert (code, err) == (0, "")
    _golden("productpage.txt", out)


def test_describe_service() -> None:
    cluster = _lab("bookinfo", REVIEWS_DR, REVIEWS_VS)
    code, out, err = run_istioctl(cluster, ["x", "describe", "svc", "reviews"])
    assert (code, err) == (0, "")
    _golden("svc_reviews.txt", out)


def test_pod_outside_the_mesh() -> None:
    cluster = _lab("bookinfo")
    cluster.create(
        cluster.kind("", "pods"),
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "plain", "namespace": "kube-system"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        },
    )
    code, out, err = run_istioctl(cluster, ["x", "describe", "pod", "plain", "-n", "kube-system"])
    assert code == 1
    assert "WARNING: plain is not part of mesh; no Istio sidecar\n" in out
    assert "Warning: No Kubernetes Services select pod plain" in out
    assert err.startswith("Error: failed to execute command on sidecar")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x", "describe", "pod", "nope"], 'Error: pods "nope" not found\n'),
        (["x", "describe", "svc", "nope"], 'Error: services "nope" not found\n'),
        (["x", "describe", "pod"], "Error: expecting pod name\n"),
    ],
)
def test_errors(argv: list[str], message: str) -> None:
    cluster = _lab("bookinfo")
    code, _, err = run_istioctl(cluster, argv)
    assert (code, err) == (1, message)


def test_stale_proxy_names_a_deleted_rule() -> None:
    cluster = _lab("bookinfo", REVIEWS_DR)
    istiod = next(
        p["metadata"]["name"]
        for p in cluster.list(cluster.kind("", "pods"), "istio-system")
        if p["metadata"]["name"].startswith("istiod-")
    )
    set_container_state(cluster, "istio-system", istiod, "discovery", crash_loop())  # no pushes
    cluster.delete(cluster.kind(NET, "destinationrules"), "default", "reviews")
    code, out, _ = run_istioctl(cluster, ["x", "describe", "pod", _pod(cluster, "reviews-v1")])
    assert code == 0
    assert (
        "WARNING: Proxy is stale; it references to non-existent destination rule reviews.default\n"
    ) in out
