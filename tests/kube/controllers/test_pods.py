"""Pods as their kubelet reports them: bound to a node, IPs, phase, conditions, container
statuses, events, imposed container states, and scheduling failures."""

from __future__ import annotations

import re

import pytest

from meshcert.kube import errors
from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import (
    ContainerState,
    completed,
    config_error,
    crash_loop,
    image_pull_backoff,
    node_manifest,
    not_ready,
    set_container_state,
)

from .builders import (
    conditions,
    container,
    create,
    edit,
    events_of,
    get,
    make_cluster,
    pod_manifest,
    pods,
)

HEX64 = "[0-9a-f]{64}"


def test_a_bare_pod_runs_on_a_node_with_an_ip(cluster: Cluster) -> None:
    create(cluster, pod_manifest("web", container("nginx", "nginx")))
    pod = get(cluster, "", "pods", "web")
    status = pod["status"]
    node = get(cluster, "", "nodes", pod["spec"]["nodeName"])
    node_ip = node["status"]["addresses"][0]["address"]
    assert status["phase"] == "Running"
    assert status["hostIP"] == node_ip
    assert status["hostIPs"] == [{"ip": node_ip}]
    assert re.fullmatch(r"10\.244\.\d+\.\d+", status["podIP"])
    assert status["podIPs"] == [{"ip": status["podIP"]}]
    assert status["podIP"].startswith(node["spec"]["podCIDR"].rsplit(".", 2)[0])
    assert status["startTime"] == "2026-01-01T00:00:00Z"
    assert status["qosClass"] == "BestEffort"
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [
        ("PodReadyToStartContainers", "True"),
        ("Initialized", "True"),
        ("Ready", "True"),
        ("ContainersReady", "True"),
        ("PodScheduled", "True"),
    ]
    for cond in status["conditions"]:
        assert cond["lastTransitionTime"] == "2026-01-01T00:00:00Z"
        assert cond["lastProbeTime"] is None
    [cs] = status["containerStatuses"]
    assert cs["name"] == "nginx"
    assert cs["image"] == "docker.io/library/nginx:latest"
    assert re.fullmatch(rf"docker\.io/library/nginx@sha256:{HEX64}", cs["imageID"])
    assert re.fullmatch(rf"containerd://{HEX64}", cs["containerID"])
    assert (cs["ready"], cs["started"], cs["restartCount"]) == (True, True, 0)
    assert cs["state"] == {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
    assert cs["lastState"] == {}


def test_the_kubelet_reports_in_the_order_describe_shows(cluster: Cluster) -> None:
    create(cluster, pod_manifest("web", container("nginx", "nginx:1.27")))
    pod = get(cluster, "", "pods", "web")
    node = pod["spec"]["nodeName"]
    assert events_of(cluster, pod) == [
        ("Normal", "Scheduled", f"Successfully assigned default/web to {node}"),
        (
            "Normal",
            "Pulled",
            'Container image "nginx:1.27" already present on machine and can be accessed by '
            "the pod",
        ),
        ("Normal", "Created", "Container created"),
        ("Normal", "Started", "Container started"),
    ]
    kubelet = [
        e
        for e in cluster.list(cluster.kind("", "events"), "default")
        if e["source"]["component"] == "kubelet"
    ]
    assert {e["involvedObject"]["fieldPath"] for e in kubelet} == {"spec.containers{nginx}"}
    assert {e["source"]["host"] for e in kubelet} == {node}


def test_an_image_that_is_always_pulled_is_pulled(cluster: Cluster) -> None:
    create(cluster, pod_manifest("web", container("nginx", "nginx:latest")))
    reasons = [r for _, r, _ in events_of(cluster, get(cluster, "", "pods", "web"))]
    assert reasons == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
    pulled = events_of(cluster, get(cluster, "", "pods", "web"))[2][2]
    assert re.fullmatch(
        r'Successfully pulled image "nginx:latest" in \d\.\d{3}s '
        r"\(\d\.\d{3}s including waiting\)\. Image size: \d+ bytes\.",
        pulled,
    )


def test_pods_are_spread_over_the_nodes_with_unique_ips(cluster: Cluster) -> None:
    for i in range(6):
        create(cluster, pod_manifest(f"p{i}"))
    placed = [p["spec"]["nodeName"] for p in pods(cluster)]
    assert sorted(placed) == ["kind-control-plane"] * 3 + ["kind-worker"] * 3
    ips = [p["status"]["podIP"] for p in pods(cluster)]
    assert len(set(ips)) == 6


def test_a_host_network_pod_has_its_nodes_ip(cluster: Cluster) -> None:
    create(
        cluster, pod_manifest("agent", container(ports=[{"containerPort": 9100}]), hostNetwork=True)
    )
    pod = get(cluster, "", "pods", "agent")
    assert pod["status"]["podIP"] == pod["status"]["hostIP"]
    assert pod["spec"]["containers"][0]["ports"] == [
        {"containerPort": 9100, "hostPort": 9100, "protocol": "TCP"}
    ]


def test_init_containers_complete_before_the_containers_start(cluster: Cluster) -> None:
    create(
        cluster,
        pod_manifest(
            "web",
            container("app"),
            initContainers=[
                container("setup", "busybox:1.36"),
                container("proxy", "envoy:1", restartPolicy="Always"),
            ],
        ),
    )
    pod = get(cluster, "", "pods", "web")
    setup, proxy = pod["status"]["initContainerStatuses"]
    assert setup["state"]["terminated"]["reason"] == "Completed"
    assert setup["state"]["terminated"]["exitCode"] == 0
    assert (setup["ready"], setup["started"]) == (True, False)
    assert "running" in proxy["state"]
    assert proxy["ready"] is True
    assert pod["status"]["phase"] == "Running"
    assert conditions(pod)["Initialized"] == ("True", "")


def test_a_stuck_init_container_keeps_the_pod_initializing(cluster: Cluster) -> None:
    create(
        cluster,
        pod_manifest("web", container("app"), initContainers=[container("wait", "busybox")]),
    )
    set_container_state(cluster, "default", "web", "wait", ContainerState())
    pod = get(cluster, "", "pods", "web")
    assert pod["status"]["phase"] == "Pending"
    cond = {c["type"]: c for c in pod["status"]["conditions"]}["Initialized"]
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "False",
        "ContainersNotInitialized",
        "containers with incomplete status: [wait]",
    )
    assert pod["status"]["containerStatuses"][0]["state"] == {
        "waiting": {"reason": "PodInitializing"}
    }


