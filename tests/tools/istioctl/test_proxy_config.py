"""`istioctl proxy-config` on the shipped bookinfo scenario: the Envoy view synthesized from
the pushed configuration, printed as istioctl 1.26 prints it (istioctl/pkg/writer/envoy/
configdump: cluster.go `SERVICE FQDN PORT SUBSET DIRECTION TYPE DESTINATION RULE`, tabwriter
padding 5; route.go `NAME VHOST NAME DOMAINS MATCH VIRTUAL SERVICE`; testdata/secret/istio/
output for the secret columns)."""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from running_api import RunningApi

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import apply_manifests, load_scenario, seed
from meshcert.mesh.security.ca import mesh_ca
from meshcert.mesh.security.certificates import workload_certificate
from meshcert.mesh.view import MeshView
from meshcert.tools.istioctl.program import run_istioctl

from .conftest import Istioctl

TESTDATA = Path(__file__).parent / "proxy_config_testdata"

REVIEWS = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
"""


def seeded(scenario: str = "bookinfo") -> Cluster:
    """A new lab from a shipped scenario (for tests that change it)."""
    c = new_cluster()
    seed(c, load_scenario(scenario))
    return c


@pytest.fixture(scope="module")
def lab() -> Cluster:
    return seeded()


def _apply(c: Cluster, text: str) -> None:
    apply_manifests(c, [d for d in yaml.safe_load_all(text) if d], "test")


def _pod(c: Cluster, prefix: str, namespace: str = "default") -> str:
    names = sorted(p["metadata"]["name"] for p in c.list(c.kind("", "pods"), namespace))
    return next(n for n in names if n.startswith(prefix))


def pc(c: Cluster, *argv: str) -> str:
    code, out, err = run_istioctl(c, list(argv))
    assert code == 0, err
    assert err == ""
    return out


def test_cluster_rows_for_reviews_before_and_after_a_destination_rule() -> None:
    c = seeded()
    pp = _pod(c, "productpage-v1")
    assert pc(c, "proxy-config", "cluster", pp, "--fqdn", "reviews") == (
        "SERVICE FQDN                          PORT     SUBSET     DIRECTION     TYPE     "
        "DESTINATION RULE\n"
        "reviews.default.svc.cluster.local     9080     -          outbound      EDS      \n"
    )
    _apply(c, REVIEWS)
    assert pc(c, "pc", "cluster", f"{pp}.default", "--fqdn", "reviews") == (
        "SERVICE FQDN                          PORT     SUBSET     DIRECTION     TYPE     "
        "DESTINATION RULE\n"
        "reviews.default.svc.cluster.local     9080     -          outbound      EDS      "
        "reviews.default\n"
        "reviews.default.svc.cluster.local     9080     v1         outbound      EDS      "
        "reviews.default\n"
        "reviews.default.svc.cluster.local     9080     v2         outbound      EDS      "
        "reviews.default\n"
    )
    # filters are substring tests on the cluster name (ClusterFilter.Verify)
    subset = pc(c, "pc", "cluster", pp, "--fqdn", "reviews", "--subset", "v2")
    assert subset.splitlines()[1:] == [
        "reviews.default.svc.cluster.local     9080     v2         outbound      EDS      "
        "reviews.default"
    ]
    inbound = pc(c, "pc", "cluster", pp, "--direction", "inbound")
    assert inbound.splitlines()[1].split() == ["9080", "-", "inbound", "ORIGINAL_DST"]


def test_full_cluster_listing_has_the_static_and_passthrough_clusters(lab: Cluster) -> None:
    out = pc(lab, "pc", "cluster", f"deploy/{'productpage-v1'}")
    names = [line.split()[0] for line in out.splitlines()[2:]]
    for static in (
        "BlackHoleCluster",
        "InboundPassthroughCluster",
        "PassthroughCluster",
        "agent",
        "prometheus_stats",
        "sds-grpc",
        "xds-grpc",
        "details.default.svc.cluster.local",
        "kubernetes.default.svc.cluster.local",
    ):
        assert static in names
    # sorted as istioctl sorts: by FQDN (byte order), then subset, port, direction
    assert names == sorted(names)
    assert "     9080      -          inbound       ORIGINAL_DST     \n" in out


def test_route_shows_the_virtual_service() -> None:
    c = seeded()
    _apply(c, REVIEWS)
    out = pc(c, "pc", "route", _pod(c, "productpage-v1"), "--name", "9080")
    lines = out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == [
        "NAME",
        "VHOST NAME",
        "DOMAINS",
        "MATCH",
        "VIRTUAL SERVICE",
    ]
    reviews = [line.split() for line in lines if "reviews.default.svc.cluster.local:9080" in line]
    assert reviews == [
        [
            "9080",
            "reviews.default.svc.cluster.local:9080",
            "reviews,",
            "reviews.default",
            "+",
            "1",
            "more...",
            "/api*",
            "reviews.default",
        ],
        [
            "9080",
            "reviews.default.svc.cluster.local:9080",
            "reviews,",
            "reviews.default",
            "+",
            "1",
            "more...",
            "/*",
            "reviews.default",
        ],
    ]
    details = next(line for line in lines if "details.default" in line)
    assert details.rstrip().endswith("/*")  # no VirtualService: the default route
    # only route table 9080 (`--name`); allow_any's passthrough route is not listed
    assert {line.split()[0] for line in lines[1:]} == {"9080"}


def test_route_lists_inbound_and_static_route_tables(lab: Cluster) -> None:
    out = pc(lab, "pc", "routes", _pod(lab, "reviews-v1"))
    rows = [line.split() for line in out.splitlines()[1:]]
    assert ["inbound|9080||", "inbound|http|9080", "*", "/*"] in rows
    assert ["backend", "*", "/stats/prometheus*"] in rows
    assert ["backend", "*", "/healthz/ready*"] in rows


def test_secret_shows_the_workload_certificate_and_the_root(lab: Cluster) -> None:
    pod = _pod(lab, "ratings-v1")
    out = pc(lab, "pc", "secret", pod)
    lines = out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == [
        "RESOURCE NAME",
        "TYPE",
        "STATUS",
        "VALID CERT",
        "SERIAL NUMBER",
        "NOT AFTER",
        "NOT BEFORE",
    ]
    assert lines[0].startswith("RESOURCE NAME     TYPE           STATUS     VALID CERT     ")
    with lab.lock:
        view = MeshView.of(lab)
        workload = view.workload("default", pod)
        assert workload is not None
        cert = workload_certificate(view, workload)
        ca = mesh_ca(view)
    assert cert is not None
    assert ca is not None
    default = lines[1].split()
    assert default[:5] == ["default", "Cert", "Chain", "ACTIVE", "true"]
    leaf = x509.load_der_x509_certificate(cert.der)
    assert default[5] == format(leaf.serial_number, "x")
    assert default[6] == leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert default[7] == leaf.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    root = lines[2].split()
    assert root[:4] == ["ROOTCA", "CA", "ACTIVE", "true"]
    assert root[4] == format(ca.cert.serial_number, "x")
    # -o json: the secrets config dump with the real PEMs (the key redacted as Envoy does)
    dump = json.loads(pc(lab, "pc", "secret", pod, "-o", "json"))
    active = {s["name"]: s["secret"] for s in dump["dynamicActiveSecrets"]}
    chain = base64.b64decode(active["default"]["tlsCertificate"]["certificateChain"]["inlineBytes"])
    assert chain.decode() == cert.chain_pem


def test_listener_rows(lab: Cluster) -> None:
    pod = _pod(lab, "productpage-v1")
    out = pc(lab, "pc", "listener", pod, "--port", "9080")
    assert out == (
        "ADDRESSES PORT MATCH                                DESTINATION\n"
        "0.0.0.0   9080 Trans: raw_buffer; App: http/1.1,h2c Route: 9080\n"
        "0.0.0.0   9080 ALL                                  PassthroughCluster\n"
    )
    virtual = pc(lab, "pc", "listener", pod, "--port", "15006")
    assert "Trans: raw_buffer; App: http/1.1,h2c; Addr: *:9080 " in virtual
    assert "Cluster: inbound|9080||" in virtual
    assert "InboundPassthroughCluster" in virtual
    tcp = pc(lab, "pc", "listener", pod, "--port", "443", "--type", "tcp")
    assert "Cluster: outbound|443||kubernetes.default.svc.cluster.local" in tcp


def test_endpoint_rows(lab: Cluster) -> None:
    name = "outbound|9080||ratings.default.svc.cluster.local"
    out = pc(lab, "pc", "endpoint", _pod(lab, "productpage-v1"), "--cluster", name)
    lines = out.splitlines()
    assert lines[0].split() == ["ENDPOINT", "STATUS", "OUTLIER", "CHECK", "CLUSTER"]
    ip = next(p for p in lab.list(lab.kind("", "pods"), "default") if p["metadata"]["name"]
              .startswith("ratings"))["status"]["podIP"]  # fmt: skip
    assert lines[1].split() == [f"{ip}:9080", "HEALTHY", "OK", name]


def test_bootstrap_node_id(lab: Cluster) -> None:
    pod = _pod(lab, "details-v1")
    data: dict[str, Any] = json.loads(pc(lab, "pc", "bootstrap", pod))
    obj = lab.get(lab.kind("", "pods"), "default", pod)
    ip = obj["status"]["podIP"]
    node = data["bootstrap"]["node"]
    assert node["id"] == f"sidecar~{ip}~{pod}.default~default.svc.cluster.local"
    assert node["metadata"]["NAMESPACE"] == "default"
    assert node["metadata"]["SERVICE_ACCOUNT"] == "bookinfo-details"


def test_log_level_changes(lab: Cluster) -> None:
    """proxyconfig.go logCmd: `POD.NS:` then Envoy's /logging answer; `--level L` sets every
    logger, `name:L` (or `name=L`) one; `-r` back to warning."""
    pod = _pod(lab, "details-v1")
    out = pc(lab, "pc", "log", pod, "--level", "rbac:debug")
    assert out.startswith(f"{pod}.default:\nactive loggers:\n  admin: warning\n")
    assert "  rbac: debug\n" in out
    assert "  http: warning\n" in out
    assert "  misc: error\n" in out
    out = pc(lab, "pc", "log", pod, "--level", "info,http=trace")
    assert "  rbac: info\n" in out
    assert "  http: trace\n" in out
    out = pc(lab, "pc", "log", pod, "-r")
    assert "  rbac: warning\n" in out
    assert "  misc: warning\n" in out
    for argv, message in (
        (["--level", "loud"], "unrecognized logging level: loud"),
        (["--level", "nosuch:debug"], "unrecognized logger name: nosuch"),
        (["--level", "info", "-r"], "--level cannot be combined with --reset"),
        (["-o", "json"], "--output is not applicable for this command"),
    ):
        code, _, err = run_istioctl(lab, ["pc", "log", pod, *argv])
        assert code == 1
        assert err == f"Error: {message}\n"


def test_errors(lab: Cluster) -> None:
    code, out, err = run_istioctl(lab, ["pc", "cluster", "x"])
    assert code == 1
    assert out == ""
    assert err == (
        "Error: failed to execute command on x.default sidecar: failure running port forward "
        'process: failed retrieving: pods "x" not found in the "default" namespace\n'
    )
    code, _, err = run_istioctl(lab, ["pc", "endpoint", "x"])
    assert err.startswith("Error: failed to execute command on Envoy: failure running port")
    code, _, err = run_istioctl(lab, ["pc", "cluster", "toolbox", "-n", "kube-system"])
    assert code == 1
    assert 'pods "toolbox" not found in the "kube-system"' in err
    istiod = _pod(lab, "istiod", "istio-system")
    code, _, err = run_istioctl(lab, ["pc", "cluster", f"{istiod}.istio-system"])
    assert code == 1
    assert "has no istio-proxy container" in err
    code, _, err = run_istioctl(lab, ["pc", "cluster"])
    assert code == 1
    assert err == "Error: cluster requires pod name or --file parameter\n"


def test_gateway_clusters_and_json(lab: Cluster) -> None:
    gw = _pod(lab, "istio-ingressgateway", "istio-system")
    out = pc(lab, "pc", "cluster", f"{gw}.istio-system")
    assert "PassthroughCluster" not in out
    assert "productpage.default.svc.cluster.local" in out
    dump = json.loads(pc(lab, "pc", "cluster", f"{gw}.istio-system", "-o", "json"))
    assert any(c["name"] == "outbound|9080||productpage.default.svc.cluster.local" for c in dump)
    assert yaml.safe_load(pc(lab, "pc", "all", f"{gw}.istio-system", "-o", "yaml"))["configs"]


GATEWAY = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo, namespace: default}
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
  - match: [{uri: {exact: /productpage}}, {uri: {prefix: /static}}]
    route: [{destination: {host: productpage, port: {number: 9080}}}]
"""


