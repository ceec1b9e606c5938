"""What the real kubectl prints from our Tables: `kubectl get`, `-o wide`, `--show-labels`.

A recording server answers discovery and serves `table_for`'s Table for the listed objects, so
these tests show the exact terminal output a candidate sees.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from kubectl_recorder import KubectlRecorder, Recorded, Reply

from meshcert.kube.kinds import ResourceKind
from meshcert.kube.served_kinds import ALL, default_registry
from meshcert.kube.tables import table_for

pytestmark = pytest.mark.kubectl

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
REGISTRY = default_registry()
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io"


def _discovery(path: str) -> dict[str, Any] | None:
    """Legacy discovery documents for every served kind."""
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
    groups = REGISTRY.group_versions()
    if path == "/apis":
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": group,
                    "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in versions],
                    "preferredVersion": {
                        "groupVersion": f"{group}/{versions[0]}",
                        "version": versions[0],
                    },
                }
                for group, versions in groups.items()
                if group
            ],
        }
    group_version = path.removeprefix("/api/").removeprefix("/apis/")
    group, _, version = group_version.rpartition("/")
    resources = [k for k in ALL if k.group == group and version in k.versions]
    if not resources or not path.startswith(("/api/", "/apis/")) or path.count("/") > 3:
        return None
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {
                "name": k.plural,
                "singularName": k.singular,
                "namespaced": k.namespaced,
                "kind": k.kind,
                "verbs": list(k.verbs),
                "shortNames": list(k.short_names),
            }
            for k in resources
        ],
    }


class Cluster:
    """Objects to list per kind, served as Tables."""

    def __init__(self, objects: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
        self.objects = objects

    def __call__(self, request: Recorded) -> Reply:
        url = urlsplit(request.path)
        document = _discovery(url.path)
        if document is not None:
            return Reply.json(200, document)
        for (group, plural), objects in self.objects.items():
            kind = REGISTRY.by_plural(group, plural)
            assert kind is not None
            if url.path.endswith(f"/{plural}") and (not group or f"/{group}/" in url.path):
                assert TABLE_ACCEPT in request.accept
                include = parse_qs(url.query).get("includeObject", ["Metadata"])[0]
                table = table_for(kind, objects, include_object=include, now=NOW)
                return Reply.json(200, {**table, "metadata": {"resourceVersion": "7"}})
        return Reply.json(404, {"kind": "Status", "apiVersion": "v1", "code": 404})


def kubectl_get(objects: dict[tuple[str, str], list[dict[str, Any]]], *args: str) -> str:
    with KubectlRecorder(Cluster(objects)) as server:
        result = server.kubectl("get", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def meta(name: str, created: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": created, **extra}


PODS = [
    {
        "metadata": meta(
            "productpage-v1-6b7f6db5d8-x2kq4",
            "2026-01-01T11:55:00Z",
            labels={"app": "productpage", "version": "v1"},
        ),
        "spec": {
            "containers": [{"name": "productpage"}, {"name": "istio-proxy"}],
            "nodeName": "lab",
        },
        "status": {
            "phase": "Running",
            "podIP": "10.244.0.12",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {
                    "name": "productpage",
                    "ready": True,
                    "restartCount": 1,
                    "state": {"running": {}},
                    "lastState": {"terminated": {"finishedAt": "2026-01-01T11:57:00Z"}},
                },
                {"name": "istio-proxy", "ready": True, "restartCount": 0, "state": {"running": {}}},
            ],
        },
    },
    {
        "metadata": meta(
            "ratings-v1-7d9f8c-abcde", "2026-01-01T09:58:00Z", labels={"app": "ratings"}
        ),
        "spec": {"containers": [{"name": "ratings"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "ratings",
                    "ready": False,
                    "restartCount": 6,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"finishedAt": "2026-01-01T11:59:15Z"}},
                }
            ],
        },
    },
]


def test_get_pods() -> None:
    assert kubectl_get({("", "pods"): PODS}, "pods") == (
        "NAME                              READY   STATUS             RESTARTS      AGE\n"
        "productpage-v1-6b7f6db5d8-x2kq4   2/2     Running            1 (3m ago)    5m\n"
        "ratings-v1-7d9f8c-abcde           0/1     CrashLoopBackOff   6 (45s ago)   122m\n"
    )


def test_get_pods_wide() -> None:
    assert kubectl_get({("", "pods"): PODS}, "pods", "-o", "wide") == (
        "NAME                              READY   STATUS             RESTARTS      AGE    IP"
        "            NODE     NOMINATED NODE   READINESS GATES\n"
        "productpage-v1-6b7f6db5d8-x2kq4   2/2     Running            1 (3m ago)    5m     "
        "10.244.0.12   lab      <none>           <none>\n"
        "ratings-v1-7d9f8c-abcde           0/1     CrashLoopBackOff   6 (45s ago)   122m   "
        "<none>        <none>   <none>           <none>\n"
    )


def test_show_labels_reads_the_partial_object_metadata() -> None:
    output = kubectl_get({("", "pods"): PODS}, "pods", "--show-labels")
    assert output.splitlines()[0].endswith("AGE    LABELS")
    assert output.splitlines()[1].endswith("5m     app=productpage,version=v1")
    assert output.splitlines()[2].endswith("122m   app=ratings")


def test_get_services() -> None:
    services = [
        {
            "metadata": meta("istio-ingressgateway", "2026-01-01T10:00:00Z"),
            "spec": {
                "type": "LoadBalancer",
                "clusterIPs": ["10.96.120.7"],
                "ports": [
                    {"port": 80, "nodePort": 31380, "protocol": "TCP"},
                    {"port": 443, "nodePort": 31390, "protocol": "TCP"},
                ],
                "selector": {"istio": "ingressgateway"},
            },
        },
        {
            "metadata": meta("reviews", "2026-01-01T11:00:00Z"),
            "spec": {
                "type": "ClusterIP",
                "clusterIPs": ["10.96.33.9"],
                "ports": [{"port": 9080, "protocol": "TCP"}],
                "selector": {"app": "reviews"},
            },
        },
    ]
    assert kubectl_get({("", "services"): services}, "services") == (
        "NAME                   TYPE           CLUSTER-IP    EXTERNAL-IP   PORT(S)"
        "                      AGE\n"
        "istio-ingressgateway   LoadBalancer   10.96.120.7   <pending>     "
        "80:31380/TCP,443:31390/TCP   120m\n"
        "reviews                ClusterIP      10.96.33.9    <none>        9080/TCP"
        "                     60m\n"
    )


def test_get_virtualservices_prints_lists_as_json() -> None:
    virtualservices = [
        {
            "metadata": meta("bookinfo", "2026-01-01T11:59:28Z"),
            "spec": {"hosts": ["*"], "gateways": ["bookinfo-gateway"]},
        },
        {"metadata": meta("reviews", "2026-01-01T11:56:58Z"), "spec": {"hosts": ["reviews"]}},
    ]
    assert kubectl_get({("networking.istio.io", "virtualservices"): virtualservices}, "vs") == (
        "NAME       GATEWAYS               HOSTS         AGE\n"
        'bookinfo   ["bookinfo-gateway"]   ["*"]         32s\n'
        'reviews                           ["reviews"]   3m2s\n'
    )


def test_get_events() -> None:
    events = [
        {
            "metadata": meta("reviews.1", "2026-01-01T11:58:00Z"),
            "involvedObject": {"kind": "Pod", "name": "reviews-v1-abc"},
            "reason": "Scheduled",
            "message": "Successfully assigned default/reviews-v1-abc to lab",
            "type": "Normal",
            "firstTimestamp": "2026-01-01T11:58:00Z",
            "lastTimestamp": "2026-01-01T11:58:00Z",
        }
    ]
    assert kubectl_get({("", "events"): events}, "events") == (
        "LAST SEEN   TYPE     REASON      OBJECT               MESSAGE\n"
        "2m          Normal   Scheduled   pod/reviews-v1-abc   "
        "Successfully assigned default/reviews-v1-abc to lab\n"
    )


def test_get_customresourcedefinitions_shows_created_at() -> None:
    crds = [
        {
            "metadata": {
                "name": "virtualservices.networking.istio.io",
                "creationTimestamp": "2026-01-01T10:00:00Z",
            }
        }
    ]
    assert kubectl_get({("apiextensions.k8s.io", "customresourcedefinitions"): crds}, "crds") == (
        "NAME                                  CREATED AT\n"
        "virtualservices.networking.istio.io   2026-01-01T10:00:00Z\n"
    )


def test_every_served_kind_lists_through_kubectl() -> None:
    """kubectl accepts the Table of every kind; NAME and the object's name come out first."""
    objects = {
        k.key: [{"metadata": meta(f"{k.singular}-one", "2026-01-01T11:00:00Z")}]
        for k in ALL
        if k.key != ("", "events")
    }
    with KubectlRecorder(Cluster(objects)) as server:
        for kind in ALL:
            if kind.key not in objects:
                continue
            result = server.kubectl("get", _resource_arg(kind))
            assert result.returncode == 0, (kind.key, result.stderr)
            header, row = result.stdout.splitlines()
            assert header.startswith("NAME "), kind.key
            assert row.startswith(f"{kind.singular}-one "), kind.key


def _resource_arg(kind: ResourceKind) -> str:
    return f"{kind.plural}.{kind.group}" if kind.group else kind.plural
