"""istio.io/latest/docs/tasks/traffic-management/fault-injection/ (Istio 1.26), end to end with
the real kubectl.

The page signs in as jason in a browser and reads the page and its load time in the browser's
developer tools; here `curl` in the curl pod signs in (a cookie jar) and `-w %{time_total}`
reports the load time. The lab's time scale is 0, so the simulated seconds are reported, not
waited for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from conftest import E2ELab

# fault-injection "Before you begin": all traffic to v1, jason's to reviews:v2
BEFORE_YOU_BEGIN = (
    "kubectl apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml && "
    "kubectl apply -f samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml"
)
SIGNED_IN = (
    "kubectl exec deploy/curl -c curl -- curl -s -b /tmp/cookies "
    "-w '\\ntime_total=%{time_total}\\n' http://productpage:9080/productpage"
)


def load(page: E2ELab) -> tuple[str, float]:
    """The signed-in product page and how long it took to load (virtual seconds)."""
    html, _, timing = page.sh(SIGNED_IN).stdout.rstrip("\n").rpartition("\n")
    assert timing.startswith("time_total="), timing
    return html, float(timing.removeprefix("time_total="))


@pytest.fixture(scope="module", autouse=True)
def before_you_begin(lab: E2ELab) -> Iterator[None]:
    """istio.io/latest/docs/tasks/traffic-management/fault-injection/

    "Before you begin": Bookinfo with the default destination rules, then all traffic to v1 and
    jason's traffic to reviews:v2.
    """
    lab.sh("kubectl apply -f samples/bookinfo/networking/destination-rule-all.yaml")
    lab.sh(BEFORE_YOU_BEGIN)
    yield
    # fault-injection "Cleanup"
    lab.sh("kubectl delete -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    lab.sh("kubectl delete -f samples/bookinfo/networking/destination-rule-all.yaml")


def test_request_flow_before_faults(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/fault-injection/

    "Before you begin": productpage -> reviews:v2 -> ratings for jason (black stars), productpage ->
    reviews:v1 (no ratings call) for everyone else.
    """
    page.login("jason")
    html, _ = load(page)
    assert page.stars(html) == "black"
    assert page.refresh(5) == {"none": 5}


def test_injecting_an_http_delay_fault(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/fault-injection/

    "Injecting an HTTP delay fault" and "Testing the delay configuration": a 7 s delay between
    reviews:v2 and ratings for jason; the page does not load in about 7 s without errors, it loads
    in about 6 s and the Reviews section says "Sorry, product reviews are currently unavailable for
    this book." ("Understanding what happened": productpage's timeout toward reviews is 3 s plus one
    retry, 6 s in total; reviews:v2 waits 10 s for ratings.)
    """
    page.on_cleanup(BEFORE_YOU_BEGIN)
    out = page.sh(
        "kubectl apply -f samples/bookinfo/networking/virtual-service-ratings-test-delay.yaml"
    )
    assert out.stdout == "virtualservice.networking.istio.io/ratings configured\n"

    # $ kubectl get virtualservice ratings -o yaml (the page's output, fields in kubectl's order)
    spec = yaml.safe_load(page.sh("kubectl get virtualservice ratings -o yaml").stdout)["spec"]
    assert spec == {
        "hosts": ["ratings"],
        "http": [
            {"fault": {"delay": {"fixedDelay": "7s", "percentage": {"value": 100}}},
             "match": [{"headers": {"end-user": {"exact": "jason"}}}],
             "route": [{"destination": {"host": "ratings", "subset": "v1"}}]},
            {"route": [{"destination": {"host": "ratings", "subset": "v1"}}]},
        ],
    }  # fmt: skip

    page.login("jason")
    html, seconds = load(page)
    assert "Error fetching product reviews" in html
    assert "Sorry, product reviews are currently unavailable for this book." in html
    assert page.stars(html) == "none"
    # "You will see that the page actually loads in about 6 seconds": two 3 s attempts
    assert 6.0 <= seconds < 6.5, seconds

    # everyone else goes to reviews:v1, which never calls ratings: no delay, no error
    page.login("mary")
    html, seconds = load(page)
    assert "unavailable" not in html
    assert seconds < 1.0


def test_injecting_an_http_abort_fault(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/fault-injection/

    "Injecting an HTTP abort fault" and "Testing the abort configuration": an HTTP 500 abort on
    ratings for jason; the page loads immediately with "Ratings service is currently unavailable";
    signed out (or as anyone else) there is no error message.
    """
    page.on_cleanup(BEFORE_YOU_BEGIN)
    page.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-ratings-test-abort.yaml")

    # $ kubectl get virtualservice ratings -o yaml
    spec = yaml.safe_load(page.sh("kubectl get virtualservice ratings -o yaml").stdout)["spec"]
    assert spec["http"][0] == {
        "fault": {"abort": {"httpStatus": 500, "percentage": {"value": 100}}},
        "match": [{"headers": {"end-user": {"exact": "jason"}}}],
        "route": [{"destination": {"host": "ratings", "subset": "v1"}}],
    }

    page.login("jason")
    html, seconds = load(page)
    assert "Ratings service is currently unavailable" in html
    assert "Book Reviews" in html  # the reviews themselves are there, without stars
    assert seconds < 1.0  # "the page loads immediately"

    # "If you log out from user jason or open the Bookinfo application in an anonymous window
    # ... you will not see any error message."
    anonymous = page.sh(
        "kubectl exec deploy/curl -c curl -- curl -s http://productpage:9080/productpage"
    )
    assert "unavailable" not in anonymous.stdout