def test_ingress_gateway_route_and_listener() -> None:
    c = seeded()
    _apply(c, GATEWAY)
    gw = _pod(c, "istio-ingressgateway", "istio-system")
    assert pc(c, "pc", "route", f"{gw}.istio-system", "--name", "http.8080") == (
        "NAME          VHOST NAME     DOMAINS     MATCH            VIRTUAL SERVICE\n"
        "http.8080     *:80           *           /productpage     bookinfo.default\n"
        "http.8080     *:80           *           /static*         bookinfo.default\n"
    )
    assert pc(c, "pc", "listener", gw, "-n", "istio-system", "--port", "8080") == (
        "ADDRESSES PORT MATCH DESTINATION\n0.0.0.0   8080 ALL   Route: http.8080\n"
    )


PASSTHROUGH_AND_TCP = """
apiVersion: v1
kind: Service
metadata: {name: my-nginx, namespace: default}
spec:
  ports: [{port: 443, protocol: TCP}]
  selector: {run: my-nginx}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: mygateway, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    tls: {mode: PASSTHROUGH}
    hosts: [nginx.example.com, unrouted.example.com]
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: nginx, namespace: default}
spec:
  hosts: [nginx.example.com]
  gateways: [mygateway]
  tls:
  - match: [{port: 443, sniHosts: [nginx.example.com]}]
    route: [{destination: {host: my-nginx, port: {number: 443}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tcp, namespace: default}
spec:
  hosts: ["*"]
  gateways: [mygateway]
  tcp:
  - match: [{port: 31400}]
    route: [{destination: {host: my-nginx, port: {number: 443}}}]
"""


