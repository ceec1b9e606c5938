"""Resource quantities read back in canonical form, with the real kubectl and the official
Python client, whichever way they were written (apply, server-side apply, patch, replace).

The API server decodes each `resource.Quantity` and encodes it again
(k8s.io/apimachinery pkg/api/resource/quantity.go: `ParseQuantity`, `CanonicalizeBytes`,
`MarshalJSON`), so `cpu: 1000m` reads back `"1"`; text it cannot parse fails the decoding
with a 400: `Deployment in version "v1" cannot be handled as a Deployment: quantities must
match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from running_api import RunningApi

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        resources:
          requests:
            cpu: 1000m
            memory: 1024Mi
          limits:
            cpu: 1.5
            memory: 1.5Gi
"""

RESOURCES = "{.spec.template.spec.containers[0].resources}"
REGEX_MESSAGE = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


def _resources(api: RunningApi, *target: str, path: str = RESOURCES) -> object:
    return json.loads(api.ok("get", *target, "-o", f"jsonpath={path}"))


def test_apply_stores_the_canonical_form_and_the_pods_show_it(api: RunningApi) -> None:
    api.ok("apply", "-f", "-", input=DEPLOYMENT)
    assert api.ok("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0]"
                  ".resources.requests.cpu} {.spec.template.spec.containers[0]"
                  ".resources.requests.memory}") == "1 1Gi"  # fmt: skip
    canonical = {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "1500m", "memory": "1536Mi"},
    }
    assert _resources(api, "deploy", "web") == canonical
    assert _resources(api, "rs", "-l", "app=web", path="{.items[0]" + RESOURCES[1:]) == canonical
    pod_path = "{.items[0].spec.containers[0].resources}"
    assert _resources(api, "pods", "-l", "app=web", path=pod_path) == canonical


def test_reapplying_the_same_manifest_changes_nothing_but_kubectl_says_configured(
    api: RunningApi,
) -> None:
    """kubectl diffs the manifest (`1000m`) against the live object (`1`) and sends a patch,
    so it prints `configured` every time, as on a real cluster (kubernetes/kubernetes#116135);
    the patch decodes to the stored object, so nothing changes."""
    api.ok("apply", "-f", "-", input=DEPLOYMENT)
    # (resourceVersion is no measure: the pods becoming ready update the status meanwhile)
    meta = "jsonpath={.metadata.generation} {.spec}"
    before = api.ok("get", "deploy", "web", "-o", meta)
    assert api.ok("apply", "-f", "-", input=DEPLOYMENT).strip() == "deployment.apps/web configured"
    assert api.ok("get", "deploy", "web", "-o", meta) == before
    assert before.startswith("1 ")


def test_server_side_apply_patch_and_replace_store_the_canonical_form(api: RunningApi) -> None:
    api.ok("apply", "--server-side", "-f", "-", input=DEPLOYMENT)
    assert _resources(api, "deploy", "web")["requests"] == {"cpu": "1", "memory": "1Gi"}  # type: ignore[index]
    patch = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "web", "resources": {"limits": {"cpu": "2000m"}}}]}
            }
        }
    }
    api.ok("patch", "deploy", "web", "-p", json.dumps(patch))
    assert _resources(api, "deploy", "web")["limits"]["cpu"] == "2"  # type: ignore[index]
    api.ok("patch", "deploy", "web", "--type=json", "-p", json.dumps([{
        "op": "replace",
        "path": "/spec/template/spec/containers/0/resources/requests/memory",
        "value": "2048Mi",
    }]))  # fmt: skip
    assert _resources(api, "deploy", "web")["requests"]["memory"] == "2Gi"  # type: ignore[index]
    stored = json.loads(api.ok("get", "deploy", "web", "-o", "json"))
    stored["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = 0.25
    api.ok("replace", "-f", "-", input=json.dumps(stored))
    assert _resources(api, "deploy", "web")["requests"]["cpu"] == "250m"  # type: ignore[index]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("abc", REGEX_MESSAGE),
        ("1.5.5", REGEX_MESSAGE),
        ("32MMi", "unable to parse quantity's suffix"),
    ],
)
def test_a_malformed_quantity_is_refused_as_the_decoder_does(
    api: RunningApi, bad: str, message: str
) -> None:
    manifest = DEPLOYMENT.replace("cpu: 1000m", f'cpu: "{bad}"')
    result = api.kubectl("apply", "-f", "-", input=manifest)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version '
        f'"v1" cannot be handled as a Deployment: {message}'
    )
    assert api.kubectl("get", "deploy", "web").returncode == 1


def test_kubectl_set_resources_refuses_a_malformed_quantity_itself(api: RunningApi) -> None:
    """`kubectl set resources` parses the quantity before sending anything (same parser)."""
    api.ok("apply", "-f", "-", input=DEPLOYMENT)
    result = api.kubectl("set", "resources", "deploy", "web", "--limits=cpu=1.5.5")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {REGEX_MESSAGE}"
    api.ok("set", "resources", "deploy", "web", "--limits=cpu=3000m")
    assert _resources(api, "deploy", "web")["limits"]["cpu"] == "3"  # type: ignore[index]
    api.ok("set", "resources", "deploy", "web", "--limits=cpu=1500m")
    assert _resources(api, "deploy", "web")["limits"]["cpu"] == "1500m"  # type: ignore[index]


@pytest.fixture
def k8s(api: RunningApi) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config(config_file=str(api.kubeconfig))
    yield api_client
    api_client.close()


def test_the_python_client_reads_and_watches_the_canonical_form(k8s: client.ApiClient) -> None:
    core = client.CoreV1Api(k8s)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web"},
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": "nginx",
                    "resources": {"requests": {"cpu": "0.5", "memory": "1048576Ki"}},
                }
            ],
            "volumes": [{"name": "scratch", "emptyDir": {"sizeLimit": "1000M"}}],
        },
    }
    created = core.create_namespaced_pod("default", pod)
    assert created.spec.containers[0].resources.requests == {"cpu": "500m", "memory": "1Gi"}
    assert created.spec.volumes[0].empty_dir.size_limit == "1G"
    for event in watch.Watch().stream(core.list_namespaced_pod, "default", timeout_seconds=1):
        requests = event["object"].spec.containers[0].resources.requests
        assert requests == {"cpu": "500m", "memory": "1Gi"}
        break
    else:  # pragma: no cover - the watch lists the pod first
        raise AssertionError("no watch event")
    pod["metadata"]["name"] = "bad"  # type: ignore[index]
    pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "lots"  # type: ignore[index]
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_pod("default", pod)
    assert caught.value.status == 400
    body = json.loads(caught.value.body)
    assert body["message"] == f'Pod in version "v1" cannot be handled as a Pod: {REGEX_MESSAGE}'
    assert body["reason"] == "BadRequest"
