"""istioctl's command line: cobra's errors, help, confirmation, dry runs, profiles, versions and
tags (texts as istioctl 1.26 prints them), run through `run_istioctl`."""

from __future__ import annotations

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.istioctl import build_root, run_istioctl

NO_REVISION = "revision to point tag to must be specified (use --revision)"
NO_TAG = 'cannot find MutatingWebhookConfiguration for tag "nosuch"'
PROFILES = "ambient, default, demo, empty, minimal, preview, remote"
NO_INSTALL = "no Istio installation found. Use --filename"


@pytest.fixture
def cluster() -> Cluster:
    c = new_cluster()
    seed(c, load_scenario("base"))
    return c


@pytest.mark.parametrize(
    ("argv", "stderr"),
    [
        (["bogus"], 'Error: unknown command "bogus" for "istioctl"\n'),
        (["install", "--bogus"], "Error: unknown flag: --bogus\n"),
        (["install", "-q"], "Error: unknown shorthand flag: 'q' in -q\n"),
        (["install", "--set"], "Error: flag needs an argument: --set\n"),
        (["tag", "bogus"], 'Error: unknown command "bogus" for "istioctl tag"\n'),
        (["tag", "set", "prod"], f"Error: {NO_REVISION}\n"),
        (["tag", "set", "prod", "--revision", "nosuch"],
         'Error: cannot find MutatingWebhookConfiguration with revision "nosuch"\n'),
        (["tag", "remove", "nosuch"],
         f'Error: cannot remove tag "nosuch": {NO_TAG}\n'),
        (["install", "-y", "--set", "profile=nosuch"],
         f'Error: generate config: profile "nosuch" not found. Available profiles: {PROFILES}\n'),
        (["install", "-y", "-f", "/nope.yaml"],
         "Error: open /nope.yaml: no such file or directory\n"),
        (["verify-install"],
         f"Error: could not load IstioOperator from cluster: {NO_INSTALL}\n"),
    ],
    ids=["command", "flag", "shorthand", "flag-value", "subcommand", "tag-no-revision",
         "tag-unknown-revision", "tag-remove-missing", "profile", "file", "verify-nothing"],
)  # fmt: skip
def test_errors(cluster: Cluster, argv: list[str], stderr: str) -> None:
    code, _out, err = run_istioctl(cluster, argv)
    assert code == 1
    assert err == stderr


def test_confirmation_prompt_cancels_without_yes(cluster: Cluster) -> None:
    """Without -y istioctl asks first (operator/cmd/mesh/install.go)."""
    code, out, _ = run_istioctl(cluster, ["install", "--set", "profile=demo"])
    assert code == 1
    assert out == (
        'This will install the Istio 1.26.2 "demo" profile (with components: Istio core, Istiod, '
        "Egress gateways, and Ingress gateways) into the cluster. Proceed? (y/N) Cancelled.\n"
    )
    assert cluster.find(cluster.kind("apps", "deployments"), "istio-system", "istiod") is None
    code, out, _ = run_istioctl(cluster, ["install"], stdin=b"y\n")
    assert code == 0
    assert out.startswith(
        'This will install the Istio 1.26.2 "default" profile (with components: Istio core, '
        "Istiod, and Ingress gateways) into the cluster. Proceed? (y/N) ✔ Istio core installed"
    )


def test_dry_run_changes_nothing(cluster: Cluster) -> None:
    code, out, _ = run_istioctl(cluster, ["install", "--dry-run"])
    assert code == 0
    assert "✔ Installation complete" in out
    assert cluster.find(cluster.kind("", "namespaces"), "", "istio-system") is None


def test_install_reads_files_given(cluster: Cluster) -> None:
    iop = b"apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  profile: minimal\n"
    code, out, err = run_istioctl(cluster, ["install", "-y", "-f", "iop.yaml"], {"iop.yaml": iop})
    assert code == 0, err
    assert "Ingress gateways" not in out


def test_profile_list_and_dump(cluster: Cluster) -> None:
    """istio.io docs/setup/additional-setup/config-profiles: `istioctl profile list`."""
    code, out, _ = run_istioctl(cluster, ["profile", "list"])
    assert out == (
        "Istio configuration profiles:\n    ambient\n    default\n    demo\n    empty\n"
        "    minimal\n    preview\n    remote\n"
    )
    code, out, _ = run_istioctl(cluster, ["profile", "dump", "demo"])
    assert code == 0
    assert "accessLogFile: /dev/stdout" in out


def test_upgrade_is_install_in_place(cluster: Cluster) -> None:
    assert run_istioctl(cluster, ["install", "-y"])[0] == 0
    code, out, _ = run_istioctl(
        cluster, ["upgrade", "-y", "--set", "meshConfig.accessLogFile=/dev/stdout"]
    )
    assert code == 0
    assert out.splitlines()[-2] == "✔ Installation complete"
    mesh = cluster.get(cluster.kind("", "configmaps"), "istio-system", "istio")["data"]["mesh"]
    assert "accessLogFile: /dev/stdout" in mesh


def test_tag_list_remove(cluster: Cluster) -> None:
    assert run_istioctl(cluster, ["install", "-y", "--revision", "canary"])[0] == 0
    assert run_istioctl(cluster, ["tag", "set", "prod-stable", "--revision", "canary"])[0] == 0
    code, out, _ = run_istioctl(cluster, ["tag", "list"])
    assert out.splitlines() == [
        "TAG         REVISION NAMESPACES",
        "default     canary",
        "prod-stable canary",
    ]
    code, out, _ = run_istioctl(cluster, ["tag", "remove", "prod-stable"])
    assert (code, out) == (0, "Revision tag prod-stable removed\n")
    code, _, err = run_istioctl(cluster, ["tag", "set", "canary", "--revision", "canary"])
    assert err == (
        'Error: cannot create revision tag "canary": found existing control plane revision with '
        "same name\n"
    )


def test_help_lists_commands(cluster: Cluster) -> None:
    code, out, _ = run_istioctl(cluster, ["--help"])
    assert code == 0
    for name in (
        "install",
        "manifest",
        "tag",
        "uninstall",
        "upgrade",
        "verify-install",
        "version",
        "waypoint",
    ):
        assert f"\n  {name} " in out
    code, out, _ = run_istioctl(cluster, ["install", "--help"])
    assert "  -y, --skip-confirmation" in out


def test_every_command_has_help_text() -> None:
    """Meta-test over the command tree: each command has a short description and either runs
    or has subcommands."""
    stack = [build_root()]
    while stack:
        command = stack.pop()
        assert command.short, command.name
        assert command.run is not None or command.subcommands, command.name
        stack.extend({c.name: c for c in command.subcommands.values()}.values())


def test_precheck(cluster: Cluster) -> None:
    """istio.io docs/setup/install/istioctl "Prerequisites": `istioctl x precheck`."""
    code, out, _ = run_istioctl(cluster, ["x", "precheck"])
    assert code == 0
    assert out.startswith("✔ No issues found when checking the cluster. Istio is safe to install")


def test_gateway_service_type_value(cluster: Cluster) -> None:
    """`--set values.gateways.istio-ingressgateway.type=NodePort` (no LoadBalancer in kind)."""
    argv = ["install", "-y", "--set", "values.gateways.istio-ingressgateway.type=NodePort"]
    assert run_istioctl(cluster, argv)[0] == 0
    svc = cluster.get(cluster.kind("", "services"), "istio-system", "istio-ingressgateway")
    assert svc["spec"]["type"] == "NodePort"
