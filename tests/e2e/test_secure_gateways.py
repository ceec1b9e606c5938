"""istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/ (Istio 1.26), "Secure
Gateways", "Istio APIs" tab, end to end with the real kubectl: the httpbin sample (in the
lab's scenario, with the demo profile's istio-ingressgateway), secrets made with the page's
`kubectl create -n istio-system secret ...` commands, the page's Gateways and VirtualServices
(in secure_gateways/, fed on stdin as the page does).

Stand-ins, said plainly:
- the page makes its certificates with `openssl` on the user's machine; the test makes the
  same ones with `cryptography` (tests/support/example_certs.py: same subjects, issuers,
  key sizes, key identifiers) in a temporary directory the commands run in;
- the page runs `curl` on the user's machine; the lab's addresses exist only inside the
  simulation, so curl runs in the curl sample in a namespace without injection (`outside`),
  with the certificates copied into its file system (`kubectl cp`, and `kubectl exec -i ...
  -- sh -c 'cat > f' < f`).
  The lab's curl is curl 8 with OpenSSL 3: where the page prints an older LibreSSL or OpenSSL
  1.1 error text, the test asserts what curl 8 with OpenSSL 3 prints for the same failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from example_certs import example_certs

if TYPE_CHECKING:
    from conftest import E2ELab

HERE = Path(__file__).parent
INGRESS = (
    "export INGRESS_NAME=istio-ingressgateway && export INGRESS_NS=istio-system && "
    'export SECURE_INGRESS_PORT=$(kubectl -n "${INGRESS_NS}" get service "${INGRESS_NAME}" '
    "-o jsonpath='{.spec.ports[?(@.name==\"https\")].nodePort}') && "
    'export INGRESS_HOST=$(kubectl get po -l istio=ingressgateway -n "${INGRESS_NS}" '
    "-o jsonpath='{.items[0].status.hostIP}') && "
)
OUTSIDE = "kubectl exec -n outside deploy/curl -c curl -- "
# The page's outputs show the teapot art of the old kennethreitz/httpbin; the sample it
# applies (samples/httpbin/httpbin.yaml, go-httpbin since Istio 1.23) answers /status/418 with
# this text (mccutchen/go-httpbin httpbin/handlers.go), which is what a 1.26 cluster shows.
TEAPOT = "I'm a teapot!"
CERT_FILES = (
    "example_certs1/example.com.crt",
    "example_certs1/client.example.com.crt",
    "example_certs1/client.example.com.key",
    "example_certs2/example.com.crt",
)


@pytest.fixture(scope="module")
def certs(lab: E2ELab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The page's "Generate client and server certificates and keys", and the outside client
    with the files curl reads."""
    base = tmp_path_factory.mktemp("secure-ingress")
    example_certs(base)
    lab.sh("kubectl create namespace outside && kubectl apply -n outside -f samples/curl/curl.yaml")
    pod = "$(kubectl get pod -n outside -l app=curl -o jsonpath='{.items[0].metadata.name}')"
    lab.sh(f"cd {base} && kubectl cp example_certs1 outside/{pod}:/tmp/example_certs1 -c curl")
    name = CERT_FILES[-1]  # and one file the other way candidates copy with
    lab.sh(f"kubectl exec -i -n outside deploy/curl -c curl -- sh -c 'mkdir -p /tmp/"
           f"example_certs2 && cat > /tmp/{name}' < {base / name}")  # fmt: skip
    listed = lab.sh(OUTSIDE + "ls /tmp/example_certs1")
    assert "client.example.com.key" in listed.lines
    back = base / "copied-back.crt"
    lab.sh(f"kubectl cp outside/{pod}:/tmp/example_certs1/example.com.crt {back} -c curl")
    assert back.read_bytes() == (base / "example_certs1/example.com.crt").read_bytes()
    yield base
    lab.sh("kubectl delete namespace outside")


def in_certs(certs: Path, command: str) -> str:
    """`command` as the page runs it, in the directory holding example_certs1 and 2."""
    return f"cd {certs} && {command}"


def curl_https(host: str, path: str, *options: str) -> str:
    """The page's curl, run in the outside client (files under /tmp)."""
    return (
        INGRESS + OUTSIDE + f"curl -v -HHost:{host} "
        f'--resolve "{host}:$SECURE_INGRESS_PORT:$INGRESS_HOST" '
        + " ".join(options)
        + f' "https://{host}:$SECURE_INGRESS_PORT{path}"'
    )


