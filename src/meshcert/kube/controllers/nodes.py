"""Node manifests like the ones a kind cluster (containerd, Debian, amd64) registers: labels,
pod CIDR, addresses, capacity, the four healthy conditions and node info.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from ..version import GIT_VERSION

KUBELET_VERSION = GIT_VERSION
CONTAINER_RUNTIME = "containerd://2.1.4"
CONTROL_PLANE_TAINT = {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}
HEARTBEAT = "2026-01-01T00:00:00Z"


def _condition(type_: str, status: str, reason: str, message: str, at: str) -> dict[str, str]:
    return {
        "lastHeartbeatTime": at,
        "lastTransitionTime": at,
        "message": message,
        "reason": reason,
        "status": status,
        "type": type_,
    }


def node_manifest(
    name: str,
    *,
    index: int = 0,
    control_plane: bool = False,
    tainted: bool = False,
    ready: bool = True,
    created: str = HEARTBEAT,
) -> dict[str, Any]:
    """A Ready node named `name`: pod CIDR 10.244.<index>.0/24, InternalIP 172.18.0.<index+2>.

    `control_plane` adds the control-plane role labels; `tainted` also adds the control-plane
    NoSchedule taint (kind taints the control plane only when there are worker nodes).
    """
    seed = hashlib.sha256(name.encode()).hexdigest()
    cidr = f"10.244.{index}.0/24"
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    spec: dict[str, Any] = {
        "podCIDR": cidr,
        "podCIDRs": [cidr],
        "providerID": f"kind://docker/kind/{name}",
    }
    if tainted:
        spec["taints"] = [dict(CONTROL_PLANE_TAINT)]
    capacity = {
        "cpu": "8",
        "ephemeral-storage": "102626232Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": "16375184Ki",
        "pods": "110",
    }
    ready_condition = (
        _condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", created)
        if ready
        else _condition(
            "Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", created
        )
    )
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
        "status": {
            "addresses": [
                {"address": f"172.18.0.{index + 2}", "type": "InternalIP"},
                {"address": name, "type": "Hostname"},
            ],
            "allocatable": dict(capacity),
            "capacity": capacity,
            "conditions": [
                _condition(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                    created,
                ),
                _condition(
                    "DiskPressure",
                    "False",
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                    created,
                ),
                _condition(
                    "PIDPressure",
                    "False",
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                    created,
                ),
                ready_condition,
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": str(uuid.UUID(seed[:32])),
                "containerRuntimeVersion": CONTAINER_RUNTIME,
                "kernelVersion": "6.8.0-79-generic",
                "kubeProxyVersion": "",
                "kubeletVersion": KUBELET_VERSION,
                "machineID": seed[32:64],
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": str(uuid.UUID(seed[16:48])),
            },
        },
    }
