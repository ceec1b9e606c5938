"""What `kubectl get -o yaml` shows after the apiserver's defaulting and admission, and the
apiserver's words when it refuses."""

from __future__ import annotations

import re
from typing import Any

import pytest

from meshcert.kube import errors
from meshcert.kube.cluster import Cluster

from .builders import container, create, deployment, edit, get, pod_manifest, workload

TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("restartPolicy", "Always"),
        ("dnsPolicy", "ClusterFirst"),
        ("schedulerName", "default-scheduler"),
        ("terminationGracePeriodSeconds", 30),
        ("serviceAccountName", "default"),
        ("serviceAccount", "default"),
        ("securityContext", {}),
        ("enableServiceLinks", True),
        ("priority", 0),
        ("preemptionPolicy", "PreemptLowerPriority"),
        (
            "tolerations",
            [
                {
                    "effect": "NoExecute",
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "tolerationSeconds": 300,
                },
                {
                    "effect": "NoExecute",
                    "key": "node.kubernetes.io/unreachable",
                    "operator": "Exists",
                    "tolerationSeconds": 300,
                },
            ],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_pod_gets_the_apiservers_defaults(cluster: Cluster, field: str, value: Any) -> None:
    create(cluster, pod_manifest("web"))
    assert get(cluster, "", "pods", "web")["spec"][field] == value


def test_containers_get_their_defaults_and_the_token_volume(cluster: Cluster) -> None:
    probe = {"httpGet": {"path": "/healthz", "port": 8080}}
    create(
        cluster,
        pod_manifest(
            "web",
            container("app", "nginx:1.27", ports=[{"containerPort": 80}], readinessProbe=probe),
        ),
    )
    spec = get(cluster, "", "pods", "web")["spec"]
    [app] = spec["containers"]
    [volume] = spec["volumes"]
    assert re.fullmatch(r"kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}", volume["name"])
    assert volume["projected"]["defaultMode"] == 420
    assert [next(iter(s)) for s in volume["projected"]["sources"]] == [
        "serviceAccountToken",
        "configMap",
        "downwardAPI",
    ]
    assert app == {
        "name": "app",
        "image": "nginx:1.27",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 80, "protocol": "TCP"}],
        "readinessProbe": {
            "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "timeoutSeconds": 1,
            "periodSeconds": 10,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [{"mountPath": TOKEN_PATH, "name": volume["name"], "readOnly": True}],
    }


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("localhost:5000/nginx", "Always"),
        ("docker.io/istio/proxyv2:1.26.0", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
    ],
    ids=["no-tag", "latest", "tag", "registry-port", "qualified", "digest"],
)
def test_the_pull_policy_follows_the_tag(cluster: Cluster, image: str, policy: str) -> None:
    create(cluster, pod_manifest("web", container("app", image)))
    assert get(cluster, "", "pods", "web")["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_no_token_is_mounted_when_automounting_is_off(cluster: Cluster) -> None:
    create(cluster, pod_manifest("web", automountServiceAccountToken=False))
    spec = get(cluster, "", "pods", "web")["spec"]
    assert "volumes" not in spec
    assert "volumeMounts" not in spec["containers"][0]


def test_a_pod_naming_a_missing_serviceaccount_is_forbidden(cluster: Cluster) -> None:
    with pytest.raises(errors.Forbidden) as caught:
        create(cluster, pod_manifest("web", serviceAccountName="ghost"))
    assert str(caught.value) == (
        'pods "web" is forbidden: error looking up service account default/ghost: '
        'serviceaccount "ghost" not found'
    )


def test_a_deployment_gets_the_apps_v1_defaults(cluster: Cluster) -> None:
    create(cluster, deployment("web", replicas=None))
    spec = get(cluster, "apps", "deployments", "web")["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)
    template = spec["template"]["spec"]
    assert {k: template[k] for k in ("restartPolicy", "dnsPolicy", "schedulerName")} == {
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
    }
    assert template["terminationGracePeriodSeconds"] == 30
    assert template["securityContext"] == {}
    # Only pods get the admission plug-ins' fields, not templates.
    for pod_only in (
        "serviceAccountName",
        "tolerations",
        "priority",
        "enableServiceLinks",
        "volumes",
    ):
        assert pod_only not in template
    assert template["containers"][0]["terminationMessagePolicy"] == "File"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "DaemonSet",
            {
                "revisionHistoryLimit": 10,
                "updateStrategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
                },
            },
        ),
        (
            "StatefulSet",
            {
                "replicas": 1,
                "revisionHistoryLimit": 10,
                "podManagementPolicy": "OrderedReady",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                "persistentVolumeClaimRetentionPolicy": {
                    "whenDeleted": "Retain",
                    "whenScaled": "Retain",
                },
            },
        ),
        ("ReplicaSet", {"replicas": 1}),
    ],
    ids=["daemonset", "statefulset", "replicaset"],
)
def test_other_workloads_get_their_defaults(cluster: Cluster, kind: str, expected: dict) -> None:
    create(cluster, workload(kind, "w"))
    spec = get(cluster, "apps", kind.lower() + "s", "w")["spec"]
    assert {k: spec.get(k) for k in expected} == expected


