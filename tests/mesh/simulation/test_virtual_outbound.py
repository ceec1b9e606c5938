"""A sidecar's outbound traffic to a port no service of the mesh has: no 0.0.0.0:PORT HTTP
listener exists, so the virtualOutbound listener (15001) takes the connection and its TCP
proxy passes it to the original destination (ALLOW_ANY: PassthroughCluster) or drops it
(REGISTRY_ONLY: BlackHoleCluster, no hosts).

Sources: istio/istio pilot/pkg/networking/core/listener.go (buildSidecarOutboundListeners,
buildOutboundCatchAllNetworkFiltersOnly); istio.io docs/tasks/traffic-management/
egress/egress-control ("Envoy passthrough to external services", "Change to the blocking-by-
default policy").
"""

from __future__ import annotations

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster

REGISTRY_ONLY = """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy:
      mode: REGISTRY_ONLY
"""


@pytest.fixture
def cluster() -> Cluster:
    made = t.lab(namespaces=("istio-system",))
    t.httpbin(made, name="plain", sidecar=False)  # a pod answering on its IP, port 80
    t.curl_client(made)
    return made


def _plain_ip(cluster: Cluster) -> str:
    return str(t.pod_named(cluster, "default", "httpbin")["status"]["podIP"])


def test_allow_any_passes_bytes_through_untouched(cluster: Cluster) -> None:
    # port 80 has an HTTP listener (the curl Service): Envoy relays and names itself
    via_http = t.curl(cluster, "-sI", f"http://{_plain_ip(cluster)}:80/get")
    assert via_http.stdout.startswith(b"HTTP/1.1 200 OK\r\nserver: envoy\r\n")
    # port 81: no listener, so the TCP proxy connects upstream, where nothing listens; the
    # client is connected to its sidecar already and sees the reset, not a refusal
    refused = t.curl(cluster, "-sS", f"http://{_plain_ip(cluster)}:81/get")
    assert refused.exit_code == 56
    assert refused.stderr == b"curl: (56) Recv failure: Connection reset by peer\n"


def test_unknown_address_on_a_port_without_listener(cluster: Cluster) -> None:
    # curl's --connect-timeout does not apply: the connection to the sidecar is made at once;
    # the PassthroughCluster gives up after its 10 s connect timeout and the client is reset
    result = t.curl(cluster, "-sS", "--connect-timeout", "2", "-w", "%{time_total}",
                    "http://10.1.2.3:8081/")  # fmt: skip
    assert result.exit_code == 56
    assert 10.0 <= float(result.stdout) < 10.1
    timed = t.curl(cluster, "-sS", "-m", "3", "http://10.1.2.3:8081/")
    assert timed.exit_code == 28


def test_registry_only_closes_the_connection(cluster: Cluster) -> None:
    t.apply(cluster, REGISTRY_ONLY)
    # an HTTP listener on 80: the block_all route's 502
    blocked = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                     "http://httpbin.org/get")  # fmt: skip
    assert blocked.stdout == b"502"
    # no listener on 8081: BlackHoleCluster, the connection is reset
    reset = t.curl(cluster, "-sS", "http://httpbin.org:8081/get")
    assert reset.exit_code == 56
    assert reset.stderr == b"curl: (56) Recv failure: Connection reset by peer\n"
