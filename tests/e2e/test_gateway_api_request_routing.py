"""istio.io/latest/docs/tasks/traffic-management/request-routing/ (Istio 1.26), "Gateway API"
tab, end to end with the real kubectl: HTTPRoutes whose parents are the Bookinfo Services
(GAMMA), applied by the sidecars, with the version Services of bookinfo-versions.yaml; the
page's inline YAML is in gateway_api_request_routing/.

The Gateway API CRDs come from `meshcert lab gateway-api | kubectl apply -f -`. The browser is
`curl` in the curl pod; signing in is the form POST to `/login` (see test_request_routing.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from conftest import E2ELab

PAGE = "kubectl exec deploy/curl -c curl -- curl -s http://productpage:9080/productpage"


@pytest.fixture(scope="module", autouse=True)
def gateway_api(lab: E2ELab) -> Iterator[None]:
    lab.sh("meshcert lab gateway-api | kubectl apply -f -")
    lab.sh("kubectl apply -f samples/bookinfo/platform/kube/bookinfo-versions.yaml")
    yield
    lab.sh("kubectl delete -f samples/bookinfo/platform/kube/bookinfo-versions.yaml")


def test_route_to_version_1(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/request-routing/ (Gateway API tab)

    "Route to version 1": route-all-v1.yaml; `kubectl get httproute reviews -o yaml` shows
    the route accepted; the reviews part of the page shows no stars, however often refreshed.
    """
    page.on_cleanup("kubectl delete -f samples/bookinfo/gateway-api/route-all-v1.yaml")
    out = page.sh("kubectl apply -f samples/bookinfo/gateway-api/route-all-v1.yaml")
    assert out.stdout == "".join(
        f"httproute.gateway.networking.k8s.io/{name} created\n"
        for name in ("reviews", "productpage", "ratings", "details")
    )
    route = yaml.safe_load(page.sh("kubectl get httproute reviews -o yaml").stdout)
    (parent,) = route["status"]["parents"]
    assert parent["parentRef"] == {"group": "", "kind": "Service", "name": "reviews", "port": 9080}
    assert [(c["type"], c["status"], c["message"]) for c in parent["conditions"]] == [
        ("Accepted", "True", "Route was valid"),
        ("ResolvedRefs", "True", "All references resolved"),
    ]
    html = page.sh(PAGE).stdout
    assert "Reviews served by: reviews-v1-" in html
    assert page.refresh(30) == {"none": 30}


def test_route_based_on_user_identity(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/request-routing/ (Gateway API tab)

    "Route based on user identity": requests with `end-user: jason` go to reviews-v2 (black
    stars); anybody else gets reviews-v1 (no stars).
    """
    page.on_cleanup("kubectl delete -f samples/bookinfo/gateway-api/route-all-v1.yaml")
    page.sh("kubectl apply -f samples/bookinfo/gateway-api/route-all-v1.yaml")
    out = page.apply_page_yaml("gateway_api_request_routing/reviews-jason.yaml")
    assert out.stdout == "httproute.gateway.networking.k8s.io/reviews configured\n"

    page.login("jason")
    assert page.refresh(10, "-b /tmp/cookies") == {"black": 10}
    page.login("someone-else")
    assert page.refresh(10, "-b /tmp/cookies") == {"none": 10}
    assert page.refresh(10) == {"none": 10}