def test_a_namespace_is_labelled_and_active(cluster: Cluster) -> None:
    create(cluster, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    ns = get(cluster, "", "namespaces", "shop")
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "shop"}
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    assert ns["status"] == {"phase": "Active"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["spec"]["template"]["metadata"]["labels"].__setitem__("app", "other"),
            'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
            '{"app":"other"}: `selector` does not match template `labels`',
        ),
        (
            lambda d: d["spec"].pop("selector"),
            'Deployment.apps "web" is invalid: spec.selector: Required value',
        ),
        (
            lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("image"),
            'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: '
            "Required value",
        ),
        (
            lambda d: d["spec"].__setitem__("replicas", -1),
            'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be '
            "greater than or equal to 0",
        ),
    ],
    ids=["labels-mismatch", "no-selector", "no-image", "negative-replicas"],
)
def test_an_invalid_deployment_is_refused(cluster: Cluster, change, message: str) -> None:
    manifest = deployment("web")
    change(manifest)
    with pytest.raises(errors.Invalid) as caught:
        create(cluster, manifest)
    assert str(caught.value) == message


def test_a_deployments_selector_is_immutable(cluster: Cluster) -> None:
    create(cluster, deployment("web"))

    def relabel(d: dict) -> None:
        d["spec"]["selector"] = {"matchLabels": {"app": "shop"}}
        d["spec"]["template"]["metadata"]["labels"] = {"app": "shop"}

    with pytest.raises(errors.Invalid) as caught:
        edit(cluster, "apps", "deployments", "web", relabel)
    assert str(caught.value) == (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: '
        '{"matchLabels":{"app":"shop"}}: field is immutable'
    )


def test_a_statefulsets_service_name_cannot_change(cluster: Cluster) -> None:
    create(cluster, workload("StatefulSet", "db", serviceName="db"))
    with pytest.raises(errors.Invalid) as caught:
        edit(
            cluster,
            "apps",
            "statefulsets",
            "db",
            lambda s: s["spec"].__setitem__("serviceName", "x"),
        )
    assert "spec: Forbidden: updates to statefulset spec for fields other than 'replicas'" in str(
        caught.value
    )
    edit(cluster, "apps", "statefulsets", "db", lambda s: s["spec"].__setitem__("replicas", 2))


def test_a_pod_with_two_containers_of_one_name_is_refused(cluster: Cluster) -> None:
    manifest = pod_manifest("web")
    manifest["spec"]["containers"] = [container("a"), container("a")]
    with pytest.raises(errors.Invalid) as caught:
        create(cluster, manifest)
    assert (
        str(caught.value) == 'Pod "web" is invalid: spec.containers[1].name: Duplicate value: "a"'
    )
