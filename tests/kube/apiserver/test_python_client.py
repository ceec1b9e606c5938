"""The official `kubernetes` Python client against the lab: typed models deserialise (every
required field present), CRUD, custom objects, watch, exec and logs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream
from running_api import RunningApi

MANIFESTS = Path(__file__).parent / "manifests"


@pytest.fixture
def k8s(api: RunningApi) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config(config_file=str(api.kubeconfig))
    yield api_client
    api_client.close()


def test_typed_reads_of_pods_deployments_and_services(
    api: RunningApi, k8s: client.ApiClient
) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    core, apps = client.CoreV1Api(k8s), client.AppsV1Api(k8s)
    pods = core.list_namespaced_pod("default", label_selector="app=reviews").items
    assert len(pods) == 1
    pod = pods[0]
    assert pod.status.phase == "Running"
    assert pod.status.container_statuses[0].ready is True
    assert pod.metadata.owner_references[0].kind == "ReplicaSet"
    deploy = apps.read_namespaced_deployment("reviews-v1", "default")
    assert deploy.status.available_replicas == 1
    assert {c.type for c in deploy.status.conditions} == {"Available", "Progressing"}
    svc = core.read_namespaced_service("reviews", "default")
    assert svc.spec.ports[0].target_port == 9080
    endpoints = core.read_namespaced_endpoints("reviews", "default")
    assert endpoints.subsets[0].addresses[0].ip == pod.status.pod_ip
    nodes = core.list_node().items
    assert [n.metadata.name for n in nodes] == ["meshcert-control-plane"]


def test_create_update_delete_and_errors(k8s: client.ApiClient) -> None:
    core = client.CoreV1Api(k8s)
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cfg"), data={"a": "1"})
    created = core.create_namespaced_config_map("default", body)
    assert created.metadata.resource_version
    created.data["a"] = "2"
    replaced = core.replace_namespaced_config_map("cfg", "default", created)
    assert replaced.data == {"a": "2"}
    assert _status_of(lambda: core.replace_namespaced_config_map("cfg", "default", created)) == 409
    core.delete_namespaced_config_map("cfg", "default")
    assert _status_of(lambda: core.read_namespaced_config_map("cfg", "default")) == 404


def _status_of(call: Callable[[], object]) -> int:
    """The HTTP status of the ApiException `call` raises. (Caught here rather than kept in a
    pytest.raises record: its traceback holds the client's response and with it a socket.)"""
    try:
        call()
    except ApiException as exc:
        return int(exc.status)
    raise AssertionError("the call succeeded")


def test_custom_objects_for_istio_kinds(k8s: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(k8s)
    body = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": "reviews"},
        "spec": {"host": "reviews", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]},
    }
    custom.create_namespaced_custom_object(
        "networking.istio.io", "v1", "default", "destinationrules", body
    )
    got = custom.get_namespaced_custom_object(
        "networking.istio.io", "v1beta1", "default", "destinationrules", "reviews"
    )
    assert got["apiVersion"] == "networking.istio.io/v1beta1"
    assert got["spec"]["subsets"][0]["name"] == "v1"
    listed = custom.list_namespaced_custom_object(
        "networking.istio.io", "v1", "default", "destinationrules"
    )
    assert [i["metadata"]["name"] for i in listed["items"]] == ["reviews"]


def test_watch_streams_events(k8s: client.ApiClient) -> None:
    core = client.CoreV1Api(k8s)
    core.create_namespaced_config_map(
        "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w1"))
    )
    events = []
    for event in watch.Watch().stream(
        core.list_namespaced_config_map, "default", timeout_seconds=2
    ):
        events.append((event["type"], event["object"].metadata.name))
    assert ("ADDED", "w1") in events


def test_exec_and_logs(api: RunningApi, k8s: client.ApiClient) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    core = client.CoreV1Api(k8s)
    name = core.list_namespaced_pod("default", label_selector="app=details").items[0].metadata.name
    session = stream(
        core.connect_get_namespaced_pod_exec,
        name,
        "default",
        command=["sh", "-c", "echo hi; hostname; exit 3"],
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    try:
        session.run_forever(timeout=10)
        assert session.read_stdout() == f"hi\n{name}\n"
        assert session.returncode == 3
    finally:
        session.close()
        # websocket-client stops at the server's close frame without closing its socket.
        session.sock.shutdown()
    api.cluster.logs.append("default", name, "details", "started")
    assert core.read_namespaced_pod_log(name, "default") == "started\n"
