"""istio.io docs/setup/install/istioctl ("Install with Istioctl") and docs/setup/getting-started
run end to end with the real kubectl: istioctl installs from inside a pod, kubectl sees what a
real install creates."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from running_api import RunningApi

Istioctl = Callable[..., str]

pytestmark = pytest.mark.kubectl


def test_default_profile_install_prints_progress_and_creates_control_plane(
    api: RunningApi, istioctl: Istioctl
) -> None:
    """docs/setup/install/istioctl "Install Istio using the default profile": `istioctl
    install` installs base, istiod and the ingress gateway."""
    out = istioctl("install", "-y")
    assert out.splitlines() == [
        "✔ Istio core installed ⛵️",
        "✔ Istiod installed 🧠",
        "✔ Ingress gateways installed 🛬",
        "✔ Installation complete",
        "Made this installation the default for cluster-wide operations.",
    ]
    deployments = api.ok("get", "deployments", "-n", "istio-system")
    assert deployments.split()[:5] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    names = [line.split()[0] for line in deployments.splitlines()[1:]]
    assert names == ["istio-ingressgateway", "istiod"]
    assert all(line.split()[1] == "1/1" for line in deployments.splitlines()[1:])
    services = api.ok("get", "svc", "-n", "istio-system", "-o", "wide")
    assert "istio-ingressgateway   LoadBalancer" in services
    assert "15021:" in services
    assert "80:" in services
    assert "443:" in services
    assert "istiod                 ClusterIP" in services
    assert "15010/TCP,15012/TCP,443/TCP,15014/TCP" in services


def test_demo_profile_getting_started(api: RunningApi, istioctl: Istioctl) -> None:
    """docs/setup/getting-started: `istioctl install --set profile=demo -y` adds the egress
    gateway; `kubectl get pods -n istio-system` shows three Running pods."""
    out = istioctl("install", "--set", "profile=demo", "-y")
    assert "✔ Egress gateways installed 🛫" in out
    assert "✔ Ingress gateways installed 🛬" in out
    pods = api.ok("get", "pods", "-n", "istio-system").splitlines()[1:]
    prefixes = sorted(p.split()[0].rsplit("-", 2)[0] for p in pods)
    assert prefixes == ["istio-egressgateway", "istio-ingressgateway", "istiod"]
    assert all(p.split()[1:3] == ["1/1", "Running"] for p in pods)
    mesh = api.ok("get", "cm", "istio", "-n", "istio-system", "-o", "jsonpath={.data.mesh}")
    assert "accessLogFile: /dev/stdout" in mesh


def test_crds_and_webhooks_are_listed(api: RunningApi, istioctl: Istioctl) -> None:
    """Installing creates the Istio CRDs and the webhook configurations named as Istio names
    them (manifests/charts/istio-control/istio-discovery/templates)."""
    istioctl("install", "-y")
    crds = api.ok("get", "crd", "-o", "name")
    for name in (
        "virtualservices.networking.istio.io",
        "destinationrules.networking.istio.io",
        "authorizationpolicies.security.istio.io",
        "telemetries.telemetry.istio.io",
    ):
        assert f"customresourcedefinition.apiextensions.k8s.io/{name}" in crds
    assert "istio-sidecar-injector" in api.ok("get", "mutatingwebhookconfigurations")
    assert "istio-validator-istio-system" in api.ok("get", "validatingwebhookconfigurations")


def test_version_before_and_after_install(api: RunningApi, istioctl: Istioctl) -> None:
    """docs/setup/getting-started: before installing, `istioctl version` says Istio is not
    present; after, it shows the control plane's version."""
    before = istioctl("version")
    assert before == (
        'Istio is not present in the cluster: no running Istio pods in namespace "istio-system"\n'
        "client version: 1.26.2\n"
    )
    istioctl("install", "-y")
    after = istioctl("version")
    assert after.splitlines()[:2] == ["client version: 1.26.2", "control plane version: 1.26.2"]
    assert istioctl("version", "--remote=false") == "1.26.2\n"


