"""istio.io/latest/docs/tasks/traffic-management/request-routing/ (Istio 1.26), "Istio APIs"
tab, end to end with the real kubectl.

The page opens the Bookinfo product page in a browser; here the browser is `curl` in the curl
pod, `kubectl exec deploy/curl -- curl -s http://productpage:9080/productpage`, and "signing in"
is the form POST to `/login` the sign-in dialog makes, with a cookie jar.
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
def destination_rules(lab: E2ELab) -> Iterator[None]:
    # docs/examples/bookinfo "Define the service versions", a prerequisite of the task.
    lab.sh("kubectl apply -f samples/bookinfo/networking/destination-rule-all.yaml")
    yield
    lab.sh("kubectl delete -f samples/bookinfo/networking/destination-rule-all.yaml")


def test_without_rules_reviews_versions_rotate(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/request-routing/

    "About this task": refreshing the page shows sometimes stars, sometimes not, because without a
    default version Istio routes to all three versions.
    """
    assert page.stars(page.sh(PAGE).stdout) in ("none", "black", "red")
    seen = page.refresh(30)
    # Envoy's default LEAST_REQUEST over three idle endpoints picks two at random and takes
    # the less loaded, i.e. uniformly here: 30 loads miss a version with probability
    # 3 * (2/3)^30 < 0.002 %; the lab's seed is fixed, so this does not flake.
    assert set(seen) == {"none", "black", "red"}


def test_route_to_version_1(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/request-routing/

    "Route to version 1": after virtual-service-all-v1.yaml the reviews part of the page displays
    with no rating stars, no matter how many times you refresh.
    """
    page.on_cleanup("kubectl delete -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    out = page.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    assert out.lines == [
        "virtualservice.networking.istio.io/productpage created",
        "virtualservice.networking.istio.io/reviews created",
        "virtualservice.networking.istio.io/ratings created",
        "virtualservice.networking.istio.io/details created",
    ]

    # $ kubectl get virtualservices -o yaml: the four routes, each to subset v1
    listed = yaml.safe_load(page.sh("kubectl get virtualservices -o yaml").stdout)
    routes = {
        item["spec"]["hosts"][0]: item["spec"]["http"][0]["route"][0]["destination"]
        for item in listed["items"]
    }
    assert routes == {
        host: {"host": host, "subset": "v1"}
        for host in ("details", "productpage", "ratings", "reviews")
    }
    assert {item["apiVersion"] for item in listed["items"]} == {"networking.istio.io/v1"}

    # $ kubectl get destinationrules -o yaml: the subsets the routes refer to
    rules = yaml.safe_load(page.sh("kubectl get destinationrules -o yaml").stdout)
    assert sorted(item["metadata"]["name"] for item in rules["items"]) == [
        "details", "productpage", "ratings", "reviews"]  # fmt: skip

    # "Open the Bookinfo site in your browser ... no matter how many times you refresh"
    titles = page.sh(PAGE + ' | grep -o "<title>.*</title>"')
    assert titles.stdout == "<title>Simple Bookstore App</title>\n"
    html = page.sh(PAGE).stdout
    assert page.stars(html) == "none"
    assert "Reviews served by: reviews-v1-" in html
    assert page.refresh(30) == {"none": 30}


def test_route_based_on_user_identity(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/request-routing/

    "Route based on user identity": with virtual-service-reviews-test-v2.yaml jason sees black star
    ratings (reviews v2); another user, or nobody, sees no stars.
    """
    page.on_cleanup("kubectl delete -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    page.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    out = page.sh(
        "kubectl apply -f samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml"
    )
    assert out.stdout == "virtualservice.networking.istio.io/reviews configured\n"

    # $ kubectl get virtualservice reviews -o yaml
    spec = yaml.safe_load(page.sh("kubectl get virtualservice reviews -o yaml").stdout)["spec"]
    assert spec == {
        "hosts": ["reviews"],
        "http": [
            {"match": [{"headers": {"end-user": {"exact": "jason"}}}],
             "route": [{"destination": {"host": "reviews", "subset": "v2"}}]},
            {"route": [{"destination": {"host": "reviews", "subset": "v1"}}]},
        ],
    }  # fmt: skip

    # "On the /productpage of the Bookinfo app, log in as user jason. Refresh the browser.
    # What do you see? The star ratings appear next to each review."
    page.login("jason")
    signed_in = PAGE.replace("curl -s ", "curl -s -b /tmp/cookies ")
    html = page.sh(signed_in).stdout
    assert page.stars(html) == "black"
    assert ">jason</p>" in html  # the navigation bar greets the signed-in user
    assert page.refresh(10, "-b /tmp/cookies") == {"black": 10}

    # "Log in as another user (pick any name you wish). Refresh the browser. Now the stars are
    # gone. This is because traffic is routed to reviews:v1 for all users except Jason."
    page.login("mary")
    assert page.refresh(10, "-b /tmp/cookies") == {"none": 10}
    assert page.refresh(10) == {"none": 10}


def test_cleanup(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/request-routing/

    "Cleanup": deleting virtual-service-all-v1.yaml removes every route, and the page rotates over
    the reviews versions again.
    """
    page.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    page.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml")
    out = page.sh("kubectl delete -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    assert out.lines == [
        f'virtualservice.networking.istio.io "{name}" deleted from default namespace'
        for name in ("productpage", "reviews", "ratings", "details")
    ]
    assert (
        page.sh("kubectl get virtualservices").stderr
        == "No resources found in default namespace.\n"
    )
    assert set(page.refresh(30)) == {"none", "black", "red"}
