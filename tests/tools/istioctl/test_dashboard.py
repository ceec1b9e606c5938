"""`istioctl dashboard` and `istioctl create-remote-secret`: the real command tree and argument
errors, then a plain "not part of the lab" error with exit code 1 (the lab serves no web UIs and
has one cluster). Command tree and texts: istio/istio istioctl/pkg/dashboard/dashboard.go
(Use/Short/Aliases, `unknown dashboard %q`, `specify a pod or --selector`, `name cannot be
provided when a selector is specified`) and istioctl/pkg/multicluster/remote_secret.go."""

from __future__ import annotations

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.tools.istioctl import run_istioctl

DASHBOARDS = [
    ("controlz", "Open ControlZ web UI"),
    ("envoy", "Open Envoy admin web UI"),
    ("grafana", "Open Grafana web UI"),
    ("istiod-debug", "Open Istio debug web UI"),
    ("jaeger", "Open Jaeger web UI"),
    ("kiali", "Open Kiali web UI"),
    ("prometheus", "Open Prometheus web UI"),
    ("proxy", "Open admin web UI for a proxy"),
    ("skywalking", "Open SkyWalking UI"),
    ("zipkin", "Open Zipkin web UI"),
]


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return new_cluster()


@pytest.mark.parametrize("alias", ["dashboard", "dash", "d"])
def test_dashboard_help_lists_the_real_web_uis(cluster: Cluster, alias: str) -> None:
    code, out, err = run_istioctl(cluster, [alias, "--help"])
    assert (code, err) == (0, "")
    assert out.startswith("Access to Istio web UIs\n\nUsage:\n  istioctl dashboard [flags]\n")
    listed = out.split("Available Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [tuple(line.split(None, 1)) for line in listed] == DASHBOARDS


def test_dashboard_without_a_name_prints_help(cluster: Cluster) -> None:
    code, out, _ = run_istioctl(cluster, ["dashboard"])
    assert code == 0
    assert "Available Commands:" in out


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["dashboard", "foo"], 'unknown dashboard "foo"'),
        (["dashboard", "envoy"], "specify a pod or --selector"),
        (["dashboard", "controlz", "istiod-1", "-l", "app=istiod"],
         "name cannot be provided when a selector is specified"),
    ],
    ids=["unknown", "no-pod", "pod-and-selector"],
)  # fmt: skip
def test_dashboard_argument_errors_as_the_real_tool(
    cluster: Cluster, argv: list[str], error: str
) -> None:
    assert run_istioctl(cluster, argv) == (1, "", f"Error: {error}\n")


@pytest.mark.parametrize(
    "argv",
    [["dashboard", "kiali"], ["d", "grafana", "--browser=false"], ["dash", "prometheus"],
     ["dashboard", "envoy", "productpage-v1-1.default"], ["dashboard", "proxy", "-l", "app=x"],
     ["dashboard", "istiod-debug", "deployment/istiod"]],
    ids=lambda a: "-".join(a[:2]),
)  # fmt: skip
def test_each_dashboard_says_it_is_not_part_of_the_lab(cluster: Cluster, argv: list[str]) -> None:
    code, out, err = run_istioctl(cluster, argv)
    assert (code, out) == (1, "")
    assert err.startswith(
        f"Error: dashboards are not part of the lab: `istioctl dashboard {argv[1]}`"
    )
    assert err.count("\n") == 1


def test_create_remote_secret_is_refused_in_a_single_cluster_lab(cluster: Cluster) -> None:
    code, out, err = run_istioctl(cluster, ["create-remote-secret", "--name", "cluster1"])
    assert (code, out) == (1, "")
    assert err.startswith("Error: create-remote-secret is not supported in a single-cluster lab: ")


def test_create_remote_secret_is_not_an_experimental_command(cluster: Cluster) -> None:
    """1.26 registers it at the top level only (istioctl/cmd/root.go)."""
    code, _, err = run_istioctl(cluster, ["x", "create-remote-secret"])
    assert code == 1
    assert err == 'Error: unknown command "create-remote-secret" for "istioctl experimental"\n'
