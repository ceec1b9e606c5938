"""istio.io docs/setup/additional-setup/gateway ("Installing Gateways", IstioOperator tab): a
gateway installed from its own, named IstioOperator (`profile: empty`) next to the control
plane. istioctl labels what it installs with the IstioOperator's name
(`install.operator.istio.io/owning-resource`) and prunes only objects of that name
(operator/pkg/install/installer.go getOwnerLabels / prune): the control plane stays."""

from __future__ import annotations

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.istioctl import run_istioctl

INGRESS = """apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: ingress
spec:
  profile: empty # Do not install CRDs or the control plane
  components:
    ingressGateways:
    - name: istio-ingressgateway
      namespace: istio-ingress
      enabled: {enabled}
      label:
        istio: ingressgateway
  values:
    gateways:
      istio-ingressgateway:
        # Enable gateway injection
        injectionTemplate: gateway
"""


def _deployments(c: Cluster, ns: str) -> dict[str, str]:
    """name -> owning-resource label."""
    kind = c.kind("apps", "deployments")
    return {d["metadata"]["name"]: d["metadata"]["labels"].get(
        "install.operator.istio.io/owning-resource", "") for d in c.list(kind, ns)}  # fmt: skip


def test_a_named_gateway_operator_keeps_the_control_plane() -> None:
    c = new_cluster()
    seed(c, load_scenario("istio-default"))
    c.create(c.kind("", "namespaces"), {"metadata": {"name": "istio-ingress"}})
    files = {"ingress.yaml": INGRESS.format(enabled="true").encode()}
    code, _, err = run_istioctl(c, ["install", "-f", "ingress.yaml", "-y"], files)
    assert code == 0, err
    assert _deployments(c, "istio-ingress") == {"istio-ingressgateway": "ingress"}
    assert _deployments(c, "istio-system")["istiod"] == "unknown"  # untouched
    manifest = run_istioctl(c, ["manifest", "generate", "-f", "ingress.yaml"], files)[1]
    assert "install.operator.istio.io/owning-resource: ingress" in manifest

    # the same IstioOperator without its gateway prunes the gateway, and only it
    files = {"ingress.yaml": INGRESS.format(enabled="false").encode()}
    code, _, err = run_istioctl(c, ["install", "-f", "ingress.yaml", "-y"], files)
    assert code == 0, err
    assert _deployments(c, "istio-ingress") == {}
    assert "istiod" in _deployments(c, "istio-system")