def test_gateway_passthrough_and_tcp_listeners() -> None:
    """istio.io docs/tasks/traffic-management/ingress/ingress-sni-passthrough and tcp-traffic-
    shifting: a PASSTHROUGH server gives the gateway listener one `SNI: host` chain per routed
    host with the tls route's cluster (pilot/pkg/networking/core/gateway.go
    buildGatewayNetworkFiltersFromTLSRoutes; a host no route claims gets no chain), a TCP
    server an `ALL` chain with the tcp route's cluster (describeListener prints `Cluster: X`
    for a tcp_proxy)."""
    c = seeded("istio-demo")
    _apply(c, PASSTHROUGH_AND_TCP)
    gw = _pod(c, "istio-ingressgateway", "istio-system")
    listeners = pc(c, "pc", "listener", gw, "-n", "istio-system")
    nginx = "Cluster: outbound|443||my-nginx.default.svc.cluster.local"
    assert listeners == (
        "ADDRESSES PORT  MATCH                  DESTINATION\n"
        f"0.0.0.0   8443  SNI: nginx.example.com {nginx}\n"
        "0.0.0.0   15021 ALL                    Inline Route: /healthz/ready*\n"
        "0.0.0.0   15090 ALL                    Inline Route: /stats/prometheus*\n"
        f"0.0.0.0   31400 ALL                    {nginx}\n"
    )


