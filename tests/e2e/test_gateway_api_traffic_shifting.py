"""istio.io/latest/docs/tasks/traffic-management/traffic-shifting/ (Istio 1.26), "Gateway API"
tab, end to end with the real kubectl: HTTPRoutes whose parent is the `reviews` Service (GAMMA),
applied by the sidecars, with the version Services of bookinfo-versions.yaml.

The Gateway API CRDs come from `meshcert lab gateway-api | kubectl apply -f -` (the page's
`kubectl kustomize ... | kubectl apply -f -` needs the internet). The page refreshes
/productpage in a browser; here `curl` in the curl pod loads it (see test_request_routing.py).
Not modelled: the API server's defaults in `kubectl get httproute -o yaml` (`group: ""`,
`kind: Service`, the `PathPrefix /` match the page's output shows in the spec).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from conftest import E2ELab


@pytest.fixture(scope="module", autouse=True)
def gateway_api(lab: E2ELab) -> Iterator[None]:
    lab.sh("meshcert lab gateway-api | kubectl apply -f -")
    # docs/examples/bookinfo: "the Gateway API ... needs the version Services"
    lab.sh("kubectl apply -f samples/bookinfo/platform/kube/bookinfo-versions.yaml")
    yield
    lab.sh("kubectl delete -f samples/bookinfo/platform/kube/bookinfo-versions.yaml")


def test_apply_weight_based_routing(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/traffic-shifting/ (Gateway API tab)

    All traffic to reviews-v1 (no stars), 50 % to reviews-v3 (red stars about half the
    time), the HTTPRoute's status, then all to reviews-v3.
    """
    page.on_cleanup("kubectl delete httproute reviews")

    # 1. $ kubectl apply -f samples/bookinfo/gateway-api/route-reviews-v1.yaml
    out = page.sh("kubectl apply -f samples/bookinfo/gateway-api/route-reviews-v1.yaml")
    assert out.stdout == "httproute.gateway.networking.k8s.io/reviews created\n"
    assert page.refresh(20) == {"none": 20}

    # 2. $ kubectl apply -f samples/bookinfo/gateway-api/route-reviews-50-v3.yaml
    out = page.sh("kubectl apply -f samples/bookinfo/gateway-api/route-reviews-50-v3.yaml")
    assert out.stdout == "httproute.gateway.networking.k8s.io/reviews configured\n"

    # 3. $ kubectl get httproute reviews -o yaml: the route's backends and its status
    route = yaml.safe_load(page.sh("kubectl get httproute reviews -o yaml").stdout)
    assert [(b["name"], b["weight"]) for b in route["spec"]["rules"][0]["backendRefs"]] == [
        ("reviews-v1", 50),
        ("reviews-v3", 50),
    ]
    (parent,) = route["status"]["parents"]
    assert parent["controllerName"] == "istio.io/gateway-controller"
    assert parent["parentRef"] == {"group": "", "kind": "Service", "name": "reviews", "port": 9080}
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in parent["conditions"]] == [
        ("Accepted", "True", "Accepted", "Route was valid"),
        ("ResolvedRefs", "True", "ResolvedRefs", "All references resolved"),
    ]

    # 4. "you now see red colored star ratings approximately 50% of the time"; 200 loads:
    # Binomial(200, 0.5), 100 +- 30 is over 4 sd, and the lab's draws are seeded.
    seen = page.refresh(200)
    assert set(seen) == {"none", "red"}
    assert 70 <= seen["red"] <= 130, seen

    # 5. $ kubectl apply -f samples/bookinfo/gateway-api/route-reviews-v3.yaml: always red
    page.sh("kubectl apply -f samples/bookinfo/gateway-api/route-reviews-v3.yaml")
    assert page.refresh(20) == {"red": 20}


def test_cleanup(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/traffic-shifting/ (Gateway API tab)

    "Cleanup": `kubectl delete httproute reviews`; every version answers again.
    """
    page.sh("kubectl apply -f samples/bookinfo/gateway-api/route-reviews-v3.yaml")
    out = page.sh("kubectl delete httproute reviews")
    # (newer kubectl versions add " from default namespace")
    assert out.stdout.startswith('httproute.gateway.networking.k8s.io "reviews" deleted')
    assert page.sh("kubectl get httproutes -o name").stdout == ""
    assert set(page.refresh(30)) == {"none", "black", "red"}
