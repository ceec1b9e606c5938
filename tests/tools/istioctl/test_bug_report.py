"""`istioctl bug-report`: the progress lines, flags and archive layout of istio/istio
tools/bug-report/pkg (bugreport/bugreport.go runBugReportCommand/gatherInfo/runAnalyze;
archive/archive.go `bug-report/{cluster,istio,proxies,analyze}`; content/content.go file names,
secrets listed without contents unless --full-secrets; config/config.go selection specs and
BugReportConfig.String(); common/common.go `discovery` and `istio-proxy` containers), bounded
for the lab. Run through run_istioctl, from the candidate's machine (`meshcert istioctl`, the
archive saved in the working directory) and in a pod through `kubectl exec`."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from running_api import RunningApi

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.istioctl import bug_report_command, run_istioctl

SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "db-password", "namespace": "default"},
    "type": "Opaque",
    "data": {"password": "aHVudGVyMg=="},
}


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    c = new_cluster()
    seed(c, load_scenario("bookinfo"))
    c.create(c.kind("", "secrets"), SECRET)
    return c


def pods(cluster: Cluster, namespace: str, prefix: str) -> list[str]:
    return sorted(
        p["metadata"]["name"]
        for p in cluster.list(cluster.kind("", "pods"))
        if p["metadata"]["namespace"] == namespace and p["metadata"]["name"].startswith(prefix)
    )


def bug_report(cluster: Cluster, *args: str) -> tuple[int, str, str, dict[str, bytes]]:
    files: dict[str, bytes] = {}
    code, out, err = run_istioctl(cluster, ["bug-report", *args], files)
    return code, out, err, files


def members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def test_progress_lines_and_archive_in_the_working_directory(cluster: Cluster) -> None:
    code, out, err, files = bug_report(cluster)
    assert (code, err) == (0, "")
    assert list(files) == ["/bug-report.tar.gz"]
    assert out.startswith(
        "\nTarget cluster context: lab\nRunning with the following config: \n\n"
        "istio-namespace: istio-system\nfull-secrets: false\ntimeout (mins): 30\n"
        "include: {  }\n"
        "exclude: { Namespaces: kube-node-lease,kube-public,kube-system,local-path-storage }\n"
        "end-time: "
    )
    assert "\nCluster endpoint: https://10.96.0.1:443\nCLI version:\nversion.BuildInfo{" in out
    assert (
        "The following proxy revisions/versions were found in the cluster:\n"
        "Revision default: Versions {1.26.2}\n" in out
    )
    steps = out.split("\n\n\nFetching logs for the following containers:\n\n", 1)[1]
    listed, rest = steps.split("\n\nFetching Istio control plane information from cluster.", 1)
    (istiod,) = pods(cluster, "istio-system", "istiod-")
    (productpage,) = pods(cluster, "default", "productpage-v1-")
    paths = listed.splitlines()
    assert f"istio-system/istiod/{istiod}/discovery" in paths
    assert f"default/productpage-v1/{productpage}/istio-proxy" in paths
    assert f"default/productpage-v1/{productpage}/productpage" in paths
    assert not [p for p in paths if p.startswith("kube-system/")]  # excluded by default
    lines = rest.splitlines()
    assert lines[-4] == "Creating an archive at /bug-report.tar.gz."
    assert re.fullmatch(r"Time used for creating the tar file is [0-9.]+(µs|ms|s)\.", lines[-3])
    assert lines[-2:] == ["Cleaning up temporary files in /tmp/bug-report.", "Done."]
    assert "\nFetching CNI logs from cluster.\n\n" in rest
    assert (
        "Running Istio analyze on all namespaces and report as below:\nAnalysis Report:\n" in rest
    )


def test_archive_layout(cluster: Cluster) -> None:
    _, _, _, files = bug_report(cluster)
    archive = members(files["/bug-report.tar.gz"])
    (istiod,) = pods(cluster, "istio-system", "istiod-")
    sidecars = [("default", p) for p in pods(cluster, "default", "")]
    gateways = [("istio-system", p) for p in pods(cluster, "istio-system", "istio-")]
    expected = {
        "bug-report/versions", "bug-report/bug-report.log",
        "bug-report/cluster/k8s-resources", "bug-report/cluster/events",
        "bug-report/cluster/cluster-context", "bug-report/cluster/nodes",
        "bug-report/cluster/secrets", "bug-report/cluster/pods",
        f"bug-report/istio/istio-system/{istiod}/discovery.log",
        *(f"bug-report/proxies/{ns}/{pod}/config_dump" for ns, pod in sidecars + gateways),
    }  # fmt: skip
    assert expected <= set(archive)
    assert set(archive) - expected <= {
        f"bug-report/proxies/{ns}/{pod}/istio-proxy.log" for ns, pod in sidecars + gateways
    } | {"bug-report/cluster/crs", "bug-report/analyze/allNamespaces/allNamespaces"}
    (productpage,) = pods(cluster, "default", "productpage-v1-")
    dump = archive[f"bug-report/proxies/default/{productpage}/config_dump"].decode()
    assert '"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump"' in dump
    assert "outbound|9080||reviews.default.svc.cluster.local" in dump
    assert b"kind: Deployment" in archive["bug-report/cluster/k8s-resources"]
    assert archive["bug-report/istio/istio-system/" + istiod + "/discovery.log"].strip()


def test_secrets_are_listed_without_contents_unless_full_secrets(cluster: Cluster) -> None:
    _, _, _, files = bug_report(cluster)
    listed = members(files["/bug-report.tar.gz"])["bug-report/cluster/secrets"].decode()
    assert listed.splitlines()[0].split() == ["NAMESPACE", "NAME", "TYPE", "DATA", "AGE"]
    assert any(line.split()[:4] == ["default", "db-password", "Opaque", "1"]
               for line in listed.splitlines())  # fmt: skip
    assert "aHVudGVyMg==" not in listed
    code, out, _, files = bug_report(cluster, "--full-secrets")
    assert code == 0
    assert "full-secrets: true\n" in out
    full = members(files["/bug-report.tar.gz"])["bug-report/cluster/secrets"].decode()
    assert "password: aHVudGVyMg==" in full


def test_include_and_exclude_select_the_containers(cluster: Cluster) -> None:
    (reviews_v1,) = pods(cluster, "default", "reviews-v1-")
    code, out, _, files = bug_report(cluster, "--include", "default/reviews-v*", "--exclude",
                                     "default/*/*/*/*/reviews")  # fmt: skip
    assert code == 0
    assert "include: { Namespaces: default/Deployments: reviews-v* }\n" in out
    assert "exclude: { Namespaces: default/Containers: reviews }\n" in out
    listed = out.split("Fetching logs for the following containers:\n\n", 1)[1].split("\n\n")[0]
    assert listed.splitlines() == [
        f"default/reviews-v{v}/{pods(cluster, 'default', f'reviews-v{v}-')[0]}/istio-proxy"
        for v in (1, 2, 3)
    ]
    archive = members(files["/bug-report.tar.gz"])
    proxies = sorted({n.split("/")[3] for n in archive if n.startswith("bug-report/proxies/")})
    assert reviews_v1 in proxies
    assert len(proxies) == 3
    assert not [n for n in archive if n.startswith("bug-report/istio/")]


def test_label_selection(cluster: Cluster) -> None:
    code, out, _, _ = bug_report(cluster, "--include", "*/*/*/app=ratings")
    assert code == 0
    listed = out.split("Fetching logs for the following containers:\n\n", 1)[1].split("\n\n")[0]
    assert [p.rsplit("/", 1)[1] for p in listed.splitlines()] == ["istio-proxy", "ratings"]


def test_output_dir_temp_dir_and_dry_run(cluster: Cluster) -> None:
    code, out, _, files = bug_report(cluster, "--output-dir", "/reports", "--dir", "/work/tmp")
    assert code == 0
    assert list(files) == ["/reports/bug-report.tar.gz"]
    assert "Creating an archive at /reports/bug-report.tar.gz.\n" in out
    assert "Cleaning up temporary files in /work/tmp.\n" in out
    assert "versions" in members(files["/reports/bug-report.tar.gz"])  # --dir: no bug-report/
    code, out, _, files = bug_report(cluster, "--dry-run")
    assert (code, files) == (0, {})
    assert out.endswith("Dry run, skipping archive creation at /bug-report.tar.gz.\nDone.\n")


def test_bounds_leave_proxies_out_and_say_so(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bug_report_command, "MAX_PROXIES", 2)
    code, out, _, files = bug_report(cluster, "--include", "default")
    assert code == 0
    archive = members(files["/bug-report.tar.gz"])
    kept = {n.split("/")[3] for n in archive if n.startswith("bug-report/proxies/")}
    assert len(kept) == 2
    left = archive["bug-report/lab-bounds"].decode().splitlines()
    assert len(left) == len(pods(cluster, "default", "")) - 2
    assert all(line.endswith(": over 2 proxies") for line in left)
    assert out.count("Left out by the lab's bounds: proxies/default/") == len(left)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--timeout", "soon"],
         'invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"'),
        (["--include", "ns/dep/pod/app"],
         "bad label/annotation selection app, must have format key=value"),
        (["extra"], 'unknown command "extra" for "istioctl bug-report"'),
    ],
    ids=["timeout", "label-spec", "extra-arg"],
)  # fmt: skip
def test_flag_errors(cluster: Cluster, args: list[str], error: str) -> None:
    code, out, err, files = bug_report(cluster, *args)
    assert (code, out, err, files) == (1, "", f"Error: {error}\n", {})


@pytest.mark.kubectl
def test_from_the_candidates_machine_the_archive_lands_in_the_cwd(
    api: RunningApi, tmp_path: Path
) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "meshcert.cli.main", "istioctl", "bug-report"],
        capture_output=True, text=True, cwd=workdir, timeout=120,
        env={**api.env, "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert f"Creating an archive at {workdir}/bug-report.tar.gz.\n" in done.stdout
    names = members((workdir / "bug-report.tar.gz").read_bytes())
    assert {"bug-report/versions", "bug-report/cluster/k8s-resources"} <= set(names)
    reports = tmp_path / "reports"
    reports.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "meshcert.cli.main", "istioctl", "bug-report", "--output-dir",
         str(reports)],
        capture_output=True, text=True, cwd=workdir, timeout=120,
        env={**api.env, "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert f"Creating an archive at {reports}/bug-report.tar.gz.\n" in done.stdout
    assert "bug-report/versions" in members((reports / "bug-report.tar.gz").read_bytes())


@pytest.mark.kubectl
def test_in_a_pod_through_kubectl_exec(api: RunningApi, tmp_path: Path) -> None:
    done = api.kubectl("exec", "-n", "kube-system", "toolbox", "--", "istioctl", "bug-report")
    assert done.returncode == 0, done.stderr
    assert "Creating an archive at /bug-report.tar.gz.\n" in done.stdout
    assert done.stdout.endswith("Done.\n")
    local = tmp_path / "copied.tar.gz"
    api.ok("cp", "kube-system/toolbox:/bug-report.tar.gz", str(local))
    assert "bug-report/cluster/k8s-resources" in members(local.read_bytes())
