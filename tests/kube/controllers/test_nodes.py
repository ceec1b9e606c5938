"""Node manifests as `kubectl get nodes -o wide` and `describe node` read them."""

from __future__ import annotations

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import node_manifest
from meshcert.kube.controllers.scheduling import node_ready


@pytest.mark.parametrize(
    ("index", "ip", "cidr"),
    [(0, "172.18.0.2", "10.244.0.0/24"), (2, "172.18.0.4", "10.244.2.0/24")],
)
def test_a_node_has_its_address_and_pod_range(index: int, ip: str, cidr: str) -> None:
    node = node_manifest("kind-worker", index=index)
    assert node["status"]["addresses"] == [
        {"address": ip, "type": "InternalIP"},
        {"address": "kind-worker", "type": "Hostname"},
    ]
    assert node["spec"]["podCIDRs"] == [cidr]
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.33.4"
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")


def test_a_ready_node_reports_the_four_kubelet_conditions() -> None:
    node = node_manifest("n")
    reasons = {c["type"]: (c["status"], c["reason"]) for c in node["status"]["conditions"]}
    assert reasons == {
        "MemoryPressure": ("False", "KubeletHasSufficientMemory"),
        "DiskPressure": ("False", "KubeletHasNoDiskPressure"),
        "PIDPressure": ("False", "KubeletHasSufficientPID"),
        "Ready": ("True", "KubeletReady"),
    }
    assert node_ready(node)
    assert not node_ready(node_manifest("n", ready=False))


def test_a_control_plane_node_has_its_role_and_optionally_its_taint() -> None:
    labels = node_manifest("cp", control_plane=True)["metadata"]["labels"]
    assert labels["node-role.kubernetes.io/control-plane"] == ""
    assert "taints" not in node_manifest("cp", control_plane=True)["spec"]
    assert node_manifest("cp", control_plane=True, tainted=True)["spec"]["taints"] == [
        {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}
    ]


def test_the_python_client_reads_a_node(cluster: Cluster) -> None:
    from .test_python_client import deserialize

    node = deserialize(cluster.get(cluster.kind("", "nodes"), "", "kind-worker"), "V1Node")
    assert node.status.node_info.kubelet_version == "v1.33.4"
    assert [c.type for c in node.status.conditions][-1] == "Ready"
