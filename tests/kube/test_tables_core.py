"""Cells of core kinds: pods (kubectl's STATUS rules), services, endpoints, nodes, events, ..."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from meshcert.kube.served_kinds import default_registry
from meshcert.kube.tables import table_for

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
REGISTRY = default_registry()
CREATED = "2026-01-01T11:55:00Z"  # five minutes before NOW


def cells(plural: str, obj: dict[str, Any]) -> list[Any]:
    kind = REGISTRY.by_plural("", plural)
    assert kind is not None
    row: list[Any] = table_for(kind, [obj], now=NOW)["rows"][0]["cells"]
    return row


def pod(
    status: dict[str, Any],
    containers: int = 1,
    init: list[dict[str, Any]] | None = None,
    **meta: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": f"c{i}"} for i in range(containers)]}
    if init is not None:
        spec["initContainers"] = init
    return {
        "metadata": {"name": "web", "creationTimestamp": CREATED, **meta},
        "spec": spec,
        "status": status,
    }


def running(name: str = "c0", ready: bool = True, restarts: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "ready": ready,
        "restartCount": restarts,
        "state": {"running": {"startedAt": CREATED}},
    }


def waiting(reason: str, name: str = "c0", restarts: int = 0, **last: Any) -> dict[str, Any]:
    status: dict[str, Any] = {
        "name": name,
        "ready": False,
        "restartCount": restarts,
        "state": {"waiting": {"reason": reason}},
    }
    if last:
        status["lastState"] = {"terminated": last}
    return status


def terminated(name: str = "c0", **state: Any) -> dict[str, Any]:
    return {"name": name, "ready": False, "restartCount": 0, "state": {"terminated": state}}


READY_CONDITION = {"type": "Ready", "status": "True"}

# (id, pod, READY, STATUS, RESTARTS)
PODS: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("pending", pod({"phase": "Pending"}), "0/1", "Pending", "0"),
    (
        "container-creating",
        pod({"phase": "Pending", "containerStatuses": [waiting("ContainerCreating")]}),
        "0/1",
        "ContainerCreating",
        "0",
    ),
    (
        "running",
        pod({"phase": "Running", "containerStatuses": [running()]}),
        "1/1",
        "Running",
        "0",
    ),
    (
        "running-with-sidecar-restarts",
        pod(
            {
                "phase": "Running",
                "containerStatuses": [
                    running("c0"),
                    {
                        **running("c1", restarts=2),
                        "lastState": {"terminated": {"finishedAt": "2026-01-01T11:57:00Z"}},
                    },
                ],
            },
            containers=2,
        ),
        "2/2",
        "Running",
        "2 (3m ago)",
    ),
    (
        "crash-loop",
        pod(
            {
                "phase": "Running",
                "containerStatuses": [
                    waiting("CrashLoopBackOff", restarts=5, finishedAt="2026-01-01T11:59:20Z")
                ],
            }
        ),
        "0/1",
        "CrashLoopBackOff",
        "5 (40s ago)",
    ),
    (
        "restarts-without-a-finish-time",
        pod({"phase": "Running", "containerStatuses": [running(restarts=1)]}),
        "1/1",
        "Running",
        "1",
    ),
    (
        "not-ready",
        pod({"phase": "Running", "containerStatuses": [running(ready=False)]}),
        "0/1",
        "Running",
        "0",
    ),
    (
        "completed",
        pod(
            {
                "phase": "Succeeded",
                "containerStatuses": [terminated(exitCode=0, reason="Completed")],
            }
        ),
        "0/1",
        "Completed",
        "0",
    ),
    (
        "error",
        pod({"phase": "Failed", "containerStatuses": [terminated(exitCode=1, reason="Error")]}),
        "0/1",
        "Error",
        "0",
    ),
    (
        "exit-code-without-reason",
        pod({"phase": "Failed", "containerStatuses": [terminated(exitCode=3)]}),
        "0/1",
        "ExitCode:3",
        "0",
    ),
    (
        "killed-by-signal",
        pod({"phase": "Failed", "containerStatuses": [terminated(exitCode=137, signal=9)]}),
        "0/1",
        "Signal:9",
        "0",
    ),
    (
        "completed-but-one-still-running-and-ready",
        pod(
            {
                "phase": "Running",
                "conditions": [READY_CONDITION],
                "containerStatuses": [
                    terminated("c0", exitCode=0, reason="Completed"),
                    running("c1"),
                ],
            },
            containers=2,
        ),
        "1/2",
        "Running",
        "0",
    ),
    (
        "completed-but-one-still-running-not-ready",
        pod(
            {
                "phase": "Running",
                "containerStatuses": [
                    terminated("c0", exitCode=0, reason="Completed"),
                    running("c1"),
                ],
            },
            containers=2,
        ),
        "1/2",
        "NotReady",
        "0",
    ),
    (
        "init-running",
        pod(
            {
                "phase": "Pending",
                "initContainerStatuses": [running("init", ready=False)],
                "containerStatuses": [waiting("PodInitializing")],
            },
            init=[{"name": "init"}],
        ),
        "0/1",
        "Init:0/1",
        "0",
    ),
    (
        "second-init-running",
        pod(
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    terminated("a", exitCode=0, reason="Completed"),
                    running("b", ready=False),
                ],
            },
            init=[{"name": "a"}, {"name": "b"}],
        ),
        "0/1",
        "Init:1/2",
        "0",
    ),
    (
        "init-crash-loop",
        pod(
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    waiting(
                        "CrashLoopBackOff",
                        name="init",
                        restarts=3,
                        finishedAt="2026-01-01T11:58:00Z",
                    )
                ],
            },
            init=[{"name": "init"}],
        ),
        "0/1",
        "Init:CrashLoopBackOff",
        "3 (2m ago)",
    ),
    (
        "init-error",
        pod(
            {
                "phase": "Pending",
                "initContainerStatuses": [terminated("init", exitCode=1, reason="Error")],
            },
            init=[{"name": "init"}],
        ),
        "0/1",
        "Init:Error",
        "0",
    ),
    (
        "init-exit-code",
        pod(
            {"phase": "Pending", "initContainerStatuses": [terminated("init", exitCode=2)]},
            init=[{"name": "init"}],
        ),
        "0/1",
        "Init:ExitCode:2",
        "0",
    ),
    (
        "native-sidecar-counts-as-a-container",
        pod(
            {
                "phase": "Running",
                "conditions": [{"type": "Initialized", "status": "True"}, READY_CONDITION],
                "initContainerStatuses": [{**running("istio-proxy"), "started": True}],
                "containerStatuses": [running()],
            },
            init=[{"name": "istio-proxy", "restartPolicy": "Always"}],
        ),
        "2/2",
        "Running",
        "0",
    ),
    (
        "terminating",
        pod(
            {"phase": "Running", "containerStatuses": [running()]},
            deletionTimestamp="2026-01-01T11:59:00Z",
        ),
        "1/1",
        "Terminating",
        "0",
    ),
    (
        "finished-pods-are-not-terminating",
        pod(
            {
                "phase": "Succeeded",
                "containerStatuses": [terminated(exitCode=0, reason="Completed")],
            },
            deletionTimestamp="2026-01-01T11:59:00Z",
        ),
        "0/1",
        "Completed",
        "0",
    ),
    (
        "node-lost",
        pod(
            {"phase": "Running", "reason": "NodeLost"},
            deletionTimestamp="2026-01-01T11:59:00Z",
        ),
        "0/1",
        "Unknown",
        "0",
    ),
    (
        "evicted",
        pod({"phase": "Failed", "reason": "Evicted"}),
        "0/1",
        "Evicted",
        "0",
    ),
    (
        "scheduling-gated",
        pod(
            {
                "phase": "Pending",
                "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
                ],
            }
        ),
        "0/1",
        "SchedulingGated",
        "0",
    ),
]


@pytest.mark.parametrize(
    ("obj", "ready", "status", "restarts"), [p[1:] for p in PODS], ids=[p[0] for p in PODS]
)
def test_pod_ready_status_and_restarts(
    obj: dict[str, Any], ready: str, status: str, restarts: str
) -> None:
    assert cells("pods", obj)[:5] == ["web", ready, status, restarts, "5m"]


def test_pod_wide_cells() -> None:
    obj = pod(
        {
            "phase": "Running",
            "podIP": "10.244.0.9",
            "podIPs": [{"ip": "10.244.0.5"}, {"ip": "fd00::5"}],
            "nominatedNodeName": "node-2",
            "conditions": [{"type": "example.com/gate", "status": "True"}],
        }
    )
    obj["spec"]["nodeName"] = "node-1"
    obj["spec"]["readinessGates"] = [
        {"conditionType": "example.com/gate"},
        {"conditionType": "example.com/other"},
    ]
    assert cells("pods", obj)[5:] == ["10.244.0.5", "node-1", "node-2", "1/2"]


def test_unscheduled_pod_wide_cells() -> None:
    assert cells("pods", pod({"phase": "Pending"}))[5:] == ["<none>", "<none>", "<none>", "<none>"]


def test_pod_ip_falls_back_to_pod_ip_field() -> None:
    assert cells("pods", pod({"phase": "Running", "podIP": "10.0.0.7"}))[5] == "10.0.0.7"


def service(spec: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "metadata": {"name": "reviews", "creationTimestamp": CREATED},
        "spec": spec,
        "status": status or {},
    }


# (id, service, TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), SELECTOR)
SERVICES: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "cluster-ip",
        service(
            {
                "type": "ClusterIP",
                "clusterIP": "10.96.0.10",
                "clusterIPs": ["10.96.0.10"],
                "ports": [{"port": 9080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
                "selector": {"version": "v1", "app": "reviews"},
            }
        ),
        ["ClusterIP", "10.96.0.10", "<none>", "9080/TCP,53/UDP", "app=reviews,version=v1"],
    ),
    (
        "protocol-defaults-to-tcp",
        service({"clusterIP": "10.96.0.11", "ports": [{"port": 80}]}),
        ["ClusterIP", "10.96.0.11", "<none>", "80/TCP", "<none>"],
    ),
    (
        "cluster-ip-with-external-ips",
        service(
            {
                "type": "ClusterIP",
                "clusterIPs": ["10.96.0.12"],
                "externalIPs": ["203.0.113.5", "203.0.113.6"],
                "ports": [{"port": 80, "protocol": "TCP"}],
            }
        ),
        ["ClusterIP", "10.96.0.12", "203.0.113.5,203.0.113.6", "80/TCP", "<none>"],
    ),
    (
        "headless",
        service({"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"]}),
        ["ClusterIP", "None", "<none>", "<none>", "<none>"],
    ),
    (
        "node-port",
        service(
            {
                "type": "NodePort",
                "clusterIPs": ["10.96.0.13"],
                "ports": [{"port": 80, "nodePort": 31234, "protocol": "TCP"}],
            }
        ),
        ["NodePort", "10.96.0.13", "<none>", "80:31234/TCP", "<none>"],
    ),
    (
        "load-balancer-pending",
        service(
            {
                "type": "LoadBalancer",
                "clusterIPs": ["10.96.0.14"],
                "ports": [
                    {"port": 80, "nodePort": 30080, "protocol": "TCP"},
                    {"port": 443, "nodePort": 30443, "protocol": "TCP"},
                ],
            }
        ),
        ["LoadBalancer", "10.96.0.14", "<pending>", "80:30080/TCP,443:30443/TCP", "<none>"],
    ),
    (
        "load-balancer-with-ingress",
        service(
            {"type": "LoadBalancer", "clusterIPs": ["10.96.0.15"]},
            {
                "loadBalancer": {
                    "ingress": [
                        {"ip": "172.18.255.201"},
                        {"hostname": "lb.example.com"},
                        {"ip": "172.18.255.200"},
                    ]
                }
            },
        ),
        [
            "LoadBalancer",
            "10.96.0.15",
            "172.18.255.200,172.18.255.201,lb.example.com",
            "<none>",
            "<none>",
        ],
    ),
    (
        "load-balancer-with-ingress-and-external-ips",
        service(
            {"type": "LoadBalancer", "clusterIPs": ["10.96.0.16"], "externalIPs": ["203.0.113.9"]},
            {"loadBalancer": {"ingress": [{"ip": "172.18.255.200"}]}},
        ),
        ["LoadBalancer", "10.96.0.16", "172.18.255.200,203.0.113.9", "<none>", "<none>"],
    ),
    (
        "external-name",
        service({"type": "ExternalName", "externalName": "httpbin.org"}),
        ["ExternalName", "<none>", "httpbin.org", "<none>", "<none>"],
    ),
]


@pytest.mark.parametrize(
    ("obj", "expected"), [s[1:] for s in SERVICES], ids=[s[0] for s in SERVICES]
)
def test_service_cells(obj: dict[str, Any], expected: list[str]) -> None:
    row = cells("services", obj)
    assert [row[0], row[5]] == ["reviews", "5m"]
    assert [*row[1:5], row[6]] == expected


def endpoints(*subsets: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "reviews", "creationTimestamp": CREATED}, "subsets": list(subsets)}


def subset(ips: list[str], ports: list[int]) -> dict[str, Any]:
    return {"addresses": [{"ip": ip} for ip in ips], "ports": [{"port": p} for p in ports]}


ENDPOINTS = [
    ("none", endpoints(), "<none>"),
    (
        "two",
        endpoints(subset(["10.244.0.5", "10.244.0.6"], [9080])),
        "10.244.0.5:9080,10.244.0.6:9080",
    ),
    (
        "four",
        endpoints(subset(["10.244.0.5", "10.244.0.6", "10.244.0.7", "10.244.0.8"], [9080])),
        "10.244.0.5:9080,10.244.0.6:9080,10.244.0.7:9080 + 1 more...",
    ),
    (
        "two-ports",
        endpoints(subset(["10.244.0.5", "10.244.0.6"], [80, 443])),
        "10.244.0.5:80,10.244.0.6:80,10.244.0.5:443 + 1 more...",
    ),
    ("ipv6", endpoints(subset(["fd00::1"], [80])), "[fd00::1]:80"),
    (
        "headless-without-ports",
        endpoints(subset(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"], [])),
        "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...",
    ),
    (
        "not-ready-addresses-are-not-listed",
        endpoints({"notReadyAddresses": [{"ip": "10.0.0.9"}], "ports": [{"port": 80}]}),
        "",
    ),
]


@pytest.mark.parametrize(("obj", "text"), [e[1:] for e in ENDPOINTS], ids=[e[0] for e in ENDPOINTS])
def test_endpoints_cells(obj: dict[str, Any], text: str) -> None:
    assert cells("endpoints", obj) == ["reviews", text, "5m"]


def node(conditions: list[dict[str, str]], labels: dict[str, str], **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "node-1", "creationTimestamp": CREATED, "labels": labels},
        "spec": spec,
        "status": {
            "conditions": conditions,
            "nodeInfo": {
                "kubeletVersion": "v1.33.1",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "kernelVersion": "6.1.0-18-amd64",
                "containerRuntimeVersion": "containerd://2.1.1",
            },
            "addresses": [
                {"type": "Hostname", "address": "node-1"},
                {"type": "InternalIP", "address": "172.18.0.2"},
            ],
        },
    }


NODES = [
    (
        "ready-control-plane",
        node(
            [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
            {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "node-1"},
        ),
        ["Ready", "control-plane"],
    ),
    (
        "not-ready-cordoned",
        node([{"type": "Ready", "status": "False"}], {}, unschedulable=True),
        ["NotReady,SchedulingDisabled", "<none>"],
    ),
    (
        "unknown-with-legacy-role-label",
        node([], {"kubernetes.io/role": "worker", "node-role.kubernetes.io/infra": ""}),
        ["Unknown", "infra,worker"],
    ),
]


@pytest.mark.parametrize(("obj", "expected"), [n[1:] for n in NODES], ids=[n[0] for n in NODES])
def test_node_status_and_roles(obj: dict[str, Any], expected: list[str]) -> None:
    row = cells("nodes", obj)
    assert row[1:3] == expected
    assert [row[0], *row[3:]] == [
        "node-1",
        "5m",
        "v1.33.1",
        "172.18.0.2",
        "<none>",
        "Debian GNU/Linux 12 (bookworm)",
        "6.1.0-18-amd64",
        "containerd://2.1.1",
    ]


def test_node_without_info_shows_unknown_wide_cells() -> None:
    bare = {"metadata": {"name": "n"}}
    assert cells("nodes", bare)[5:] == ["<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]


def event(**fields: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "reviews.17f", "creationTimestamp": CREATED},
        "involvedObject": {
            "kind": "Pod",
            "name": "reviews-v1-abc",
            "fieldPath": "spec.containers{app}",
        },
        "reason": "Pulled",
        "message": "  Container image already present on machine\n",
        "type": "Normal",
        "source": {"component": "kubelet", "host": "node-1"},
        **fields,
    }


EVENTS = [
    (
        "classic",
        event(firstTimestamp="2026-01-01T11:50:00Z", lastTimestamp="2026-01-01T11:58:00Z", count=3),
        ["2m", "10m", 3, "kubelet, node-1"],
    ),
    (
        "first-timestamp-only",
        event(firstTimestamp="2026-01-01T11:59:30Z"),
        ["30s", "30s", 1, "kubelet, node-1"],
    ),
    (
        "event-time-and-series",
        event(
            eventTime="2026-01-01T11:00:00.000000Z",
            series={"count": 7, "lastObservedTime": "2026-01-01T11:59:00.000000Z"},
            source={},
            reportingComponent="istiod",
            reportingInstance="istiod-abc",
        ),
        ["60s", "60m", 7, "istiod, istiod-abc"],
    ),
    (
        "no-timestamps",
        event(source={"component": "kubelet"}),
        ["<unknown>", "<unknown>", 1, "kubelet"],
    ),
]


@pytest.mark.parametrize(("obj", "expected"), [e[1:] for e in EVENTS], ids=[e[0] for e in EVENTS])
def test_event_cells(obj: dict[str, Any], expected: list[Any]) -> None:
    last, first, count, source = expected
    assert cells("events", obj) == [
        last,
        "Normal",
        "Pulled",
        "pod/reviews-v1-abc",
        "spec.containers{app}",
        source,
        "Container image already present on machine",
        first,
        count,
        "reviews.17f",
    ]


def test_event_about_an_object_without_a_name_names_only_the_kind() -> None:
    row = cells("events", event(involvedObject={"kind": "Node"}))
    assert row[3:5] == ["node", ""]


SIMPLE: list[tuple[str, str, dict[str, Any], list[Any]]] = [
    ("namespace-active", "namespaces", {"status": {"phase": "Active"}}, ["Active"]),
    ("namespace-terminating", "namespaces", {"status": {"phase": "Terminating"}}, ["Terminating"]),
    ("serviceaccount", "serviceaccounts", {}, [0]),
    ("serviceaccount-secrets", "serviceaccounts", {"secrets": [{"name": "t"}]}, [1]),
    ("configmap-empty", "configmaps", {}, [0]),
    (
        "configmap-data-and-binary",
        "configmaps",
        {"data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}},
        [3],
    ),
    (
        "secret-opaque",
        "secrets",
        {"type": "Opaque", "data": {"u": "YQ==", "p": "Yg=="}},
        ["Opaque", 2],
    ),
    (
        "secret-tls",
        "secrets",
        {"type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}},
        ["kubernetes.io/tls", 2],
    ),
]


@pytest.mark.parametrize(
    ("plural", "fields", "middle"), [s[1:] for s in SIMPLE], ids=[s[0] for s in SIMPLE]
)
def test_simple_kinds(plural: str, fields: dict[str, Any], middle: list[Any]) -> None:
    obj = {"metadata": {"name": "x", "creationTimestamp": CREATED}, **fields}
    assert cells(plural, obj) == ["x", *middle, "5m"]
