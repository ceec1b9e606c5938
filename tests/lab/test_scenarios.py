"""Scenarios: found by name or path, read strictly, applied on top of the base cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshcert.lab.errors import ScenarioError
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import NODE_NAME, load_scenario, seed, shipped_scenarios

BASE_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_base_is_shipped() -> None:
    assert "base" in shipped_scenarios()


def test_base_seeds_the_namespaces_and_one_node() -> None:
    cluster = new_cluster()
    seed(cluster, load_scenario("base"))
    namespaces = [o["metadata"]["name"] for o in cluster.list(cluster.kind("", "namespaces"))]
    nodes = [o["metadata"]["name"] for o in cluster.list(cluster.kind("", "nodes"))]
    assert namespaces == BASE_NAMESPACES
    assert nodes == [NODE_NAME]


def test_a_file_applies_on_top_of_the_base(tmp_path: Path) -> None:
    path = tmp_path / "lab.yaml"
    path.write_text(
        """
apiVersion: v1
kind: Namespace
metadata: {name: default, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: shop}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings, namespace: shop}
  data: {mode: test}
"""
    )
    scenario = load_scenario(str(path))
    assert scenario.name == str(path.resolve())
    cluster = new_cluster()
    seed(cluster, scenario)
    namespaces = cluster.kind("", "namespaces")
    names = [o["metadata"]["name"] for o in cluster.list(namespaces)]
    assert names == sorted([*BASE_NAMESPACES, "shop"])
    default = cluster.get(namespaces, "", "default")
    assert default["metadata"]["labels"]["istio-injection"] == "enabled"
    assert cluster.get(cluster.kind("", "configmaps"), "shop", "settings")["data"] == {
        "mode": "test"
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a: [", "not valid YAML"),
        ("- 1\n", "document 1 is not a mapping"),
        ("kind: ConfigMap\nmetadata: {name: x}\n", "document 1 lacks apiVersion"),
        ("apiVersion: v1\nkind: ConfigMap\n", "document 1 lacks metadata.name"),
        (
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n"
            "apiVersion: v1\nkind: Gadget\nmetadata: {name: x}\n",
            'Gadget \'x\': no matches for kind "Gadget" in version "v1"',
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: nowhere}\n",
            'namespaces "nowhere" not found',
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n",
            'Invalid value: "Bad_Name"',
        ),
    ],
    ids=[
        "broken-yaml",
        "not-a-mapping",
        "no-apiversion",
        "no-name",
        "unknown-kind",
        "missing-namespace",
        "invalid-name",
    ],
)
def test_bad_scenario_files_are_scenario_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ScenarioError) as info:
        seed(new_cluster(), load_scenario(str(path)))
    assert message in info.value.message
    assert str(path) in info.value.message
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("nope", "unknown scenario 'nope': use one of base"),
        ("missing.yaml", "scenario file 'missing.yaml' does not exist"),
        ("./dir/x", "scenario file './dir/x' does not exist"),
    ],
    ids=["unknown-name", "missing-file", "missing-path"],
)
def test_unknown_scenarios_are_named_in_the_error(ref: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(ref)


def test_base_has_the_apiserver_service() -> None:
    """Every cluster has `default/kubernetes` at the first address of the service range, with
    the control-plane node's address on 6443 as its endpoint (kubectl get svc shows it)."""
    cluster = new_cluster()
    seed(cluster, load_scenario("base"))
    svc = cluster.get(cluster.kind("", "services"), "default", "kubernetes")
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert svc["spec"]["ports"] == [
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}
    ]
    node = cluster.get(cluster.kind("", "nodes"), "", NODE_NAME)
    endpoints = cluster.get(cluster.kind("", "endpoints"), "default", "kubernetes")
    address = endpoints["subsets"][0]["addresses"][0]["ip"]
    assert {"address": address, "type": "InternalIP"} in node["status"]["addresses"]


@pytest.mark.parametrize("name", shipped_scenarios())
def test_everything_a_scenario_leaves_is_schema_valid(name: str) -> None:
    """Controllers' writes skip schema validation (they are trusted); this holds them to it:
    after seeding (installs, deployments, pods, events, statuses), every object validates."""
    from meshcert.kube.validation import validate_object

    cluster = new_cluster()
    seed(cluster, load_scenario(name))
    for kind, obj in cluster.store.items():
        validate_object(kind, obj)