def test_a_stopped_istiod_leaves_proxies_with_the_old_config() -> None:
    """The push model (docs/mesh.md): with istiod scaled to 0 the DestinationRule applied
    afterwards never reaches the sidecar, so its subsets do not show; back up, they do."""
    c = seeded()
    pp = _pod(c, "productpage-v1")
    kind = c.kind("apps", "deployments")

    def scale(replicas: int) -> None:
        dep = copy.deepcopy(c.get(kind, "istio-system", "istiod"))
        dep["spec"]["replicas"] = replicas
        c.update(kind, dep, "istio-system")

    scale(0)
    _apply(c, REVIEWS)
    frozen = pc(c, "pc", "cluster", pp, "--fqdn", "reviews")
    assert len(frozen.splitlines()) == 2
    assert "reviews.default" not in frozen.splitlines()[1].split()[-1:]
    scale(1)
    assert len(pc(c, "pc", "cluster", pp, "--fqdn", "reviews").splitlines()) == 4


def test_sidecar_egress_scoping_limits_the_clusters() -> None:
    c = seeded()
    _apply(
        c,
        """
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress:
  - hosts: ["./*"]
""",
    )
    out = pc(c, "pc", "cluster", _pod(c, "productpage-v1"), "--direction", "outbound")
    fqdns = {line.split()[0] for line in out.splitlines()[1:]}
    assert fqdns == {
        "details.default.svc.cluster.local",
        "kubernetes.default.svc.cluster.local",
        "productpage.default.svc.cluster.local",
        "ratings.default.svc.cluster.local",
        "reviews.default.svc.cluster.local",
    }


