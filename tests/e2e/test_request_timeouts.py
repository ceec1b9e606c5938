"""istio.io/latest/docs/tasks/traffic-management/request-timeouts/ (Istio 1.26), end to end with
the real kubectl.

The page refreshes /productpage in a browser and notices how long it takes; here `curl` in the
curl pod loads it and `-w %{time_total}` reports the (virtual) load time. The page's inline
YAML is in request_timeouts/, applied as the page does, on stdin.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

PAGE = (
    "kubectl exec deploy/curl -c curl -- curl -s "
    "-w '\\ntime_total=%{time_total}\\n' http://productpage:9080/productpage"
)


def load(page: E2ELab) -> tuple[str, float]:
    html, _, timing = page.sh(PAGE).stdout.rstrip("\n").rpartition("\n")
    assert timing.startswith("time_total="), timing
    return html, float(timing.removeprefix("time_total="))


@pytest.fixture(scope="module", autouse=True)
def before_you_begin(lab: E2ELab) -> Iterator[None]:
    """istio.io/latest/docs/tasks/traffic-management/request-timeouts/

    "Before you begin": Bookinfo with its destination rules, all to v1.
    """
    lab.sh("kubectl apply -f samples/bookinfo/networking/destination-rule-all.yaml")
    lab.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    yield
    # request-timeouts "Cleanup"
    lab.sh("kubectl delete -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    lab.sh("kubectl delete -f samples/bookinfo/networking/destination-rule-all.yaml")


def test_request_timeouts(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/request-timeouts/

    "Request timeouts": with reviews:v2 and a 2 s delay on ratings the page works normally (black
    stars) but takes 2 s; with a 0.5 s timeout on reviews it returns in about 1 s (productpage's
    hard-coded retry calls reviews twice) and the reviews are unavailable.
    """
    page.on_cleanup("kubectl apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml")

    # 1. Route requests to v2 of the reviews service (one that calls ratings)
    out = page.apply_page_yaml("request_timeouts/reviews-v2.yaml")
    assert out.stdout == "virtualservice.networking.istio.io/reviews configured\n"
    # 2. Add a 2 second delay to calls to the ratings service
    out = page.apply_page_yaml("request_timeouts/ratings-delay-2s.yaml")
    assert out.stdout == "virtualservice.networking.istio.io/ratings configured\n"

    # 3. "You should see the Bookinfo application working normally (with ratings stars
    # displayed), but there is a 2 second delay whenever you refresh the page."
    html, seconds = load(page)
    assert page.stars(html) == "black"
    assert "unavailable" not in html
    assert 2.0 <= seconds < 2.5, seconds

    # 4. Now add a half second request timeout for calls to the reviews service
    out = page.apply_page_yaml("request_timeouts/reviews-v2-timeout.yaml")
    assert out.stdout == "virtualservice.networking.istio.io/reviews configured\n"

    # 5. "You should now see that it returns in about 1 second, instead of 2, and the reviews
    # are unavailable."
    html, seconds = load(page)
    assert "Sorry, product reviews are currently unavailable for this book." in html
    assert 1.0 <= seconds < 1.5, seconds
    assert page.refresh(10) == {"unavailable": 10}

    # "Understanding what happened": each call from productpage to reviews ends with Envoy's
    # 504 after the 0.5 s timeout; productpage's sidecar logs it with the UT flag
    direct = page.sh(
        "kubectl exec deploy/productpage-v1 -c productpage -- "
        "curl -s -o /dev/null -w '%{http_code} %{time_total}' http://reviews:9080/reviews/0"
    )
    code, took = direct.stdout.split()
    assert code == "504"
    assert 0.5 <= float(took) < 0.6
    log = page.sh("kubectl logs deploy/productpage-v1 -c istio-proxy | grep reviews | tail -1")
    assert '" 504 UT ' in log.stdout, log.stdout
