"""istio.io/latest/docs/tasks/security/authentication/authn-policy/ (Istio 1.26),
"Authentication Policy", its mutual TLS parts end to end with the real kubectl in a lab with
Istio's default profile: "Setup" (httpbin and curl with sidecars in `foo` and `bar`, without in
`legacy`), "Auto mutual TLS" (the X-Forwarded-Client-Cert header), "Globally enabling Istio
mutual TLS in STRICT mode", "Enable mutual TLS per namespace or workload" (namespace-wide,
per-workload and port-level policies, policy precedence). The page's YAML is in
authentication_policy/. "End-user authentication" is test_end_user_authentication.py.

The page injects with `istioctl kube-inject`, which the lab's istioctl does not have: `foo` and
`bar` are labelled `istio-injection=enabled` before the samples are applied instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from meshcert.mesh.security.certificates import certificate_for

if TYPE_CHECKING:
    from conftest import E2ELab

SCENARIO = "istio-default"
NAMESPACES = ("foo", "bar", "legacy")
LOOP = (
    'for from in "foo" "bar" "legacy"; do for to in "foo" "bar" "legacy"; do kubectl exec '
    '"$(kubectl get pod -l app=curl -n ${from} -o jsonpath={.items..metadata.name})" -c curl '
    '-n ${from} -- curl "http://httpbin.${to}:8000/ip" -s -o /dev/null -w '
    '"curl.${from} to httpbin.${to}: %{http_code}\\n"; done; done 2>&1'
)
RESET = "command terminated with exit code 56"


def curl_pod(ns: str) -> str:
    return f'"$(kubectl get pod -l app=curl -n {ns} -o jsonpath={{.items..metadata.name}})"'


def loop(page: E2ELab) -> list[str]:
    """The page's from/to loop, kubectl's stderr in line as a terminal shows it."""
    return page.sh(LOOP, check=False).lines


def matrix(failing: set[tuple[str, str]]) -> list[str]:
    """The loop's expected lines: 200 everywhere, `000` + exit code 56 for `failing`."""
    lines: list[str] = []
    for source in NAMESPACES:
        for target in NAMESPACES:
            if (source, target) in failing:
                lines += [f"curl.{source} to httpbin.{target}: 000", RESET]
            else:
                lines.append(f"curl.{source} to httpbin.{target}: 200")
    return lines


@pytest.fixture(scope="module", autouse=True)
def setup(lab: E2ELab) -> Iterator[None]:
    """The page's "Setup"."""
    for ns in NAMESPACES:
        lab.sh(f"kubectl create ns {ns}")
        if ns != "legacy":
            lab.sh(f"kubectl label namespace {ns} istio-injection=enabled")
        lab.sh(f"kubectl apply -f samples/httpbin/httpbin.yaml -n {ns}")
        lab.sh(f"kubectl apply -f samples/curl/curl.yaml -n {ns}")
    yield
    lab.sh("kubectl delete ns foo bar legacy")


def test_setup(page: E2ELab) -> None:
    """ "Setup": curl.bar reaches httpbin.foo; every pair answers 200; no PeerAuthentication and
    no DestinationRule host."""
    out = page.sh(f"kubectl exec {curl_pod('bar')} -c curl -n bar -- curl http://httpbin.foo:8000/ip"
                  ' -s -o /dev/null -w "%{http_code}\\n"')  # fmt: skip
    assert out.stdout == "200\n"
    assert loop(page) == matrix(set())
    out = page.sh("kubectl get peerauthentication --all-namespaces")
    assert (out.stdout, out.stderr) == ("", "No resources found\n")
    out = page.sh('kubectl get destinationrules.networking.istio.io --all-namespaces -o yaml | '
                  'grep "host:"', check=False)  # fmt: skip
    assert out.stdout == ""