CLEANUP = (
    "kubectl delete gateways.networking.istio.io mygateway",
    "kubectl delete virtualservice httpbin helloworld --ignore-not-found",
    "kubectl delete --ignore-not-found -n istio-system secret httpbin-credential "
    "helloworld-credential",
)


def single_host(page: E2ELab, certs: Path, folder: str = "example_certs1") -> None:
    page.sh(in_certs(certs, "kubectl create -n istio-system secret tls httpbin-credential "
                     f"--key={folder}/httpbin.example.com.key "
                     f"--cert={folder}/httpbin.example.com.crt"))  # fmt: skip
    page.apply_page_yaml("secure_gateways/gateway-simple.yaml")
    page.apply_page_yaml("secure_gateways/virtualservice-httpbin.yaml")


def test_tls_ingress_gateway_for_a_single_host(page: E2ELab, certs: Path) -> None:
    """istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/

    "Configure a TLS ingress gateway for a single host": the secret from the server
    certificate, a SIMPLE Gateway for httpbin.example.com, and curl with the CA certificate
    gets `HTTP/2 418` and the teapot.
    """
    page.on_cleanup(*CLEANUP)
    single_host(page, certs)
    out = page.sh(curl_https("httpbin.example.com", "/status/418",
                             "--cacert /tmp/example_certs1/example.com.crt"))  # fmt: skip
    assert out.stdout == TEAPOT
    assert "< HTTP/2 418\n" in out.stderr
    assert "*  subject: CN=httpbin.example.com; O=httpbin organization\n" in out.stderr
    assert "*  issuer: O=example Inc.; CN=example.com\n" in out.stderr
    assert "*  SSL certificate verify ok.\n" in out.stderr


def test_rotated_credential(page: E2ELab, certs: Path) -> None:
    """istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/

    The secret replaced by example_certs2's: curl trusting example_certs2's CA gets the
    teapot; trusting example_certs1's CA it fails to verify the server (the page shows an old
    LibreSSL text; curl 8 with OpenSSL 3 exits 60).
    """
    page.on_cleanup(*CLEANUP)
    single_host(page, certs)
    page.sh(in_certs(certs, "kubectl -n istio-system delete secret httpbin-credential && "
                     "kubectl create -n istio-system secret tls httpbin-credential "
                     "--key=example_certs2/httpbin.example.com.key "
                     "--cert=example_certs2/httpbin.example.com.crt"))  # fmt: skip
    new = page.sh(curl_https("httpbin.example.com", "/status/418",
                             "--cacert /tmp/example_certs2/example.com.crt"))  # fmt: skip
    assert new.stdout == TEAPOT
    assert "< HTTP/2 418\n" in new.stderr
    old = page.sh(curl_https("httpbin.example.com", "/status/418",
                             "--cacert /tmp/example_certs1/example.com.crt"),
                  check=False)  # fmt: skip
    assert old.returncode == 60
    assert ("curl: (60) SSL certificate problem: unable to get local issuer certificate\n"
            in old.stderr)  # fmt: skip


def test_tls_ingress_gateway_for_multiple_hosts(page: E2ELab, certs: Path) -> None:
    """istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/

    "Configure a TLS ingress gateway for multiple hosts": helloworld-v1 behind a second
    server with its own credential; each host gets its own certificate by SNI.
    """
    page.on_cleanup(*CLEANUP, "kubectl delete deployment helloworld-v1 --ignore-not-found",
                    "kubectl delete service helloworld --ignore-not-found")  # fmt: skip
    page.sh(in_certs(certs, "kubectl create -n istio-system secret tls httpbin-credential "
                     "--key=example_certs1/httpbin.example.com.key "
                     "--cert=example_certs1/httpbin.example.com.crt"))  # fmt: skip
    page.sh("kubectl apply -f samples/helloworld/helloworld.yaml -l service=helloworld && "
            "kubectl apply -f samples/helloworld/helloworld.yaml -l version=v1")  # fmt: skip
    page.sh(in_certs(certs, "kubectl create -n istio-system secret tls helloworld-credential "
                     "--key=example_certs1/helloworld.example.com.key "
                     "--cert=example_certs1/helloworld.example.com.crt"))  # fmt: skip
    page.apply_page_yaml("secure_gateways/gateway-multiple-hosts.yaml")
    page.apply_page_yaml("secure_gateways/virtualservice-helloworld.yaml")
    page.apply_page_yaml("secure_gateways/virtualservice-httpbin.yaml")
    hello = page.sh(curl_https("helloworld.example.com", "/hello",
                               "--cacert /tmp/example_certs1/example.com.crt"))  # fmt: skip
    assert "< HTTP/2 200\n" in hello.stderr
    assert "*  subject: CN=helloworld.example.com; O=helloworld organization\n" in hello.stderr
    assert hello.stdout.startswith("Hello version: v1, instance: helloworld-v1-")
    teapot = page.sh(curl_https("httpbin.example.com", "/status/418",
                                "--cacert /tmp/example_certs1/example.com.crt"))  # fmt: skip
    assert teapot.stdout == TEAPOT


