"""istio.io docs/tasks/traffic-management/egress/egress-tls-origination: the DestinationRule
that originates TLS for edition.cnn.com applies to port 80 only (`portLevelSettings`), since
the app's own `https://` requests on port 443 already carry TLS. A rule originating TLS on
every port wraps the app's TLS in the sidecar's: the site answers the app's ClientHello in
plain HTTP and curl fails with OpenSSL's `wrong version number` (exit 35)."""

from __future__ import annotations

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster

SERVICE_ENTRY = """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: edition-cnn-com}
spec:
  hosts: [edition.cnn.com]
  ports:
  - {number: 80, name: http-port, protocol: HTTP, targetPort: 443}
  - {number: 443, name: https-port, protocol: HTTPS}
  resolution: DNS
"""
PORT_80_ONLY = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: edition-cnn-com}
spec:
  host: edition.cnn.com
  trafficPolicy:
    portLevelSettings:
    - port: {number: 80}
      tls: {mode: SIMPLE}
"""
EVERY_PORT = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: edition-cnn-com}
spec:
  host: edition.cnn.com
  trafficPolicy:
    tls: {mode: SIMPLE}
"""


@pytest.fixture
def cluster() -> Cluster:
    made = t.lab()
    t.curl_client(made)
    t.apply(made, SERVICE_ENTRY)
    return made


def test_the_pages_rule_leaves_https_alone(cluster: Cluster) -> None:
    t.apply(cluster, PORT_80_ONLY)
    plain = t.curl(cluster, "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                   "http://edition.cnn.com/politics")  # fmt: skip
    assert plain.stdout == b"200"
    https = t.curl(cluster, "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                   "https://edition.cnn.com/politics")  # fmt: skip
    assert https.stdout == b"200"


def test_tls_on_every_port_breaks_the_apps_own_https(cluster: Cluster) -> None:
    t.apply(cluster, EVERY_PORT)
    https = t.curl(cluster, "-sS", "-o", "/dev/null", "https://edition.cnn.com/politics")
    assert https.exit_code == 35
    assert https.stderr == (b"curl: (35) OpenSSL/3.5.4: error:0A00010B:SSL routines::wrong "
                            b"version number\n")  # fmt: skip
    plain = t.curl(cluster, "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                   "http://edition.cnn.com/politics")  # fmt: skip
    assert plain.stdout == b"200"  # port 80 still originates as intended