def test_help_and_bad_output(lab: Cluster) -> None:
    code, out, _ = run_istioctl(lab, ["pc"])
    assert code == 0
    assert "Available Commands:" in out
    assert "cluster" in out
    code, _, err = run_istioctl(lab, ["pc", "cluster", _pod(lab, "ratings-v1"), "-o", "wide"])
    assert code == 1
    assert "wide" in err


def test_from_the_candidates_machine_and_a_pod(
    istioctl: Istioctl, istioctl_in_pod: Istioctl, api: RunningApi
) -> None:
    """`meshcert istioctl pc ...` (the shim of `meshcert lab env`) and `kubectl exec ... --
    istioctl pc ...` print the same table for an injected pod of a served lab."""
    istioctl("install", "-y")
    api.ok("label", "namespace", "default", "istio-injection=enabled")
    api.ok("create", "deployment", "web", "--image=docker.io/kennethreitz/httpbin")
    api.ok("expose", "deployment", "web", "--port=80")
    pod = api.ok("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}")
    local = istioctl("pc", "cluster", pod, "--fqdn", "web")
    assert local == (
        "SERVICE FQDN                      PORT     SUBSET     DIRECTION     TYPE     "
        "DESTINATION RULE\n"
        "web.default.svc.cluster.local     80       -          outbound      EDS      \n"
    )
    assert istioctl_in_pod("pc", "cluster", f"{pod}.default", "--fqdn", "web") == local


def _tls_secret(name: str, host: str) -> tuple[dict[str, Any], x509.Certificate]:
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": name, "namespace": "istio-system"},
        "data": {
            "tls.crt": base64.b64encode(pem).decode(),
            "tls.key": base64.b64encode(key_pem).decode(),
        },
    }
    return secret, cert


def test_gateway_secret_shows_the_credential_and_a_missing_one_warming() -> None:
    c = seeded()
    secret, cert = _tls_secret("bookinfo-credential", "bookinfo.example.com")
    c.create(c.kind("", "secrets"), secret)
    _apply(
        c,
        """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: secure, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [bookinfo.example.com]
    tls: {mode: SIMPLE, credentialName: bookinfo-credential}
  - port: {number: 443, name: https-missing, protocol: HTTPS}
    hosts: [other.example.com]
    tls: {mode: SIMPLE, credentialName: missing-credential}
""",
    )
    gw = _pod(c, "istio-ingressgateway", "istio-system")
    lines = pc(c, "pc", "secret", f"{gw}.istio-system").splitlines()
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["kubernetes://bookinfo-credential"][1:6] == [
        "Cert",
        "Chain",
        "ACTIVE",
        "true",
        format(cert.serial_number, "x"),
    ]
    assert rows["kubernetes://missing-credential"] == [
        "kubernetes://missing-credential",
        "WARMING",
        "false",
    ]
    assert set(rows) == {
        "default",
        "ROOTCA",
        "kubernetes://bookinfo-credential",
        "kubernetes://missing-credential",
    }
    _apply(
        c,
        """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo, namespace: default}
spec:
  hosts: [bookinfo.example.com]
  gateways: [secure]
  http:
  - route: [{destination: {host: productpage, port: {number: 9080}}}]
""",
    )
    assert pc(c, "pc", "listener", f"{gw}.istio-system", "--port", "8443") == (
        "ADDRESSES PORT MATCH                     DESTINATION\n"
        "0.0.0.0   8443 SNI: bookinfo.example.com Route: https.443.https.secure.default\n"
        "0.0.0.0   8443 SNI: other.example.com    "
        "Route: https.443.https-missing.secure.default\n"
    )
    routes = pc(c, "pc", "route", f"{gw}.istio-system", "--name", "https.443.https.secure.default")
    assert routes.splitlines()[1].split() == [
        "https.443.https.secure.default",
        "bookinfo.example.com:443",
        "bookinfo.example.com",
        "/*",
        "bookinfo.default",
    ]


