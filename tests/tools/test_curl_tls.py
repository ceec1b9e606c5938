"""curl's TLS against a gateway terminating TLS: certificates from Secrets, the handshake's
outcomes and curl's exit codes and messages (istio.io docs/tasks/traffic-management/ingress/
secure-ingress; curl 8 with OpenSSL 3, lib/vtls/openssl.c; the modes of networking/v1
gateway.proto ServerTLSSettings).

The client is curl in a namespace without injection, as an outside client; certificates are
made with `cryptography` as stand-ins for the page's openssl commands (tests/support/
example_certs.py) and copied into the pod's file system.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import traffic_lab as t
from example_certs import example_certs

from meshcert.kube.cluster import Cluster
from meshcert.kube.execution import ExecResult, run_exec

GATEWAY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway, app: istio-ingressgateway}}
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.26.0
        args: [proxy, router]
        ports: [{containerPort: 8080}, {containerPort: 8443}]
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  type: NodePort
  selector: {istio: ingressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
"""
VIRTUAL_SERVICE = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin.example.com]
  gateways: [mygateway]
  http:
  - match: [{uri: {prefix: /status}}, {uri: {prefix: /delay}}]
    route:
    - destination: {port: {number: 8000}, host: httpbin}
"""


def gateway(mode: str = "SIMPLE", credential: str = "httpbin-credential", hosts: str = "",
            extra: str = "") -> str:  # fmt: skip
    return f"""
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: mygateway}}
spec:
  selector: {{istio: ingressgateway}}
  servers:
  - port: {{number: 443, name: https, protocol: HTTPS}}
    tls: {{mode: {mode}, credentialName: {credential}{extra}}}
    hosts: [{hosts or "httpbin.example.com"}]