@pytest.mark.parametrize(
    ("state", "phase", "waiting_reason", "restarts"),
    [
        (crash_loop(restarts=4), "Running", "CrashLoopBackOff", 4),
        (image_pull_backoff(), "Pending", "ImagePullBackOff", 0),
        (
            config_error("couldn't find key mode in ConfigMap default/app"),
            "Pending",
            "CreateContainerConfigError",
            0,
        ),
        (not_ready(), "Running", None, 0),
    ],
    ids=["crash-loop", "image-pull", "config-error", "not-ready"],
)
def test_an_imposed_container_state_shows_in_ready_status_and_restarts(
    cluster: Cluster, state: ContainerState, phase: str, waiting_reason: str | None, restarts: int
) -> None:
    create(cluster, pod_manifest("web", container("app", "nginx:1.27")))
    set_container_state(cluster, "default", "web", "app", state)
    pod = get(cluster, "", "pods", "web")
    [cs] = pod["status"]["containerStatuses"]
    assert pod["status"]["phase"] == phase
    assert cs["ready"] is False
    assert cs["restartCount"] == restarts
    assert cs["state"].get("waiting", {}).get("reason") == waiting_reason
    ready = {c["type"]: c for c in pod["status"]["conditions"]}["Ready"]
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False",
        "ContainersNotReady",
        "containers with unready status: [app]",
    )
    set_container_state(cluster, "default", "web", "app", None)
    pod = get(cluster, "", "pods", "web")
    assert pod["status"]["containerStatuses"][0]["ready"] is True
    assert conditions(pod)["Ready"] == ("True", "")


