"""istio.io/latest/docs/tasks/security/authentication/mtls-migration/ (Istio 1.26), "Mutual
TLS Migration", end to end with the real kubectl in a lab with Istio's default profile: httpbin
and curl with sidecars in `foo` and `bar`, curl without one in `legacy`; STRICT mutual TLS for
`foo`, then for the whole mesh; the page's from/to loop after each step.

The page injects with `istioctl kube-inject`, which the lab's istioctl does not have: here the
namespaces are labelled `istio-injection=enabled` before the samples are applied, which gives the
pods the same sidecars. The page's tcpdump step (packets on the wire) is not modelled.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import E2ELab

SCENARIO = "istio-default"
LOOP = (
    'for from in "foo" "bar" "legacy"; do for to in "foo" "bar"; do kubectl exec '
    '"$(kubectl get pod -l app=curl -n ${from} -o jsonpath={.items..metadata.name})" -c curl '
    "-n ${from} -- curl http://httpbin.${to}:8000/ip -s -o /dev/null -w "
    '"curl.${from} to httpbin.${to}: %{http_code}\\n"; done; done 2>&1'
)
RESET = "command terminated with exit code 56"


def loop(page: E2ELab) -> list[str]:
    """The page's loop; kubectl's `command terminated ...` (stderr) in line, as a terminal
    shows it."""
    return page.sh(LOOP, check=False).lines


@pytest.fixture(scope="module", autouse=True)
def setup(lab: E2ELab) -> Iterator[None]:
    """The page's "Set up the cluster"."""
    for ns in ("foo", "bar"):
        lab.sh(f"kubectl create ns {ns} && kubectl label namespace {ns} istio-injection=enabled")
        lab.sh(f"kubectl apply -f samples/httpbin/httpbin.yaml -n {ns}")
        lab.sh(f"kubectl apply -f samples/curl/curl.yaml -n {ns}")
    lab.sh("kubectl create ns legacy")
    lab.sh("kubectl apply -f samples/curl/curl.yaml -n legacy")
    yield
    # "Clean up the example"
    lab.sh("kubectl delete ns foo bar legacy")


def test_setup_every_client_reaches_both_servers(page: E2ELab) -> None:
    """The page's "Verify the setup": all 200; no PeerAuthentication, no DestinationRule."""
    containers = "jsonpath='{.items[0].spec.containers[*].name}'"
    out = page.sh(f"kubectl get pod -n foo -l app=httpbin -o {containers}")
    assert out.stdout == "httpbin istio-proxy"
    assert loop(page) == [
        "curl.foo to httpbin.foo: 200",
        "curl.foo to httpbin.bar: 200",
        "curl.bar to httpbin.foo: 200",
        "curl.bar to httpbin.bar: 200",
        "curl.legacy to httpbin.foo: 200",
        "curl.legacy to httpbin.bar: 200",
    ]
    out = page.sh("kubectl get peerauthentication --all-namespaces")
    assert (out.stdout, out.stderr) == ("", "No resources found\n")
    out = page.sh("kubectl get destinationrule --all-namespaces")
    assert (out.stdout, out.stderr) == ("", "No resources found\n")


def test_lock_down_to_mutual_tls_by_namespace(page: E2ELab) -> None:
    """The page's "Lock down to mutual TLS by namespace": only curl.legacy to httpbin.foo
    fails, with `000` and curl's exit code 56 (the sidecar resets the plaintext connection)."""
    page.on_cleanup("kubectl delete peerauthentication -n foo default")
    out = page.apply_page_yaml("mtls_migration/peer-authentication-strict.yaml",
                               "kubectl apply -n foo -f -")  # fmt: skip
    assert out.stdout == "peerauthentication.security.istio.io/default created\n"
    assert loop(page) == [
        "curl.foo to httpbin.foo: 200",
        "curl.foo to httpbin.bar: 200",
        "curl.bar to httpbin.foo: 200",
        "curl.bar to httpbin.bar: 200",
        "curl.legacy to httpbin.foo: 000",
        RESET,
        "curl.legacy to httpbin.bar: 200",
    ]


def test_lock_down_mutual_tls_for_the_entire_mesh(page: E2ELab) -> None:
    """The page's "Lock down mutual TLS for the entire mesh": the policy in the root
    namespace (istio-system) makes both servers refuse curl.legacy."""
    page.on_cleanup(
        "kubectl delete peerauthentication -n foo default",
        "kubectl delete peerauthentication -n istio-system default",
    )
    page.apply_page_yaml("mtls_migration/peer-authentication-strict.yaml",
                         "kubectl apply -n foo -f -")  # fmt: skip
    out = page.apply_page_yaml("mtls_migration/peer-authentication-strict.yaml",
                               "kubectl apply -n istio-system -f -")  # fmt: skip
    assert out.stdout == "peerauthentication.security.istio.io/default created\n"
    assert loop(page) == [
        "curl.foo to httpbin.foo: 200",
        "curl.foo to httpbin.bar: 200",
        "curl.bar to httpbin.foo: 200",
        "curl.bar to httpbin.bar: 200",
        "curl.legacy to httpbin.foo: 000",
        RESET,
        "curl.legacy to httpbin.bar: 000",
        RESET,
    ]
    # "Clean up the example": the policies go, and plaintext clients are served again
    page.sh("kubectl delete peerauthentication -n foo default")
    page.sh("kubectl delete peerauthentication -n istio-system default")
    assert loop(page)[-2:] == ["curl.legacy to httpbin.foo: 200", "curl.legacy to httpbin.bar: 200"]