"""


def secret(name: str, files: dict[str, Path], kind: str = "kubernetes.io/tls") -> dict[str, object]:
    data = {key: base64.b64encode(path.read_bytes()).decode() for key, path in files.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": kind,
            "data": data}  # fmt: skip


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("certs")
    example_certs(base)
    return base


@pytest.fixture
def cluster(certs: Path) -> Cluster:
    made = t.lab(namespaces=("istio-system", "outside"))
    t.httpbin(made)
    t.curl_client(made, "outside", sidecar=False)
    t.apply(made, GATEWAY)
    t.apply(made, VIRTUAL_SERVICE)
    pod = t.pod_named(made, "outside", "curl")["metadata"]["name"]
    for folder in ("example_certs1", "example_certs2"):
        for path in sorted((certs / folder).iterdir()):
            run_exec(made, "outside", pod, "curl", ["sh", "-c", f"mkdir -p {folder}; cat > "
                     f"{folder}/{path.name}"], path.read_bytes())  # fmt: skip
    return made


def tls_secret(cluster: Cluster, certs: Path, folder: str = "example_certs1",
               name: str = "httpbin-credential", with_ca: bool = False) -> None:  # fmt: skip
    files = {"tls.key": certs / folder / "httpbin.example.com.key",
             "tls.crt": certs / folder / "httpbin.example.com.crt"}  # fmt: skip
    if with_ca:
        files["ca.crt"] = certs / folder / "example.com.crt"
    t.create(cluster, secret(name, files, "kubernetes.io/tls" if not with_ca else "Opaque"),
             "istio-system")  # fmt: skip


def secure_port(cluster: Cluster) -> tuple[str, int]:
    svc = cluster.find(cluster.kind("", "services"), "istio-system", "istio-ingressgateway")
    assert svc is not None
    port = next(p["nodePort"] for p in svc["spec"]["ports"] if p["name"] == "https")
    node = cluster.list(cluster.kind("", "nodes"))[0]["status"]["addresses"][0]["address"]
    return node, port


def curl(cluster: Cluster, *args: str, host: str = "httpbin.example.com",
         path: str = "/status/418") -> ExecResult:  # fmt: skip
    address, port = secure_port(cluster)
    return t.curl(cluster, "-HHost:" + host, "--resolve", f"{host}:{port}:{address}", *args,
                  f"https://{host}:{port}{path}", namespace="outside")  # fmt: skip


def test_simple_tls_with_the_right_ca_gets_the_teapot(cluster: Cluster, certs: Path) -> None:
    # secure-ingress "Configure a TLS ingress gateway for a single host": HTTP/2 418 teapot
    tls_secret(cluster, certs)
    t.apply(cluster, gateway())
    out = curl(cluster, "-v", "--cacert", "example_certs1/example.com.crt")
    assert out.exit_code == 0, out.stderr
    assert b"-=[ teapot ]=-" in out.stdout
    err = out.stderr.decode()
    assert "< HTTP/2 418\r\n" in err, err
    assert "* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384 / X25519 / RSASSA-PSS\n" in err
    assert "* ALPN: server accepted h2\n" in err
    assert "*  subject: CN=httpbin.example.com; O=httpbin organization\n" in err
    assert "*  common name: httpbin.example.com (matched)\n" in err
    assert "*  issuer: O=example Inc.; CN=example.com\n" in err
    assert "*  SSL certificate verify ok.\n" in err
    assert "*  CAfile: example_certs1/example.com.crt\n" in err


def test_wrong_ca_fails_verification(cluster: Cluster, certs: Path) -> None:
    # the secret rotated to example_certs2 while the client still trusts example_certs1's root
    # (same subject, another key): the leaf's authority key identifier matches no trusted
    # certificate, so OpenSSL finds no issuer
    tls_secret(cluster, certs, "example_certs2")
    t.apply(cluster, gateway())
    out = curl(cluster, "-sS", "--cacert", "example_certs1/example.com.crt")
    assert out.exit_code == 60
    assert out.stderr.decode().startswith(
        "curl: (60) SSL certificate problem: unable to get local issuer certificate\n"
        "More details here: https://curl.se/docs/sslcerts.html\n"
    )
    fixed = curl(cluster, "-s", "--cacert", "example_certs2/example.com.crt")
    assert fixed.exit_code == 0
    assert b"teapot" in fixed.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(
            [],
            60,
            "SSL certificate problem: unable to get local issuer certificate",
            id="system-store",
        ),
        # curl sets X509_V_FLAG_PARTIAL_CHAIN (CURLSSLOPT_NO_PARTIALCHAIN turns it off): a
        # trusted leaf is enough
        pytest.param(
            ["--cacert", "example_certs1/httpbin.example.com.crt"], 0, "", id="leaf-as-ca"
        ),
        pytest.param(
            ["--cacert", "example_certs2/example.com.crt"],
            60,
            "SSL certificate problem: unable to get local issuer certificate",
            id="other-root-same-name",
        ),
        pytest.param(
            ["--cacert", "missing.crt"],
            77,
            "error setting certificate file: missing.crt",
            id="missing-cafile",
        ),
        pytest.param(["-k"], 0, "", id="insecure"),
    ],
)
def test_server_verification(cluster: Cluster, certs: Path, args: list[str], code: int,
                             message: str) -> None:  # fmt: skip
    tls_secret(cluster, certs)
    t.apply(cluster, gateway())
    out = curl(cluster, "-sS", *args)
    assert out.exit_code == code, out.stderr
    if message:
        assert out.stderr.decode().startswith(f"curl: ({code}) {message}\n")
    else:
        assert b"teapot" in out.stdout


def test_hostname_mismatch(cluster: Cluster, certs: Path) -> None:
    # the server certificate is for httpbin.example.com; a wildcard server answers other SNIs
    tls_secret(cluster, certs)
    t.apply(cluster, gateway(hosts='"*"'))
    t.apply(cluster, VIRTUAL_SERVICE.replace("httpbin.example.com", "other.example.com")
            .replace("name: httpbin", "name: other"))  # fmt: skip
    out = curl(cluster, "-sS", "--cacert", "example_certs1/example.com.crt",
               host="other.example.com")  # fmt: skip
    assert out.exit_code == 60
    assert out.stderr.decode().startswith(
        "curl: (60) SSL: certificate subject name 'httpbin.example.com' does not match target "
        "hostname 'other.example.com'\n"
    )


def test_sni_without_a_matching_server_closes_the_connection(cluster: Cluster,
                                                             certs: Path) -> None:  # fmt: skip
    tls_secret(cluster, certs)
    t.apply(cluster, gateway())
    out = curl(cluster, "-sS", "--cacert", "example_certs1/example.com.crt",
               host="helloworld.example.com", path="/hello")  # fmt: skip
    _, port = secure_port(cluster)
    assert out.exit_code == 35
    assert out.stderr.decode() == (
        "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to "
        f"helloworld.example.com:{port}\n"
    )


def test_missing_credential_closes_the_connection(cluster: Cluster) -> None:
    t.apply(cluster, gateway())
    out = curl(cluster, "-sS", "-k")
    assert out.exit_code == 35


def test_generic_secret_with_cert_and_key(cluster: Cluster, certs: Path) -> None:
    files = {"key": certs / "example_certs1" / "httpbin.example.com.key",
             "cert": certs / "example_certs1" / "httpbin.example.com.crt"}  # fmt: skip
    t.create(cluster, secret("httpbin-credential", files, "Opaque"), "istio-system")
    t.apply(cluster, gateway())
    out = curl(cluster, "-s", "--cacert", "example_certs1/example.com.crt")
    assert out.exit_code == 0
    assert b"teapot" in out.stdout


class TestMutual:
    """secure-ingress "Configure a mutual TLS ingress gateway"."""

    def test_without_a_client_certificate(self, cluster: Cluster, certs: Path) -> None:
        tls_secret(cluster, certs, with_ca=True)
        t.apply(cluster, gateway("MUTUAL"))
        out = curl(cluster, "-v", "--cacert", "example_certs1/example.com.crt")
        assert out.exit_code == 56
        err = out.stderr.decode()
        assert "* TLSv1.3 (IN), TLS handshake, Request CERT (13):\n" in err
        assert err.endswith(
            "curl: (56) OpenSSL SSL_read: OpenSSL/3.5.4: error:0A00045C:SSL routines::tlsv13 "
            "alert certificate required, errno 0\n"
        )

    def test_with_a_client_certificate(self, cluster: Cluster, certs: Path) -> None:
        tls_secret(cluster, certs, with_ca=True)
        t.apply(cluster, gateway("MUTUAL"))
        out = curl(cluster, "-s", "--cacert", "example_certs1/example.com.crt",
                   "--cert", "example_certs1/client.example.com.crt",
                   "--key", "example_certs1/client.example.com.key")  # fmt: skip
        assert out.exit_code == 0, out.stderr
        assert b"-=[ teapot ]=-" in out.stdout

    def test_client_certificate_from_another_ca(self, cluster: Cluster, certs: Path) -> None:
        tls_secret(cluster, certs, with_ca=True)
        t.apply(cluster, gateway("MUTUAL"))
        out = curl(cluster, "-sS", "--cacert", "example_certs1/example.com.crt",
                   "--cert", "example_certs2/httpbin.example.com.crt",
                   "--key", "example_certs2/httpbin.example.com.key")  # fmt: skip
        assert out.exit_code == 56
        assert "tlsv1 alert unknown ca, errno 0" in out.stderr.decode()

    def test_ca_in_a_separate_cacert_secret(self, cluster: Cluster, certs: Path) -> None:
        tls_secret(cluster, certs)
        files = {"cacert": certs / "example_certs1" / "example.com.crt"}
        t.create(cluster, secret("httpbin-credential-cacert", files, "Opaque"), "istio-system")
        t.apply(cluster, gateway("MUTUAL"))
        out = curl(cluster, "-s", "--cacert", "example_certs1/example.com.crt",
                   "--cert", "example_certs1/client.example.com.crt",
                   "--key", "example_certs1/client.example.com.key")  # fmt: skip
        assert out.exit_code == 0
        assert b"teapot" in out.stdout

    def test_optional_mutual_accepts_no_certificate(self, cluster: Cluster, certs: Path) -> None:
        tls_secret(cluster, certs, with_ca=True)
        t.apply(cluster, gateway("OPTIONAL_MUTUAL"))
        out = curl(cluster, "-s", "--cacert", "example_certs1/example.com.crt")
        assert out.exit_code == 0
        assert b"teapot" in out.stdout

    def test_client_key_must_match(self, cluster: Cluster, certs: Path) -> None:
        tls_secret(cluster, certs, with_ca=True)
        t.apply(cluster, gateway("MUTUAL"))
        out = curl(cluster, "-sS", "--cacert", "example_certs1/example.com.crt",
                   "--cert", "example_certs1/client.example.com.crt",
                   "--key", "example_certs1/httpbin.example.com.key")  # fmt: skip
        assert out.exit_code == 58
        assert out.stderr.decode() == (
            "curl: (58) Private key does not match the certificate public key\n"
        )


def test_min_protocol_version(cluster: Cluster, certs: Path) -> None:
    # gateway minProtocolVersion TLSV1_3 against a client capped at TLS 1.2
    tls_secret(cluster, certs)
    t.apply(cluster, gateway(extra=", minProtocolVersion: TLSV1_3"))
    ok = curl(cluster, "-s", "--cacert", "example_certs1/example.com.crt")
    assert ok.exit_code == 0
    capped = curl(cluster, "-sS", "--tls-max", "1.2", "--cacert",
                  "example_certs1/example.com.crt")  # fmt: skip
    assert capped.exit_code == 35
    assert "tlsv1 alert protocol version" in capped.stderr.decode()


def test_https_redirect(cluster: Cluster, certs: Path) -> None:
    # gateway.proto httpsRedirect: a plain HTTP server answers 301 to https://host/path
    t.apply(cluster, """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: mygateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [httpbin.example.com]
    tls: {httpsRedirect: true}