def test_mutual_tls_ingress_gateway(page: E2ELab, certs: Path) -> None:
    """istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/

    "Configure a mutual TLS ingress gateway": the credential with the CA certificate
    (`ca.crt`), a MUTUAL Gateway; curl without a client certificate gets the server's
    `certificate required` alert (curl 56), with the client certificate the teapot.
    """
    page.on_cleanup(*CLEANUP)
    page.sh(in_certs(certs, "kubectl create -n istio-system secret generic httpbin-credential "
                     "--from-file=tls.key=example_certs1/httpbin.example.com.key "
                     "--from-file=tls.crt=example_certs1/httpbin.example.com.crt "
                     "--from-file=ca.crt=example_certs1/example.com.crt"))  # fmt: skip
    page.apply_page_yaml("secure_gateways/gateway-mutual.yaml")
    page.apply_page_yaml("secure_gateways/virtualservice-httpbin.yaml")
    refused = page.sh(curl_https("httpbin.example.com", "/status/418",
                                 "--cacert /tmp/example_certs1/example.com.crt"),
                      check=False)  # fmt: skip
    assert refused.returncode == 56
    lines = refused.stderr.splitlines()
    expected = [
        "* TLSv1.3 (OUT), TLS handshake, Client hello (1):",
        "* TLSv1.3 (IN), TLS handshake, Server hello (2):",
        "* TLSv1.3 (IN), TLS handshake, Encrypted Extensions (8):",
        "* TLSv1.3 (IN), TLS handshake, Request CERT (13):",
        "* TLSv1.3 (IN), TLS handshake, Certificate (11):",
        "* TLSv1.3 (IN), TLS handshake, CERT verify (15):",
        "* TLSv1.3 (IN), TLS handshake, Finished (20):",
        "* TLSv1.3 (OUT), TLS change cipher, Change cipher spec (1):",
        "* TLSv1.3 (OUT), TLS handshake, Certificate (11):",
        "* TLSv1.3 (OUT), TLS handshake, Finished (20):",
        "* TLSv1.3 (IN), TLS alert, unknown (628):",
    ]
    shown = [line for line in lines if line in expected]
    assert shown == expected
    message = ("OpenSSL SSL_read: OpenSSL/3.5.4: error:0A00045C:SSL routines::tlsv13 alert "
               "certificate required, errno 0")  # fmt: skip
    assert f"* {message}" in lines
    assert lines[-2:] == [f"curl: (56) {message}", "command terminated with exit code 56"]
    accepted = page.sh(curl_https("httpbin.example.com", "/status/418",
                                  "--cacert /tmp/example_certs1/example.com.crt",
                                  "--cert /tmp/example_certs1/client.example.com.crt",
                                  "--key /tmp/example_certs1/client.example.com.key"))  # fmt: skip
    assert accepted.stdout == TEAPOT


def test_troubleshooting_secrets(page: E2ELab, certs: Path) -> None:
    """istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/

    "Troubleshooting": `kubectl -n istio-system get secrets` lists the credentials.
    """
    page.on_cleanup(*CLEANUP)
    single_host(page, certs)
    out = page.sh("kubectl -n istio-system get secrets")
    rows = {line.split()[0]: line.split()[1] for line in out.lines[1:]}
    assert rows["httpbin-credential"] == "kubernetes.io/tls"
    assert rows["istio-ca-secret"] == "istio.io/ca-root"
