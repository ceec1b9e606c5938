"""istio.io docs/setup/install/helm ("Install with Helm") step by step with `helm` run directly
(the commands a candidate types), and the release records helm 3 keeps."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.helm.program import run_helm

REPO = "https://istio-release.storage.googleapis.com/charts"


@pytest.fixture
def cluster() -> Cluster:
    c = new_cluster()
    seed(c, load_scenario("base"))
    return c


def helm(cluster: Cluster, fs: dict[str, bytes], *argv: str) -> str:
    code, out, err = run_helm(cluster, list(argv), fs)
    assert code == 0, err
    return out


def test_install_page_steps(cluster: Cluster) -> None:
    """The page's steps: repo add, repo update, base, istiod with --wait, then `helm ls`."""
    fs: dict[str, bytes] = {}
    assert helm(cluster, fs, "repo", "add", "istio", REPO) == (
        '"istio" has been added to your repositories\n'
    )
    assert helm(cluster, fs, "repo", "update").endswith("Update Complete. ⎈Happy Helming!⎈\n")
    out = helm(
        cluster, fs, "install", "istio-base", "istio/base", "-n", "istio-system",
        "--set", "defaultRevision=default", "--create-namespace",
    )  # fmt: skip
    assert out.splitlines()[0] == "NAME: istio-base"
    assert "STATUS: deployed" in out
    out = helm(cluster, fs, "install", "istiod", "istio/istiod", "-n", "istio-system", "--wait")
    assert '"istiod" successfully installed!' in out
    listing = helm(cluster, fs, "ls", "-n", "istio-system").splitlines()
    assert [c.strip() for c in listing[0].split("\t")] == [
        "NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION",
    ]  # fmt: skip
    rows = [[c.strip() for c in line.split("\t")] for line in listing[1:]]
    assert [(r[0], r[2], r[4], r[5]) for r in rows] == [
        ("istio-base", "1", "deployed", "base-1.26.2"),
        ("istiod", "1", "deployed", "istiod-1.26.2"),
    ]
    dep = cluster.get(cluster.kind("apps", "deployments"), "istio-system", "istiod")
    assert dep["status"]["availableReplicas"] == 1
    # the chart's labels (istio-discovery/templates/deployment.yaml), as on an istioctl install
    labels = dep["metadata"]["labels"]
    assert labels["operator.istio.io/component"] == "Pilot"
    assert labels["install.operator.istio.io/owning-resource"] == "unknown"


def test_gateway_chart_and_values(cluster: Cluster) -> None:
    """docs/setup/additional-setup/gateway: `helm install istio-ingressgateway istio/gateway`
    in its own namespace; `service.type` picks the Service type."""
    fs: dict[str, bytes] = {}
    helm(cluster, fs, "repo", "add", "istio", REPO)
    helm(
        cluster, fs, "install", "istiod", "istio/istiod", "-n", "istio-system", "--create-namespace"
    )
    fs["/values.yaml"] = b"service:\n  type: ClusterIP\n"
    helm(
        cluster, fs, "install", "istio-ingressgateway", "istio/gateway",
        "-n", "istio-ingress", "--create-namespace", "-f", "/values.yaml",
    )  # fmt: skip
    svc = cluster.get(cluster.kind("", "services"), "istio-ingress", "istio-ingressgateway")
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["selector"] == {"app": "istio-ingressgateway", "istio": "ingressgateway"}


def test_release_secret_and_upgrade(cluster: Cluster) -> None:
    """helm 3 stores each revision as Secret `sh.helm.release.v1.<name>.v<N>` (type
    helm.sh/release.v1, gzip + base64 twice); an upgrade supersedes the older record."""
    fs: dict[str, bytes] = {}
    helm(cluster, fs, "repo", "add", "istio", REPO)
    helm(
        cluster, fs, "install", "istiod", "istio/istiod", "-n", "istio-system", "--create-namespace"
    )
    out = helm(
        cluster, fs, "upgrade", "istiod", "istio/istiod", "-n", "istio-system",
        "--set", "meshConfig.accessLogFile=/dev/stdout", "--set", "pilot.env.FOO=bar",
    )  # fmt: skip
    assert out.splitlines()[0] == 'Release "istiod" has been upgraded. Happy Helming!'
    assert "REVISION: 2" in out
    secrets = cluster.kind("", "secrets")
    v1 = cluster.get(secrets, "istio-system", "sh.helm.release.v1.istiod.v1")
    v2 = cluster.get(secrets, "istio-system", "sh.helm.release.v1.istiod.v2")
    assert v2["type"] == "helm.sh/release.v1"
    assert v1["metadata"]["labels"]["status"] == "superseded"
    assert v2["metadata"]["labels"] == {
        "name": "istiod",
        "owner": "helm",
        "status": "deployed",
        "version": "2",
    }
    record = json.loads(gzip.decompress(base64.b64decode(base64.b64decode(v2["data"]["release"]))))
    assert record["config"]["meshConfig"] == {"accessLogFile": "/dev/stdout"}
    mesh = cluster.get(cluster.kind("", "configmaps"), "istio-system", "istio")["data"]["mesh"]
    assert "accessLogFile: /dev/stdout" in mesh
    env = cluster.get(cluster.kind("apps", "deployments"), "istio-system", "istiod")["spec"][
        "template"
    ]["spec"]["containers"][0]["env"]
    assert {"name": "FOO", "value": "bar"} in env


