"""istio.io/latest/docs/tasks/traffic-management/egress/egress-tls-origination/ (Istio 1.26),
"Egress TLS Origination", end to end with the real kubectl: the curl sample (in the lab's
scenario, injected) as the source pod, the page's ServiceEntry and DestinationRule (in
egress_tls_origination/, fed on stdin as the page does); edition.cnn.com is the lab's
simulated internet site, which redirects HTTP to HTTPS as the real one does.

Not covered: "Mutual TLS origination for egress traffic" (an nginx server with its own
certificates in `mesh-external`, whose TLS server the lab's apps do not model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import E2ELab

SOURCE = (
    "export SOURCE_POD=$(kubectl get pod -l app=curl -o jsonpath='{.items..metadata.name}') && "
)


def curl(scheme: str) -> str:
    return (SOURCE + 'kubectl exec "${SOURCE_POD}" -c curl -- curl -sSL -o /dev/null -D - '
            f"{scheme}://edition.cnn.com/politics")  # fmt: skip


def test_configuring_access_to_an_external_service(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/egress/egress-tls-origination/

    "Configuring access to an external service": with the ServiceEntry, curl follows the
    site's 301 to https and gets HTTP/2 200.
    """
    page.on_cleanup("kubectl delete serviceentry edition-cnn-com --ignore-not-found")
    page.apply_page_yaml("egress_tls_origination/serviceentry-simple.yaml")
    out = page.sh(curl("http"))
    lines = out.stdout.splitlines()
    assert lines[0] == "HTTP/1.1 301 Moved Permanently"
    assert "location: https://edition.cnn.com/politics" in lines
    assert "HTTP/2 200" in lines


def test_tls_origination_for_egress_traffic(page: E2ELab) -> None:
    """istio.io/latest/docs/tasks/traffic-management/egress/egress-tls-origination/

    "TLS origination for egress traffic": port 80 targets 443 and the DestinationRule makes
    the sidecar originate TLS: http://edition.cnn.com/politics gets `HTTP/1.1 200 OK` with no
    redirect; https requests still go through unchanged (`HTTP/2 200`).
    """
    page.on_cleanup(
        "kubectl delete serviceentry edition-cnn-com --ignore-not-found",
        "kubectl delete destinationrule edition-cnn-com --ignore-not-found",
    )
    page.apply_page_yaml("egress_tls_origination/origination.yaml")
    plain = page.sh(curl("http"))
    assert plain.stdout.startswith("HTTP/1.1 200 OK\n")
    assert "HTTP/1.1 301" not in plain.stdout
    secure = page.sh(curl("https"))
    assert secure.stdout.startswith("HTTP/2 200\n")
