"""istio.io/latest/docs/tasks/traffic-management/ingress/ingress-sni-passthrough/ (Istio 1.26),
"Ingress Gateway without TLS Termination", "Istio APIs" tab, end to end with the real kubectl:
an nginx that terminates TLS itself with the page's nginx.conf and certificate, a Gateway
server in PASSTHROUGH mode and a VirtualService `tls` route on SNI (files in
ingress_sni_passthrough/, as the page writes them).

Stand-ins, said plainly (as in test_secure_gateways.py): the certificates are made with
`cryptography` in place of the page's `openssl` commands (same subjects and issuer), and the
page's last curl runs in the curl sample in a namespace without injection (`outside`), with
the CA certificate copied in. The Gateway API tab needs TLSRoute, which the lab does not serve.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from example_certs import make_leaf, make_root

if TYPE_CHECKING:
    from conftest import E2ELab

SCENARIO = "istio-default"
HERE = Path(__file__).parent / "ingress_sni_passthrough"
INGRESS = (
    "export INGRESS_NAME=istio-ingressgateway && export INGRESS_NS=istio-system && "
    'export SECURE_INGRESS_PORT=$(kubectl -n "${INGRESS_NS}" get service "${INGRESS_NAME}" '
    "-o jsonpath='{.spec.ports[?(@.name==\"https\")].nodePort}') && "
    'export INGRESS_HOST=$(kubectl get po -l istio=ingressgateway -n "${INGRESS_NS}" '
    "-o jsonpath='{.items[0].status.hostIP}') && "
)
OUTSIDE = "kubectl exec -n outside deploy/curl -c curl -- "
WELCOME = "<title>Welcome to nginx!</title>"


@pytest.fixture(scope="module")
def nginx(lab: E2ELab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The page's "Generate client and server certificates and keys" and "Deploy an NGINX
    server"; an outside client holding the CA certificate."""
    base = tmp_path_factory.mktemp("sni-passthrough")
    root = make_root(base / "example_certs", "passthrough")
    make_leaf(base / "example_certs", "nginx.example.com", "some organization", root)
    lab.sh(f"cd {base} && kubectl create secret tls nginx-server-certs "
           "--key example_certs/nginx.example.com.key "
           "--cert example_certs/nginx.example.com.crt")  # fmt: skip
    (base / "nginx.conf").write_text((HERE / "nginx.conf").read_text())
    lab.sh(f"cd {base} && kubectl create configmap nginx-configmap "
           "--from-file=nginx.conf=./nginx.conf")  # fmt: skip
    lab.apply_page_yaml("ingress_sni_passthrough/my-nginx.yaml")
    lab.sh("kubectl create namespace outside && kubectl apply -n outside -f samples/curl/curl.yaml")
    lab.sh(f"kubectl exec -i -n outside deploy/curl -c curl -- sh -c 'cat > /tmp/ca.crt' "
           f"< {base / 'example_certs/example.com.crt'}")  # fmt: skip
    yield base
    lab.sh("kubectl delete namespace outside && kubectl delete secret nginx-server-certs && "
           "kubectl delete configmap nginx-configmap && kubectl delete service my-nginx && "
           "kubectl delete deployment my-nginx")  # fmt: skip


def test_nginx_answers_over_tls_inside_its_pod(lab: E2ELab, nginx: Path) -> None:
    """The page's check from the nginx pod's istio-proxy container: curl -k to 127.0.0.1:443
    sees nginx's certificate (not verified: `-k`) and the welcome page over HTTP/1.1."""
    pods = lab.sh("kubectl get pod -l run=my-nginx")
    assert "2/2" in pods.stdout  # the pod label asked for a sidecar
    out = lab.sh('kubectl exec "$(kubectl get pod  -l run=my-nginx -o '
                 'jsonpath={.items..metadata.name})" -c istio-proxy -- curl -sS -v -k '
                 "--resolve nginx.example.com:443:127.0.0.1 https://nginx.example.com")  # fmt: skip
    assert "*  subject: CN=nginx.example.com; O=some organization\n" in out.stderr
    assert "*  issuer: O=example Inc.; CN=example.com\n" in out.stderr
    # the page shows curl 7.58's "verify result: ... continuing anyway"; curl 8 says
    assert "*  SSL certificate verification SKIPPED\n" in out.stderr
    assert "< HTTP/1.1 200 OK\n" in out.stderr
    assert "< Server: nginx/" in out.stderr
    assert WELCOME in out.stdout


def test_passthrough_gateway_hands_tls_to_nginx(page: E2ELab, nginx: Path) -> None:
    """ "Configure an ingress gateway": the PASSTHROUGH server and the `tls` route; curl with
    the page's CA verifies nginx's own certificate through the gateway and gets the page.
    A name the server does not list finds no filter chain: the gateway closes (curl 35)."""
    page.on_cleanup("kubectl delete gateway mygateway && kubectl delete virtualservice nginx")
    page.apply_page_yaml("ingress_sni_passthrough/gateway.yaml")
    page.apply_page_yaml("ingress_sni_passthrough/virtualservice.yaml")
    out = page.sh(INGRESS + OUTSIDE + 'curl -v --resolve "nginx.example.com:$SECURE_INGRESS_PORT:'
                  '$INGRESS_HOST" --cacert /tmp/ca.crt "https://nginx.example.com:'
                  '$SECURE_INGRESS_PORT"')  # fmt: skip
    assert "*  subject: CN=nginx.example.com; O=some organization\n" in out.stderr
    assert "*  SSL certificate verify ok.\n" in out.stderr
    assert "< HTTP/1.1 200 OK\n" in out.stderr
    assert "< Server: nginx/" in out.stderr
    assert WELCOME in out.stdout
    other = page.sh(INGRESS + OUTSIDE + 'curl -sS --resolve "other.example.com:'
                    '$SECURE_INGRESS_PORT:$INGRESS_HOST" --cacert /tmp/ca.crt '
                    '"https://other.example.com:$SECURE_INGRESS_PORT"', check=False)  # fmt: skip
    assert other.returncode == 35


def test_plain_http_to_the_tls_port_gets_nginx_400(lab: E2ELab, nginx: Path) -> None:
    """nginx answers a plain HTTP request on a `listen ... ssl` port with its 400 page."""
    out = lab.sh(OUTSIDE + "curl -s http://my-nginx.default:443/")
    assert "<title>400 Bad Request</title>" in out.stdout
    assert "<center>The plain HTTP request was sent to HTTPS port</center>" in out.stdout
    assert "<center><h1>400 Bad Request</h1></center>" in out.stdout