def test_uninstall_removes_objects_and_records(cluster: Cluster) -> None:
    """docs/setup/install/helm "Uninstall": `helm delete istiod -n istio-system`."""
    fs: dict[str, bytes] = {}
    helm(cluster, fs, "repo", "add", "istio", REPO)
    helm(
        cluster, fs, "install", "istiod", "istio/istiod", "-n", "istio-system", "--create-namespace"
    )
    assert helm(cluster, fs, "delete", "istiod", "-n", "istio-system") == (
        'release "istiod" uninstalled\n'
    )
    assert cluster.find(cluster.kind("apps", "deployments"), "istio-system", "istiod") is None
    assert helm(cluster, fs, "ls", "-n", "istio-system").count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["install", "istiod", "istio/istiod", "-n", "istio-system"],
         "Error: INSTALLATION FAILED: repo istio not found\n"),
        (["status", "nothing"], "Error: release: not found\n"),
        (["upgrade", "istiod", "istio/istiod"], None),
    ],
    ids=["no-repo", "no-release", "upgrade-missing"],
)  # fmt: skip
def test_errors(cluster: Cluster, argv: list[str], message: str | None) -> None:
    fs: dict[str, bytes] = {}
    if message is None:
        helm(cluster, fs, "repo", "add", "istio", REPO)
        message = 'Error: UPGRADE FAILED: "istiod" has no deployed releases\n'
    code, _, err = run_helm(cluster, argv, fs)
    assert code == 1
    assert err == message


def test_namespace_must_exist_without_create_namespace(cluster: Cluster) -> None:
    fs: dict[str, bytes] = {}
    helm(cluster, fs, "repo", "add", "istio", REPO)
    code, _, err = run_helm(cluster, ["install", "istiod", "istio/istiod", "-n", "nope"], fs)
    assert code == 1
    assert (
        err == 'Error: INSTALLATION FAILED: create: failed to create: namespaces "nope" not found\n'
    )


def test_dry_run_writes_nothing(cluster: Cluster) -> None:
    fs: dict[str, bytes] = {}
    helm(cluster, fs, "repo", "add", "istio", REPO)
    out = helm(cluster, fs, "install", "istiod", "istio/istiod", "-n", "istio-system", "--dry-run")
    assert "STATUS: pending-install" in out
    assert cluster.find(cluster.kind("", "namespaces"), "", "istio-system") is None


def _istiod_container(cluster: Cluster) -> dict[str, object]:
    dep = cluster.get(cluster.kind("apps", "deployments"), "istio-system", "istiod")
    container: dict[str, object] = dep["spec"]["template"]["spec"]["containers"][0]
    return container


def test_upgrade_without_values_keeps_the_release_values(cluster: Cluster) -> None:
    """helm 3 pkg/action/upgrade.go reuseValues: an upgrade given no values keeps the last
    release's; given some, it starts from the chart's (unless --reuse-values);
    --reset-values always starts from the chart's."""
    fs: dict[str, bytes] = {}
    helm(cluster, fs, "install", "istio-base", "base", "--repo", REPO, "-n",
         "istio-system", "--create-namespace")  # fmt: skip
    helm(cluster, fs, "install", "istiod", "istiod", "--repo", REPO, "-n", "istio-system",
         "--set", "meshConfig.accessLogFile=/dev/stdout")  # fmt: skip

    def access_log() -> str:
        cm = cluster.get(cluster.kind("", "configmaps"), "istio-system", "istio")
        return "accessLogFile: /dev/stdout" if "/dev/stdout" in cm["data"]["mesh"] else ""

    assert access_log()
    helm(cluster, fs, "upgrade", "istiod", "istiod", "--repo", REPO, "-n", "istio-system")
    assert access_log()  # kept
    helm(cluster, fs, "upgrade", "istiod", "istiod", "--repo", REPO, "-n", "istio-system",
         "--set", "pilot.replicaCount=1")  # fmt: skip
    assert not access_log()  # new values, from the chart's defaults
    helm(cluster, fs, "upgrade", "istiod", "istiod", "--repo", REPO, "-n", "istio-system",
         "--set", "meshConfig.accessLogFile=/dev/stdout")  # fmt: skip
    helm(cluster, fs, "upgrade", "istiod", "istiod", "--repo", REPO, "-n", "istio-system",
         "--reset-values")  # fmt: skip
    assert not access_log()


def test_pilot_resources_merge_into_the_chart_defaults(cluster: Cluster) -> None:
    """Helm coalesces maps of user values into the chart's values.yaml
    (manifests/charts/istio-control/istio-discovery/values.yaml: pilot.resources.requests
    cpu 500m, memory 2048Mi): setting only a limit keeps the default requests."""
    fs: dict[str, bytes] = {}
    helm(cluster, fs, "install", "istio-base", "base", "--repo", REPO, "-n", "istio-system",
         "--create-namespace")  # fmt: skip
    helm(cluster, fs, "install", "istiod", "istiod", "--repo", REPO, "-n", "istio-system",
         "--set", "pilot.resources.limits.cpu=1",
         "--set", "pilot.resources.requests.cpu=250m")  # fmt: skip
    assert _istiod_container(cluster)["resources"] == {
        "requests": {"cpu": "250m", "memory": "2Gi"},
        "limits": {"cpu": "1"},
    }
