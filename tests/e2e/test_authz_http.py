"""istio.io/latest/docs/tasks/security/authorization/authz-http/ (Istio 1.26), "HTTP Traffic",
end to end with the real kubectl: Bookinfo in the injected default namespace (the lab's
scenario), the page's policies in authz_http/ fed on stdin as the page does.

"Point your browser at the Bookinfo productpage (http://$GATEWAY_URL/productpage)": the browser
is `curl` in the curl pod through the ingress gateway's Service, as the page's own test does
(istio.io content/.../authz-http/test.sh `verify`: `curl http://istio-ingressgateway.istio-system
/productpage -sS -w "\\n%{http_code}\\n"`). As in that test, reviews is pinned to v3 (red stars)
so that the ratings call happens on every load.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

BROWSER = (
    "kubectl exec deploy/curl -c curl -- curl http://istio-ingressgateway.istio-system/productpage"
    ' -sS -w "\\n%{http_code}\\n"'
)
POLICIES = ("allow-nothing", "productpage-viewer", "details-viewer", "reviews-viewer",
            "ratings-viewer")  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def gateway(lab: E2ELab) -> Iterator[None]:
    # "Before you begin": Bookinfo reachable at $GATEWAY_URL (docs/examples/bookinfo), and the
    # page test's reviews-v3 route.
    lab.sh("kubectl apply -f samples/bookinfo/networking/bookinfo-gateway.yaml")
    lab.sh("kubectl apply -f samples/bookinfo/networking/destination-rule-all.yaml")
    lab.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-reviews-v3.yaml")
    yield
    lab.sh("kubectl delete -f samples/bookinfo/networking/virtual-service-reviews-v3.yaml")
    lab.sh("kubectl delete -f samples/bookinfo/networking/destination-rule-all.yaml")
    lab.sh("kubectl delete -f samples/bookinfo/networking/bookinfo-gateway.yaml")


def browse(page: E2ELab) -> tuple[str, str]:
    """The product page's body and status code."""
    out = page.sh(BROWSER).stdout
    body, _, code = out.rstrip("\n").rpartition("\n")
    return body, code


def test_configure_access_control_for_workloads_using_http_traffic(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-http/

    "Configure access control for workloads using HTTP traffic", step by step, then "Clean up".
    """
    page.on_cleanup(*(f"kubectl delete authorizationpolicy.security.istio.io/{name}"
                      for name in POLICIES))  # fmt: skip
    body, code = browse(page)
    assert code == "200"
    assert page.stars(body) == "red"

    # 1. allow-nothing: "You should see "RBAC: access denied""
    out = page.apply_page_yaml("authz_http/allow-nothing.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/allow-nothing created\n"
    assert browse(page) == ("RBAC: access denied", "403")

    # 2. productpage-viewer: the page, with "Error fetching product details" and "Error
    # fetching product reviews"
    out = page.apply_page_yaml("authz_http/productpage-viewer.yaml")
    assert out.stdout == "authorizationpolicy.security.istio.io/productpage-viewer created\n"
    body, code = browse(page)
    assert code == "200"
    assert "William Shakespeare" in body
    assert "Error fetching product details" in body
    assert "Error fetching product reviews" in body

    # 3., 4. details-viewer and reviews-viewer (principal bookinfo-productpage): details and
    # reviews show, "Ratings service currently unavailable"
    page.apply_page_yaml("authz_http/details-viewer.yaml")
    page.apply_page_yaml("authz_http/reviews-viewer.yaml")
    body, code = browse(page)
    assert code == "200"
    assert "PublisherA" in body  # Book Details
    assert "Error fetching product reviews" not in body
    assert "Ratings service is currently unavailable" in body
    assert page.stars(body) == "none"

    # 5. ratings-viewer (principal bookinfo-reviews): "You should see the "black" and "red"
    # ratings" (red here: reviews is pinned to v3)
    page.apply_page_yaml("authz_http/ratings-viewer.yaml")
    body, code = browse(page)
    assert code == "200"
    assert "Ratings service is currently unavailable" not in body
    assert page.stars(body) == "red"

    # the policies as kubectl lists them
    out = page.sh("kubectl get authorizationpolicies")
    assert out.lines[0].split() == ["NAME", "ACTION", "AGE"]
    assert sorted(line.split()[0] for line in out.lines[1:]) == sorted(POLICIES)


def test_a_denied_request_in_the_access_log(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/security/authorization/authz-http/ with the demo profile's
    access log: the productpage sidecar logs the 403 with Envoy's RBAC response details
    (pilot/pkg/security/authz/builder: policy `ns[default]-policy[NAME]-rule[N]`; `none` when
    no ALLOW policy matched)."""
    page.on_cleanup("kubectl delete authorizationpolicy.security.istio.io/allow-nothing")
    page.apply_page_yaml("authz_http/allow-nothing.yaml")
    assert browse(page)[1] == "403"
    log = page.sh("kubectl logs deploy/productpage-v1 -c istio-proxy | tail -1").stdout
    assert '"GET /productpage HTTP/1.1" 403 - rbac_access_denied_matched_policy[none] ' in log