def test_auto_mutual_tls(page: E2ELab) -> None:
    """ "Auto mutual TLS": httpbin.foo sees the client certificate header of curl.foo's mTLS
    connection; httpbin.legacy (no sidecar) gets plaintext and no such header."""
    jq = "jq '.headers[\"X-Forwarded-Client-Cert\"][0]'"
    out = page.sh(f"kubectl exec {curl_pod('foo')} -c curl -n foo -- curl -s "
                  f"http://httpbin.foo:8000/headers -s | {jq} "
                  "| sed 's/Hash=[a-z0-9]*;/Hash=<redacted>;/'")  # fmt: skip
    assert out.stdout == (
        '"By=spiffe://cluster.local/ns/foo/sa/httpbin;Hash=<redacted>;Subject=\\"\\";'
        'URI=spiffe://cluster.local/ns/foo/sa/curl"\n'
    )
    # the redacted Hash is the SHA-256 of curl.foo's workload certificate from the mesh CA
    out = page.sh(f"kubectl exec {curl_pod('foo')} -c curl -n foo -- curl -s "
                  f"http://httpbin.foo:8000/headers | {jq}")  # fmt: skip
    with page.cluster.lock:
        cert = certificate_for(page.cluster, "foo", "curl")
    assert cert is not None
    assert f";Hash={cert.sha256};" in out.stdout
    out = page.sh(f"kubectl exec {curl_pod('foo')} -c curl -n foo -- curl "
                  "http://httpbin.legacy:8000/headers -s | grep X-Forwarded-Client-Cert",
                  check=False)  # fmt: skip
    assert (out.stdout, out.returncode) == ("", 1)


def test_globally_enabling_istio_mutual_tls_in_strict_mode(page: E2ELab) -> None:
    """ "Globally enabling Istio mutual TLS in STRICT mode": the root-namespace policy; only
    curl.legacy's requests to the sidecars fail."""
    page.on_cleanup("kubectl delete peerauthentication -n istio-system default")
    out = page.apply_page_yaml("authentication_policy/mesh-strict.yaml")
    assert out.stdout == "peerauthentication.security.istio.io/default created\n"
    assert loop(page) == matrix({("legacy", "foo"), ("legacy", "bar")})


def test_namespace_wide_policy(page: E2ELab) -> None:
    """ "Namespace-wide policy": STRICT in foo; only curl.legacy to httpbin.foo fails."""
    page.on_cleanup("kubectl delete peerauthentication default -n foo")
    page.apply_page_yaml("authentication_policy/foo-strict.yaml")
    assert loop(page) == matrix({("legacy", "foo")})


def test_enable_mutual_tls_per_workload(page: E2ELab) -> None:
    """ "Enable mutual TLS per workload": STRICT for httpbin in bar on top of foo's policy, then
    port 8080 (the container's, not the Service's 8000) DISABLE lets curl.legacy in again;
    "Policy precedence": a workload DISABLE in foo beats the namespace's STRICT."""
    page.on_cleanup("kubectl delete peerauthentication default overwrite-example -n foo",
                    "kubectl delete peerauthentication httpbin -n bar")  # fmt: skip
    page.apply_page_yaml("authentication_policy/foo-strict.yaml")
    out = page.apply_page_yaml("authentication_policy/httpbin-strict.yaml",
                               "kubectl apply -n bar -f -")  # fmt: skip
    assert out.stdout == "peerauthentication.security.istio.io/httpbin created\n"
    assert loop(page) == matrix({("legacy", "foo"), ("legacy", "bar")})
    out = page.apply_page_yaml("authentication_policy/httpbin-port-level.yaml",
                               "kubectl apply -n bar -f -")  # fmt: skip
    assert out.stdout == "peerauthentication.security.istio.io/httpbin configured\n"
    assert loop(page) == matrix({("legacy", "foo")})
    # "Policy precedence"
    page.apply_page_yaml("authentication_policy/overwrite-example.yaml",
                         "kubectl apply -n foo -f -")  # fmt: skip
    out = page.sh(f"kubectl exec {curl_pod('legacy')} -c curl -n legacy -- curl "
                  'http://httpbin.foo:8000/ip -s -o /dev/null -w "%{http_code}\\n"')  # fmt: skip
    assert out.stdout == "200\n"


def test_port_level_mtls_needs_a_selector(page: E2ELab) -> None:
    """A namespace-wide policy with portLevelMtls is refused by the CRD's rule (what kubectl
    prints when the page's port-level policy loses its selector)."""
    text = (page.sh("cat authentication_policy/httpbin-port-level.yaml").stdout
            .replace("  selector:\n    matchLabels:\n      app: httpbin\n", ""))  # fmt: skip
    out = page.sh("kubectl apply -n bar -f -", input=text, check=False)
    assert out.returncode == 1
    assert out.stderr == (
        'The PeerAuthentication "httpbin" is invalid: spec: Invalid value: "object": '
        "portLevelMtls requires selector\n"
    )
