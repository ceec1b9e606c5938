"""The official `kubernetes` Python client validates every required field of what it reads:
the objects the controllers write must deserialize into its models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes.client import ApiClient

from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import crash_loop, image_pull_backoff, set_container_state

from .builders import container, create, deployment, get, pod_manifest, service, workload


def deserialize(obj: dict[str, Any], model: str) -> Any:
    """What the client does with a response body of type `model`."""
    return ApiClient().deserialize(json.dumps(obj), model, "application/json")


def test_a_running_pod_deserializes_with_every_status_field(cluster: Cluster) -> None:
    create(
        cluster,
        pod_manifest(
            "web",
            container("app", "nginx:1.27", resources={"limits": {"cpu": "1", "memory": "1Gi"}}),
            initContainers=[container("init", "busybox:1.36")],
        ),
    )
    pod = deserialize(get(cluster, "", "pods", "web"), "V1Pod")
    assert pod.status.phase == "Running"
    assert pod.status.qos_class == "Burstable"  # the init container sets no limits
    assert pod.status.container_statuses[0].ready is True
    assert pod.status.container_statuses[0].image_id.startswith("docker.io/library/nginx@sha256:")
    assert pod.status.init_container_statuses[0].state.terminated.reason == "Completed"
    assert pod.metadata.owner_references is None
    assert {c.type for c in pod.status.conditions} >= {"Ready", "PodScheduled"}


@pytest.mark.parametrize(
    "state", [crash_loop(), image_pull_backoff()], ids=["crash-loop", "image-pull"]
)
def test_a_troubled_pod_deserializes(cluster: Cluster, state: Any) -> None:
    create(cluster, pod_manifest("web"))
    set_container_state(cluster, "default", "web", "app", state)
    pod = deserialize(get(cluster, "", "pods", "web"), "V1Pod")
    assert pod.status.container_statuses[0].state.waiting.reason == state.reason


@pytest.mark.parametrize(
    ("group", "plural", "name", "model"),
    [
        ("apps", "deployments", "web", "V1Deployment"),
        ("apps", "replicasets", None, "V1ReplicaSet"),
        ("apps", "daemonsets", "agent", "V1DaemonSet"),
        ("apps", "statefulsets", "db", "V1StatefulSet"),
        ("", "services", "web", "V1Service"),
        ("", "endpoints", "web", "V1Endpoints"),
        ("", "pods", None, "V1Pod"),
        ("", "events", None, "CoreV1Event"),
        ("", "serviceaccounts", "default", "V1ServiceAccount"),
        ("", "configmaps", "kube-root-ca.crt", "V1ConfigMap"),
        ("", "namespaces", "default", "V1Namespace"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith(("V1", "Core")) else None,
)
def test_every_kind_the_controllers_write_deserializes(
    cluster: Cluster, group: str, plural: str, name: str | None, model: str
) -> None:
    create(cluster, deployment("web", replicas=2))
    create(cluster, workload("DaemonSet", "agent"))
    create(cluster, workload("StatefulSet", "db", replicas=2))
    create(
        cluster, service("web", {"app": "web"}, [{"name": "http", "port": 80}], type="LoadBalancer")
    )
    kind = cluster.kind(group, plural)
    objects = [get(cluster, group, plural, name)] if name else cluster.list(kind, "default")
    assert objects
    for obj in objects:
        assert deserialize(obj, model).metadata.name == obj["metadata"]["name"]


def test_the_deployment_model_reads_its_status(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=2))
    deploy = deserialize(get(cluster, "apps", "deployments", "web"), "V1Deployment")
    assert deploy.status.ready_replicas == 2
    assert deploy.spec.strategy.rolling_update.max_surge == "25%"
    assert [c.type for c in deploy.status.conditions] == ["Available", "Progressing"]