def test_a_gateway_api_step_installs_the_crds_before_the_manifests(tmp_path: Path) -> None:
    path = tmp_path / "gw.yaml"
    path.write_text(
        """
gatewayAPI: true
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: web}]
"""
    )
    cluster = new_cluster()
    seed(cluster, load_scenario(str(path)))
    crds = cluster.kind("apiextensions.k8s.io", "customresourcedefinitions")
    names = [o["metadata"]["name"] for o in cluster.list(crds)]
    assert "httproutes.gateway.networking.k8s.io" in names
    crd = cluster.get(crds, "", "httproutes.gateway.networking.k8s.io")
    assert [(c["type"], c["status"]) for c in crd["status"]["conditions"]] == [
        ("NamesAccepted", "True"),
        ("Established", "True"),
    ]
    routes = cluster.kind("gateway.networking.k8s.io", "httproutes")
    assert cluster.registry.is_served(routes)
    assert [o["metadata"]["name"] for o in cluster.list(routes)] == ["web"]


def test_without_the_step_gateway_api_manifests_are_unknown_kinds(tmp_path: Path) -> None:
    path = tmp_path / "gw.yaml"
    path.write_text(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {name: web, namespace: default}\n"
    )
    with pytest.raises(ScenarioError, match='no matches for kind "HTTPRoute"'):
        seed(new_cluster(), load_scenario(str(path)))


def test_a_file_in_the_cwd_does_not_shadow_a_shipped_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bookinfo").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    (tmp_path / "mine").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: mine}\n")
    monkeypatch.chdir(tmp_path)
    assert load_scenario("bookinfo").name == "bookinfo"
    assert load_scenario("mine").name == str((tmp_path / "mine").resolve())


def test_a_then_step_applies_what_follows_once_the_rest_has_settled(tmp_path: Path) -> None:
    """A Deployment, then the same Deployment scaled to 0: its pod was created (the ReplicaSet
    scaled up, then down), which one transaction for both documents would never do."""
    path = tmp_path / "phases.yaml"
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\n"
        "spec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n"
        "  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: nginx}]}\n"
    )
    scaled = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\n"
    path.write_text(
        f"{deployment}---\nthen: web is scaled to 0\n---\n{scaled}spec: {{replicas: 0}}\n"
    )
    scenario = load_scenario(str(path))
    assert [len(phase) for phase in (scenario.manifests, *scenario.later)] == [1, 1]
    cluster = new_cluster()
    seed(cluster, scenario)
    events = cluster.list(cluster.kind("", "events"), "default")
    reasons = [e["reason"] for e in events if e["involvedObject"]["kind"] == "ReplicaSet"]
    assert reasons.count("SuccessfulCreate") == 1
    assert reasons.count("SuccessfulDelete") == 1
    assert cluster.list(cluster.kind("", "pods"), "default") == []


def test_a_then_step_says_what_happens(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("then: true\n")
    with pytest.raises(ScenarioError, match="document 1: then must say what happens"):
        load_scenario(str(path))


def test_a_workers_step_adds_ready_nodes_in_localities() -> None:
    """The shipped istio-demo-zones: three Ready workers with the topology labels a cloud
    sets, each helloworld pinned to one, so the mesh sees three localities."""
    cluster = new_cluster()
    seed(cluster, load_scenario("istio-demo-zones"))
    nodes = {n["metadata"]["name"]: n for n in cluster.list(cluster.kind("", "nodes"))}
    zone1 = nodes["worker-zone1"]["metadata"]["labels"]
    assert zone1["topology.kubernetes.io/region"] == "region1"
    assert zone1["topology.kubernetes.io/zone"] == "zone1"
    ready = {
        n: any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])
        for n, node in nodes.items()
    }
    assert ready == {NODE_NAME: True, "worker-zone1": True, "worker-zone2": True,
                     "worker-zone3": True}  # fmt: skip
    placed = {p["metadata"]["labels"].get("version"): p["spec"]["nodeName"]
              for p in cluster.list(cluster.kind("", "pods"), "sample")
              if p["metadata"]["labels"].get("app") == "helloworld"}  # fmt: skip
    assert placed == {"region1.zone1": "worker-zone1", "region1.zone2": "worker-zone2",
                      "region2.zone3": "worker-zone3"}  # fmt: skip


def test_a_workers_step_needs_named_nodes(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("workers: [{region: r1}]\n")
    with pytest.raises(ScenarioError, match="document 1: every worker needs a name"):
        load_scenario(str(path))