""")  # fmt: skip
    svc = cluster.find(cluster.kind("", "services"), "istio-system", "istio-ingressgateway")
    assert svc is not None
    port = next(p["nodePort"] for p in svc["spec"]["ports"] if p["name"] == "http2")
    address, _ = secure_port(cluster)
    out = t.curl(cluster, "-s", "-I", "-HHost:httpbin.example.com",
                 f"http://{address}:{port}/status/418", namespace="outside")  # fmt: skip
    text = out.stdout.decode()
    assert text.startswith("HTTP/1.1 301 Moved Permanently\r\n")
    assert "location: https://httpbin.example.com/status/418\r\n" in text


def test_plain_http_to_a_tls_only_port_gets_an_empty_reply(cluster: Cluster, certs: Path) -> None:
    # no filter chain takes plaintext on a port whose servers all speak TLS
    tls_secret(cluster, certs)
    t.apply(cluster, gateway())
    address, port = secure_port(cluster)
    out = t.curl(cluster, "-sS", "-HHost:httpbin.example.com",
                 f"http://{address}:{port}/status/418", namespace="outside")  # fmt: skip
    assert out.exit_code == 52
    assert out.stderr.decode() == "curl: (52) Empty reply from server\n"


def test_passthrough_to_a_backend_without_tls(cluster: Cluster) -> None:
    # PASSTHROUGH hands the TLS connection to the backend; httpbin speaks plain HTTP
    t.apply(cluster, gateway("PASSTHROUGH").replace("protocol: HTTPS", "protocol: TLS")
            .replace(", credentialName: httpbin-credential", ""))  # fmt: skip
    out = curl(cluster, "-sS", "-k")
    assert out.exit_code == 35


ISTIOD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system, labels: {app: istiod}}
spec:
  selector: {matchLabels: {app: istiod}}
  template:
    metadata: {labels: {app: istiod}}
    spec:
      containers: [{name: discovery, image: docker.io/istio/pilot:1.26.2}]
"""


def test_istio_mutual_presents_the_gateway_workload_certificate(cluster: Cluster) -> None:
    # ISTIO_MUTUAL: the gateway's own SPIFFE certificate, client certificates from the mesh CA
    t.apply(cluster, ISTIOD)
    t.apply(cluster, gateway("ISTIO_MUTUAL").replace(", credentialName: httpbin-credential", ""))
    root = cluster.find(cluster.kind("", "configmaps"), "outside", "istio-ca-root-cert")
    assert root is not None
    pod = t.pod_named(cluster, "outside", "curl")["metadata"]["name"]
    run_exec(cluster, "outside", pod, "curl", ["sh", "-c", "cat > root-cert.pem"],
             root["data"]["root-cert.pem"].encode())  # fmt: skip
    named = curl(cluster, "-sS", "--cacert", "root-cert.pem")
    assert named.exit_code == 60
    assert named.stderr.decode().startswith(
        "curl: (60) SSL: unable to obtain common name from peer certificate\n"
    )
    anonymous = curl(cluster, "-sS", "-k")
    assert anonymous.exit_code == 56
    assert "tlsv13 alert certificate required" in anonymous.stderr.decode()