def test_a_crash_loop_reads_like_kubectl_describe(cluster: Cluster) -> None:
    create(cluster, pod_manifest("web", container("app", "nginx:1.27")))
    set_container_state(cluster, "default", "web", "app", crash_loop(restarts=3, exit_code=2))
    pod = get(cluster, "", "pods", "web")
    [cs] = pod["status"]["containerStatuses"]
    uid = pod["metadata"]["uid"]
    assert cs["state"]["waiting"]["message"] == (
        f"back-off 40s restarting failed container=app pod=web_default({uid})"
    )
    last = cs["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (2, "Error")
    assert (
        "Warning",
        "BackOff",
        f"Back-off restarting failed container app in pod web_default({uid})",
    ) in events_of(cluster, pod)


def test_an_image_pull_failure_reads_like_kubectl_describe(cluster: Cluster) -> None:
    create(cluster, pod_manifest("web", container("app", "nginx:nope")))
    set_container_state(cluster, "default", "web", "app", image_pull_backoff())
    pod = get(cluster, "", "pods", "web")
    [cs] = pod["status"]["containerStatuses"]
    assert cs["state"] == {
        "waiting": {"message": 'Back-off pulling image "nginx:nope"', "reason": "ImagePullBackOff"}
    }
    assert (cs["image"], cs["imageID"], cs["started"]) == ("nginx:nope", "", False)
    reasons = [(t, r) for t, r, _ in events_of(cluster, pod)]
    assert ("Warning", "Failed") in reasons
    assert ("Normal", "BackOff") in reasons


def test_a_completed_container_of_a_never_restarting_pod_succeeds(cluster: Cluster) -> None:
    create(cluster, pod_manifest("job", container("task", "busybox:1.36"), restartPolicy="Never"))
    set_container_state(cluster, "default", "job", "task", completed())
    pod = get(cluster, "", "pods", "job")
    assert pod["status"]["phase"] == "Succeeded"
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    set_container_state(cluster, "default", "job", "task", completed(3))
    assert get(cluster, "", "pods", "job")["status"]["phase"] == "Failed"


def test_changing_the_image_restarts_the_container(cluster: Cluster, clock: FakeClock) -> None:
    create(cluster, pod_manifest("web", container("app", "nginx:1.26")))
    before = get(cluster, "", "pods", "web")["status"]["containerStatuses"][0]
    clock.advance(60)
    edit(
        cluster,
        "",
        "pods",
        "web",
        lambda p: p["spec"]["containers"][0].__setitem__("image", "nginx:1.27"),
    )
    pod = get(cluster, "", "pods", "web")
    [cs] = pod["status"]["containerStatuses"]
    assert cs["image"] == "docker.io/library/nginx:1.27"
    assert cs["restartCount"] == 1
    assert cs["containerID"] != before["containerID"]
    assert cs["state"]["running"]["startedAt"] == "2026-01-01T00:01:00Z"
    assert cs["lastState"]["terminated"]["containerID"] == before["containerID"]
    assert (
        "Normal",
        "Killing",
        "Container app definition changed, will be restarted",
    ) in events_of(cluster, pod)


@pytest.mark.parametrize(
    ("change", "allowed"),
    [
        (lambda s: s["containers"][0].__setitem__("image", "nginx:1.28"), True),
        (lambda s: s.__setitem__("activeDeadlineSeconds", 60), True),
        (lambda s: s["tolerations"].append({"key": "x", "operator": "Exists"}), True),
        (lambda s: s["containers"][0].__setitem__("ports", [{"containerPort": 81}]), False),
        (lambda s: s.__setitem__("nodeName", "elsewhere"), False),
        (lambda s: s["tolerations"].pop(), False),
    ],
    ids=["image", "deadline", "add-toleration", "ports", "node", "remove-toleration"],
)
def test_only_some_pod_fields_may_change(cluster: Cluster, change, allowed: bool) -> None:
    create(cluster, pod_manifest("web"))
    if allowed:
        edit(cluster, "", "pods", "web", lambda p: change(p["spec"]))
        return
    with pytest.raises(errors.Invalid) as caught:
        edit(cluster, "", "pods", "web", lambda p: change(p["spec"]))
    assert str(caught.value).startswith(
        'Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than '
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    )


def test_without_nodes_a_pod_waits_and_is_scheduled_when_one_joins(clock: FakeClock) -> None:
    cluster = make_cluster(clock)
    create(cluster, pod_manifest("web"))
    pod = get(cluster, "", "pods", "web")
    assert pod["status"]["phase"] == "Pending"
    cond = pod["status"]["conditions"][0]
    assert (cond["type"], cond["status"], cond["reason"], cond["message"]) == (
        "PodScheduled",
        "False",
        "Unschedulable",
        "no nodes available to schedule pods",
    )
    assert events_of(cluster, pod) == [
        ("Warning", "FailedScheduling", "no nodes available to schedule pods")
    ]
    cluster.create(cluster.kind("", "nodes"), node_manifest("kind-control-plane"))
    pod = get(cluster, "", "pods", "web")
    assert pod["spec"]["nodeName"] == "kind-control-plane"
    assert pod["status"]["phase"] == "Running"


@pytest.mark.parametrize(
    ("node", "spec", "reason"),
    [
        (
            node_manifest("cp", control_plane=True, tainted=True),
            {},
            "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
        ),
        (
            node_manifest("w"),
            {"nodeSelector": {"disk": "ssd"}},
            "1 node(s) didn't match Pod's node affinity/selector",
        ),
        (
            {**node_manifest("w"), "spec": {"unschedulable": True}},
            {},
            "1 node(s) were unschedulable",
        ),
        (
            node_manifest("w", ready=False),
            {},
            "1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
        ),
    ],
    ids=["control-plane-taint", "node-selector", "cordoned", "not-ready"],
)
def test_the_scheduler_says_why_no_node_fits(
    clock: FakeClock, node: dict, spec: dict, reason: str
) -> None:
    cluster = make_cluster(clock)
    cluster.create(cluster.kind("", "nodes"), node)
    create(cluster, pod_manifest("web", **spec))
    pod = get(cluster, "", "pods", "web")
    assert "nodeName" not in pod["spec"]
    message = pod["status"]["conditions"][0]["message"]
    assert message == (
        f"0/1 nodes are available: {reason}. preemption: 0/1 nodes are available: "
        "1 Preemption is not helpful for scheduling."
    )


def test_a_toleration_lets_a_pod_onto_a_tainted_node(clock: FakeClock) -> None:
    cluster = make_cluster(clock)
    cluster.create(cluster.kind("", "nodes"), node_manifest("cp", control_plane=True, tainted=True))
    toleration = {
        "key": "node-role.kubernetes.io/control-plane",
        "operator": "Exists",
        "effect": "NoSchedule",
    }
    create(cluster, pod_manifest("web", tolerations=[toleration]))
    assert get(cluster, "", "pods", "web")["spec"]["nodeName"] == "cp"


def test_deleting_a_node_removes_its_pods_and_their_replicaset_replaces_them(
    cluster: Cluster,
) -> None:
    from .builders import deployment

    create(cluster, deployment("web", replicas=4))
    cluster.delete(cluster.kind("", "nodes"), "", "kind-worker")
    placed = [p["spec"]["nodeName"] for p in pods(cluster)]
    assert placed == ["kind-control-plane"] * 4


@pytest.mark.parametrize(
    ("resources", "qos"),
    [
        ({}, "BestEffort"),
        ({"requests": {"cpu": "100m"}}, "Burstable"),
        ({"limits": {"cpu": "500m", "memory": "128Mi"}}, "Guaranteed"),
        (
            {
                "requests": {"cpu": "0.5", "memory": "128Mi"},
                "limits": {"cpu": "500m", "memory": "128Mi"},
            },
            "Guaranteed",
        ),
        (
            {
                "requests": {"cpu": "250m", "memory": "64Mi"},
                "limits": {"cpu": "500m", "memory": "128Mi"},
            },
            "Burstable",
        ),
    ],
    ids=["none", "requests", "limits-only", "equal", "unequal"],
)
def test_the_qos_class_follows_the_resources(cluster: Cluster, resources: dict, qos: str) -> None:
    create(cluster, pod_manifest("web", container(resources=resources)))
    pod = get(cluster, "", "pods", "web")
    assert pod["status"]["qosClass"] == qos
    if resources.get("limits") and not resources.get("requests"):
        assert pod["spec"]["containers"][0]["resources"]["requests"] == resources["limits"]