def test_service_entry_dns_cluster_and_its_endpoint() -> None:
    c = seeded()
    _apply(
        c,
        """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: cnn, namespace: default}
spec:
  hosts: [edition.cnn.com]
  ports:
  - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
  location: MESH_EXTERNAL
""",
    )
    pod = _pod(c, "productpage-v1")
    out = pc(c, "pc", "cluster", pod, "--fqdn", "cnn")
    assert out.splitlines()[1].split() == ["edition.cnn.com", "443", "-", "outbound", "STRICT_DNS"]
    name = "outbound|443||edition.cnn.com"
    rows = pc(c, "pc", "endpoint", pod, "--cluster", name).splitlines()[1:]
    assert len(rows) == 1
    assert rows[0].split()[1:] == ["HEALTHY", "OK", name]
    assert rows[0].split()[0].endswith(":443")
    address = rows[0].split()[0].rpartition(":")[0]
    assert pc(c, "pc", "endpoint", pod, "--address", address).splitlines()[1:] == rows


def test_wildcard_service_entry_cluster_and_sni_listener() -> None:
    c = seeded()
    _apply(
        c,
        """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: wiki, namespace: default}
spec:
  hosts: ["*.wikipedia.org"]
  ports:
  - {number: 443, name: tls, protocol: TLS}
  resolution: NONE
  location: MESH_EXTERNAL
""",
    )
    pod = _pod(c, "productpage-v1")
    out = pc(c, "pc", "cluster", pod, "--fqdn", "wikipedia")
    assert out.splitlines()[1].split() == [
        "*.wikipedia.org",
        "443",
        "-",
        "outbound",
        "ORIGINAL_DST",
    ]
    listeners = pc(c, "pc", "listener", pod, "--port", "443", "--address", "0.0.0.0")
    assert listeners.splitlines()[1].split() == [
        "0.0.0.0",
        "443",
        "SNI:",
        "*.wikipedia.org",
        "Cluster:",
        "outbound|443||*.wikipedia.org",
    ]


def test_waypoint_and_ztunnel_are_said_to_be_unmodelled() -> None:
    from meshcert.kube import gateway_api

    c = new_cluster()
    seed(c, load_scenario("base"))
    gateway_api.install(c)
    assert run_istioctl(c, ["install", "--set", "profile=ambient", "-y"])[0] == 0
    assert run_istioctl(c, ["waypoint", "apply", "-n", "default", "--wait"])[0] == 0
    waypoint = _pod(c, "waypoint")
    code, _, err = run_istioctl(c, ["pc", "cluster", waypoint])
    assert code == 1
    assert f"pod {waypoint}.default is a waypoint" in err
    ztunnel = _pod(c, "ztunnel", "istio-system")
    code, _, err = run_istioctl(c, ["pc", "cluster", f"{ztunnel}.istio-system"])
    assert code == 1
    assert "is a ztunnel" in err


def test_productpage_cluster_listing_golden() -> None:
    """The whole `pc cluster` of productpage once reviews has a DestinationRule with subsets
    v1 and v2 (no addresses or pod names appear, so the text is stable)."""
    c = seeded()
    _apply(c, REVIEWS)
    expected = (TESTDATA / "productpage_clusters.txt").read_text()
    assert pc(c, "pc", "cluster", _pod(c, "productpage-v1")) == expected


def test_bootstrap_short_and_rootca_compare(lab: Cluster) -> None:
    out = pc(lab, "pc", "bootstrap", _pod(lab, "details-v1"), "-o", "short")
    assert out.splitlines()[0] == "Istio Version:       1.26.2"
    a, b = _pod(lab, "details-v1"), _pod(lab, "ratings-v1")
    assert pc(lab, "pc", "rc", a, f"{b}.default") == (
        f"Both [{a}.default] and [{b}.default] have the identical ROOTCA, theoretically the "
        "connectivity between them is available\n"
    )
    code, _, err = run_istioctl(lab, ["pc", "rootca-compare", a])
    assert code == 1
    assert err == "Error: rootca-compare requires 2 pods as an argument\n"
