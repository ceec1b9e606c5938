"""istio.io/latest/docs/tasks/traffic-management/tcp-traffic-shifting/ (Istio 1.26), "Istio
APIs" tab, end to end with the real kubectl, in a lab with Istio's demo profile (which has the
ingress gateway and its tcp port 31400).

"Determining the ingress IP and ports" (ingress-control page): the lab's LoadBalancer Services
stay `<pending>` as on a cluster without an external load balancer, so the page's node-port
variant applies: TCP_INGRESS_PORT is the node port of the gateway Service's `tcp` port and
INGRESS_HOST the gateway pod's host IP. The page runs `nc` in the curl pod, as here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from conftest import E2ELab

SCENARIO = "istio-demo"
NS = "istio-io-tcp-traffic-shifting"
INGRESS = (
    "export INGRESS_NAME=istio-ingressgateway && export INGRESS_NS=istio-system && "
    'export TCP_INGRESS_PORT=$(kubectl -n "${INGRESS_NS}" get service "${INGRESS_NAME}" '
    "-o jsonpath='{.spec.ports[?(@.name==\"tcp\")].nodePort}') && "
    'export INGRESS_HOST=$(kubectl get po -l istio=ingressgateway -n "${INGRESS_NS}" '
    "-o jsonpath='{.items[0].status.hostIP}') && "
)
CURL_POD = f"$(kubectl get pod -l app=curl -n {NS} -o jsonpath={{.items..metadata.name}})"
ECHO = re.compile(r"^(one|two) \w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2} UTC \d{4}$")


def page_loop(page: E2ELab, times: int) -> list[str]:
    """The page's loop, as written (each iteration holds the connection open for 1 s)."""
    out = page.sh(
        INGRESS + f"for i in $(seq 1 {times}); do "
        f'kubectl exec "{CURL_POD}" -c curl -n {NS} -- '
        'sh -c "(date; sleep 1) | nc $INGRESS_HOST $TCP_INGRESS_PORT"; done'
    )
    assert all(ECHO.match(line) for line in out.lines), out.lines
    return [line.split()[0] for line in out.lines]


def in_pod_loop(page: E2ELab, times: int) -> Counter[str]:
    """The same connections from one `kubectl exec` (without the 1 s pause, which only keeps
    the connection open and costs wall time): how many answered `one` and `two`."""
    out = page.sh(
        INGRESS + f'kubectl exec "{CURL_POD}" -c curl -n {NS} -- sh -c '
        f'"for i in \\$(seq 1 {times}); do date | nc $INGRESS_HOST $TCP_INGRESS_PORT; done"'
    )
    assert all(ECHO.match(line) for line in out.lines), out.lines
    return Counter(line.split()[0] for line in out.lines)


@pytest.fixture(scope="module", autouse=True)
def environment(lab: E2ELab) -> Iterator[None]:
    """istio.io/latest/docs/tasks/traffic-management/tcp-traffic-shifting/

    "Set up the test environment"; "Cleanup" afterwards.
    """
    assert lab.sh(f"kubectl create namespace {NS}").stdout == f"namespace/{NS} created\n"
    lab.sh(f"kubectl apply -f samples/curl/curl.yaml -n {NS}")
    out = lab.sh(f"kubectl apply -f samples/tcp-echo/tcp-echo-services.yaml -n {NS}")
    assert out.lines == [
        "service/tcp-echo created",
        "deployment.apps/tcp-echo-v1 created",
        "deployment.apps/tcp-echo-v2 created",
    ]
    yield
    lab.sh(f"kubectl delete -f samples/curl/curl.yaml -n {NS}")
    lab.sh(f"kubectl delete -f samples/tcp-echo/tcp-echo-services.yaml -n {NS}")
    lab.sh(f"kubectl delete namespace {NS}")


def test_apply_weight_based_tcp_routing(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/tcp-traffic-shifting/

    "Apply weight-based TCP routing": all connections to tcp-echo v1 ("one ..."), then 20 % to v2
    ("two ...").
    """
    page.on_cleanup(f"kubectl delete -f samples/tcp-echo/tcp-echo-all-v1.yaml -n {NS}")

    # 1. route all TCP traffic to v1
    out = page.sh(f"kubectl apply -f samples/tcp-echo/tcp-echo-all-v1.yaml -n {NS}")
    assert out.lines == [
        "gateway.networking.istio.io/tcp-echo-gateway created",
        "destinationrule.networking.istio.io/tcp-echo-destination created",
        "virtualservice.networking.istio.io/tcp-echo created",
    ]

    # 2. "Determine the ingress IP and port": no external load balancer in the lab
    svc = page.sh("kubectl get svc istio-ingressgateway -n istio-system --no-headers")
    assert svc.stdout.split()[1:4:2] == ["LoadBalancer", "<pending>"]

    # 3. "Confirm that the tcp-echo service is up and running by sending some TCP traffic ...
    # You should notice that all the timestamps have a prefix of one": the page loops 20
    # times with a 1 s pause each; 2 literal iterations, then 50 connections in the pod
    assert page_loop(page, 2) == ["one", "one"]
    assert in_pod_loop(page, 50) == {"one": 50}

    # 4. transfer 20 % of the traffic from tcp-echo:v1 to tcp-echo:v2
    page.sh(f"kubectl apply -f samples/tcp-echo/tcp-echo-20-v2.yaml -n {NS}")

    # 5. $ kubectl get virtualservice tcp-echo -o yaml -n istio-io-tcp-traffic-shifting
    spec = yaml.safe_load(page.sh(f"kubectl get virtualservice tcp-echo -o yaml -n {NS}").stdout)
    assert spec["spec"]["tcp"] == [{
        "match": [{"port": 31400}],
        "route": [
            {"destination": {"host": "tcp-echo", "port": {"number": 9000}, "subset": "v1"},
             "weight": 80},
            {"destination": {"host": "tcp-echo", "port": {"number": 9000}, "subset": "v2"},
             "weight": 20},
        ],
    }]  # fmt: skip

    # 6. "You should now notice that about 20% of the timestamps have a prefix of two, which
    # means that 80% of the TCP traffic was routed to the v1 version of the tcp-echo service,
    # while 20% was routed to v2." 200 connections: two ~ Binomial(200, 0.2), mean 40, sd 5.7;
    # 40 +- 20 is 3.5 sd (and the lab's draws are seeded, so the run is reproducible)
    seen = in_pod_loop(page, 200)
    assert set(seen) == {"one", "two"}
    assert 20 <= seen["two"] <= 60, seen
    assert set(page_loop(page, 1)) <= {"one", "two"}
