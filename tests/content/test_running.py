"""The in-process script runner against a lab: each kubectl verb it supports changes the cluster
as kubectl would, istioctl runs as on the workstation, and what it cannot run is refused with
the line."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest

from meshcert.content.running import RunnerError, ScriptRunner
from meshcert.grading.checks import GradeContext, InstallCheck
from meshcert.grading.clients.inprocess import InProcessClient
from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed


@cache
def _dump() -> dict[str, Any]:
    cluster = new_cluster()
    seed(cluster, load_scenario("bookinfo-httpbin-curl"))
    return cluster.store.dump()


@pytest.fixture
def cluster() -> Cluster:
    fresh = new_cluster()
    fresh.store.load(copy.deepcopy(_dump()))
    return fresh


def obj(cluster: Cluster, group: str, plural: str, ns: str, name: str) -> Any:
    return cluster.find(cluster.kind(group, plural), ns, name)


SCRIPT = """\
kubectl create namespace shop
kubectl label namespace shop istio-injection=enabled team=a
kubectl label ns shop team=b --overwrite
kubectl label ns shop team-
kubectl apply -n shop -f - <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data: {a: "1"}
EOF
kubectl apply -n shop -f - <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data: {b: "2"}
EOF
kubectl annotate configmap settings -n shop note=hi
kubectl patch deployment details-v1 --type merge -p '{"metadata":{"labels":{"x":"y"}}}'
kubectl scale deploy/ratings-v1 --replicas=2
kubectl wait --for=condition=Available deployment/ratings-v1
"""


def test_apply_create_label_annotate_patch_scale_delete(cluster: Cluster) -> None:
    ScriptRunner(cluster).run(SCRIPT)
    ns = obj(cluster, "", "namespaces", "", "shop")
    assert ns["metadata"]["labels"]["istio-injection"] == "enabled"
    assert "team" not in ns["metadata"]["labels"]
    cm = obj(cluster, "", "configmaps", "shop", "settings")
    assert cm["data"] == {"a": "1", "b": "2"}  # an apply merges (the runner's documented limit)
    assert cm["metadata"]["annotations"] == {"note": "hi"}
    details = obj(cluster, "apps", "deployments", "default", "details-v1")
    assert details["metadata"]["labels"]["x"] == "y"
    assert obj(cluster, "apps", "deployments", "default", "ratings-v1")["spec"]["replicas"] == 2
    ScriptRunner(cluster).run("kubectl delete configmap settings -n shop")
    assert obj(cluster, "", "configmaps", "shop", "settings") is None


def _ratings_pods(cluster: Cluster) -> set[str]:
    pods = cluster.list(cluster.kind("", "pods"), "default")
    return {
        p["metadata"]["uid"]
        for p in pods
        if p["metadata"]["labels"].get("app") == "ratings"
        and not p["metadata"].get("deletionTimestamp")
    }


def test_rollout_restart_recreates_the_pods(cluster: Cluster) -> None:
    before = _ratings_pods(cluster)
    ScriptRunner(cluster).run("kubectl rollout restart deployment ratings-v1 -n default")
    after = _ratings_pods(cluster)
    assert after
    assert not after & before


VS_FILE = """\
cat > vs.yaml <<EOF
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: nope}
EOF
kubectl apply -f vs.yaml
istioctl analyze -n default
"""


def test_files_written_by_the_script_and_istioctl(cluster: Cluster) -> None:
    runner = ScriptRunner(cluster)
    runner.run(VS_FILE)  # analyze exits 79 (IST0101): a finding, not a failed command
    assert obj(cluster, "networking.istio.io", "virtualservices", "default", "r") is not None
    with pytest.raises(RunnerError, match=r"line 1 \(istioctl install -y --set nope=1\): exit"):
        runner.run("istioctl install -y --set nope=1")


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("kubectl exec -it curl -- sh", "kubectl exec is not supported by the in-process runner"),
        ("curl -s http://x", "curl is not supported by the in-process runner"),
        ("kubectl delete frobs x", 'the server doesn\'t have a resource type "frobs"'),
        ("kubectl label ns default istio-injection=disabled",
         "'istio-injection' already has a value (enabled), and --overwrite is false"),
        ("kubectl delete deployment nope", 'deployments.apps "nope" not found'),
        ("kubectl apply -f missing.yaml", "missing.yaml: only files written by the script can "
                                          "be applied"),
    ],
    ids=["exec", "curl", "unknown-kind", "overwrite", "not-found", "file"],
)  # fmt: skip
def test_refused_with_the_line(cluster: Cluster, script: str, message: str) -> None:
    with pytest.raises(RunnerError) as caught:
        ScriptRunner(cluster).run("kubectl get pods\n" + script)
    assert caught.value.message == f"line 2 ({script}): {message}"


HELM = """\
helm repo add istio https://istio-release.storage.googleapis.com/charts
helm repo update
kubectl create namespace istio-system
helm install istio-base istio/base -n istio-system --set defaultRevision=default
helm install istiod istio/istiod -n istio-system --wait
"""


def test_helm_keeps_its_repositories_between_commands() -> None:
    """istio.io/latest/docs/setup/install/helm/: repo add, then install base and istiod."""
    cluster = new_cluster()
    seed(cluster, load_scenario("base"))
    ScriptRunner(cluster).run(HELM)
    client = InProcessClient(cluster)
    minimal = InstallCheck(type="install", id="i", points=1, message="m", profile="minimal",
                           revision="default")  # fmt: skip
    assert minimal.evaluate(client, GradeContext()).passed