def test_set_mesh_config_and_values(api: RunningApi, istioctl: Istioctl) -> None:
    """docs/setup/install/istioctl "Customizing the configuration": `--set meshConfig.*` ends
    in the `istio` ConfigMap; `--set values.pilot.env.*` in istiod's environment."""
    istioctl(
        "install",
        "-y",
        "--set",
        "meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONLY",
        "--set",
        "values.pilot.env.PILOT_ENABLE_ALPHA_GATEWAY_API=true",
    )
    mesh = api.ok("get", "cm", "istio", "-n", "istio-system", "-o", "jsonpath={.data.mesh}")
    assert "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY" in mesh
    name = "PILOT_ENABLE_ALPHA_GATEWAY_API"
    path = f"{{.spec.template.spec.containers[0].env[?(@.name=='{name}')].value}}"
    env = api.ok("get", "deploy", "istiod", "-n", "istio-system", "-o", f"jsonpath={path}")
    assert env == "true"


def test_istio_operator_files_overlay_in_order(api: RunningApi, istioctl: Istioctl) -> None:
    """docs/setup/install/istioctl: `-f` takes IstioOperator files; several are overlaid in
    order, later ones winning."""
    first = (
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: demo\n"
        "  meshConfig:\n    accessLogFile: /dev/stdout\n"
    )
    second = (
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  components:\n"
        "    egressGateways:\n    - name: istio-egressgateway\n      enabled: false\n"
    )
    shell = (
        f"cat > /tmp/a.yaml <<'EOF'\n{first}EOF\ncat > /tmp/b.yaml <<'EOF'\n{second}EOF\n"
        "istioctl install -y -f /tmp/a.yaml -f /tmp/b.yaml"
    )
    out = api.ok("exec", "-n", "kube-system", "toolbox", "--", "sh", "-c", shell)
    assert "Egress gateways" not in out
    assert "✔ Installation complete" in out
    names = api.ok("get", "deploy", "-n", "istio-system", "-o", "name").split()
    assert names == ["deployment.apps/istio-ingressgateway", "deployment.apps/istiod"]


def test_bad_istio_operator_file_is_refused(api: RunningApi, istioctl: Istioctl) -> None:
    """A field the IstioOperator schema does not know is an error and nothing is installed."""
    shell = (
        "printf 'apiVersion: install.istio.io/v1alpha1\\nkind: IstioOperator\\nspec:\\n"
        "  bogus: 1\\n' > /tmp/bad.yaml; istioctl install -y -f /tmp/bad.yaml"
    )
    proc = api.kubectl("exec", "-n", "kube-system", "toolbox", "--", "sh", "-c", shell)
    assert proc.returncode == 1
    assert 'Error: generate config: unknown field "spec.bogus" in IstioOperator' in proc.stderr
    assert "No resources found" in api.kubectl("get", "deploy", "-n", "istio-system").stderr


def test_uninstall_purge(api: RunningApi, istioctl: Istioctl) -> None:
    """docs/setup/install/istioctl "Uninstall Istio": `istioctl uninstall --purge` removes the
    control plane; the istio-system namespace and the CRDs stay."""
    istioctl("install", "-y")
    out = istioctl("uninstall", "--purge", "-y")
    assert "  Removed Deployment:istio-system:istiod." in out
    assert out.endswith("✔ Uninstall complete\n")
    assert "No resources found" in api.kubectl("get", "deploy", "-n", "istio-system").stderr
    assert "istio-system" in api.ok("get", "ns")
    assert "virtualservices.networking.istio.io" in api.ok("get", "crd")


def test_manifest_generate_prints_without_applying(api: RunningApi, istioctl: Istioctl) -> None:
    """docs/setup/install/istioctl "Generate a manifest before installation"."""
    out = istioctl("manifest", "generate", "--set", "profile=minimal")
    assert "kind: Deployment" in out
    assert "name: istiod" in out
    assert "istio-ingressgateway" not in out
    assert "No resources found" in api.kubectl("get", "deploy", "-n", "istio-system").stderr


def test_verify_install(api: RunningApi, istioctl: Istioctl) -> None:
    """docs/setup/install/istioctl "Verify a successful installation"."""
    istioctl("install", "-y")
    out = istioctl("verify-install")
    assert "✔ Deployment: istiod.istio-system checked successfully" in out
    assert out.endswith("✔ Istio is installed and verified successfully\n")


def test_istioctl_in_a_pod_and_on_the_workstation_agree(
    api: RunningApi, istioctl: Istioctl, istioctl_in_pod: Istioctl
) -> None:
    """The same istioctl answers from the candidate's machine and from inside a pod."""
    istioctl("install", "-y")
    assert istioctl("version") == istioctl_in_pod("version")
    assert istioctl("tag", "list") == istioctl_in_pod("tag", "list")
