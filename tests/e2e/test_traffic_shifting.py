"""istio.io/latest/docs/tasks/traffic-management/traffic-shifting/ (Istio 1.26), "Istio APIs"
tab, end to end with the real kubectl.

The page refreshes /productpage in a browser; here `curl` in the curl pod loads it (see
test_request_routing.py): no stars is reviews v1, red stars reviews v3.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from conftest import E2ELab


@pytest.fixture(scope="module", autouse=True)
def destination_rules(lab: E2ELab) -> Iterator[None]:
    # docs/examples/bookinfo "Define the service versions", a prerequisite of the task.
    lab.sh("kubectl apply -f samples/bookinfo/networking/destination-rule-all.yaml")
    yield
    lab.sh("kubectl delete -f samples/bookinfo/networking/destination-rule-all.yaml")


def test_apply_weight_based_routing(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/traffic-shifting/

    "Apply weight-based routing": all traffic to v1 (no stars), then 50 % to v3 (red stars about
    half the time), then all to v3 (red stars every time).
    """
    page.on_cleanup("kubectl delete -f samples/bookinfo/networking/virtual-service-all-v1.yaml")

    # 1. route all traffic to v1; "notice that the reviews part of the page displays with no
    # rating stars, no matter how many times you refresh"
    page.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    assert page.refresh(20) == {"none": 20}

    # 2. transfer 50 % of the traffic from reviews:v1 to reviews:v3
    out = page.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-reviews-50-v3.yaml")
    assert out.stdout == "virtualservice.networking.istio.io/reviews configured\n"

    # 3. $ kubectl get virtualservice reviews -o yaml
    spec = yaml.safe_load(page.sh("kubectl get virtualservice reviews -o yaml").stdout)["spec"]
    assert spec == {
        "hosts": ["reviews"],
        "http": [{"route": [
            {"destination": {"host": "reviews", "subset": "v1"}, "weight": 50},
            {"destination": {"host": "reviews", "subset": "v3"}, "weight": 50},
        ]}],
    }  # fmt: skip

    # 4. "Refresh the /productpage in your browser and you now see red colored star ratings
    # approximately 50% of the time."  200 loads: v3 ~ Binomial(200, 0.5), sd 7.1; 100 +- 30
    # is over 4 sd, and the lab's random draws are seeded, so the count is also reproducible.
    seen = page.refresh(200)
    assert set(seen) == {"none", "red"}
    assert 70 <= seen["red"] <= 130, seen

    # 5. "Assuming you decide that the reviews:v3 microservice is stable, you can route 100% of
    # the traffic to reviews:v3 ... Now when you refresh the /productpage you will always see
    # book reviews with red colored star ratings for each review."
    page.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-reviews-v3.yaml")
    assert page.refresh(20) == {"red": 20}


def test_cleanup(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/traffic-shifting/

    "Cleanup": delete the application routing rules.
    """
    page.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    page.sh("kubectl apply -f samples/bookinfo/networking/virtual-service-reviews-v3.yaml")
    page.sh("kubectl delete -f samples/bookinfo/networking/virtual-service-all-v1.yaml")
    assert page.sh("kubectl get virtualservices -o name").stdout == ""
    assert set(page.refresh(30)) == {"none", "black", "red"}
