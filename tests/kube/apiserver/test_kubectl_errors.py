"""Bad input gets the apiserver's errors, printed by kubectl as on a real cluster, and changes
nothing in the store."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from running_api import RunningApi

from meshcert.kube.admission import AdmissionRequest

VS = """apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
"""


@pytest.fixture
def unchanged(api: RunningApi) -> Iterator[None]:
    """Assert that the test's bad requests leave every object and the counter as they were."""
    before = json.dumps(api.cluster.store.dump(), sort_keys=True)
    yield
    assert json.dumps(api.cluster.store.dump(), sort_keys=True) == before


def _client(api: RunningApi, token: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=api.url,
        verify=False,  # the test talks to the lab's self-signed loopback certificate
        headers={"Authorization": f"Bearer {token or api.token}"},
    )


@pytest.mark.usefixtures("unchanged")
def test_unknown_field_is_a_strict_decoding_error(api: RunningApi) -> None:
    result = api.kubectl("apply", "-f", "-", input=VS.replace("  hosts:", "  foo: 1\n  hosts:"))
    assert result.returncode == 1
    assert 'strict decoding error: unknown field "spec.foo"' in result.stderr
    assert result.stderr.startswith("Error from server (BadRequest)")


def test_validate_warn_drops_unknown_fields_with_a_warning(api: RunningApi) -> None:
    """`kubectl apply --validate=warn` sends fieldValidation=Warn: the object is stored without
    the unknown field and kubectl prints the server's warning (kubectl.docs: --validate)."""
    result = api.kubectl(
        "apply", "--validate=warn", "-f", "-", input=VS.replace("  hosts:", "  foo: 1\n  hosts:")
    )
    assert result.returncode == 0, result.stderr
    assert 'Warning: unknown field "spec.foo"' in result.stderr
    stored = json.loads(api.ok("get", "vs", "reviews", "-o", "json"))
    assert "foo" not in stored["spec"]
    assert stored["spec"]["hosts"] == ["reviews"]


def test_validate_ignore_drops_unknown_fields_silently(api: RunningApi) -> None:
    result = api.kubectl(
        "create", "--validate=ignore", "-f", "-", input=VS.replace("  hosts:", "  foo: 1\n  hosts:")
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
    assert "foo" not in json.loads(api.ok("get", "vs", "reviews", "-o", "json"))["spec"]


@pytest.mark.usefixtures("unchanged")
def test_wrong_type_is_invalid_with_the_field_path(api: RunningApi) -> None:
    result = api.kubectl("apply", "-f", "-", input=VS.replace("hosts: [reviews]", "hosts: reviews"))
    assert result.returncode == 1
    assert 'The VirtualService "reviews" is invalid: spec.hosts: Invalid value: "string"' in (
        result.stderr
    )


@pytest.mark.usefixtures("unchanged")
def test_not_found_and_already_exists(api: RunningApi) -> None:
    missing = api.kubectl("get", "pod", "nope")
    assert missing.returncode == 1
    assert missing.stderr.strip() == 'Error from server (NotFound): pods "nope" not found'
    exists = api.kubectl("create", "namespace", "default")
    assert exists.returncode == 1
    assert exists.stderr.strip() == (
        'Error from server (AlreadyExists): namespaces "default" already exists'
    )


@pytest.mark.usefixtures("unchanged")
def test_wrong_token_is_unauthorized(api: RunningApi) -> None:
    result = api.kubectl("get", "ns", "--token=wrong")
    assert result.returncode == 1
    # kubectl's discovery client words a 401 this way since aggregated discovery (1.26+).
    assert (
        "error: You must be logged in to the server "
        "(the server has asked for the client to provide credentials)"
    ) in result.stderr
    with _client(api, token="wrong") as client:
        response = client.get("/api/v1/namespaces")
    assert response.status_code == 401
    assert response.json()["kind"] == "Status"
    assert response.json()["message"] == "Unauthorized"


@pytest.mark.usefixtures("unchanged")
def test_malformed_json_and_yaml_report_the_position(api: RunningApi) -> None:
    with _client(api) as client:
        bad_json = client.post(
            "/api/v1/namespaces/default/configmaps",
            content=b'{"metadata": {"name": "x"},, }',
            headers={"Content-Type": "application/json"},
        )
        bad_yaml = client.patch(
            "/api/v1/namespaces/default/configmaps/x?fieldManager=t",
            content=b"metadata:\n  name: x\n   bad: [",
            headers={"Content-Type": "application/apply-patch+yaml"},
        )
    assert bad_json.status_code == 400
    assert "line 1, column 28" in bad_json.json()["message"]
    assert bad_yaml.status_code == 400
    assert "line 3" in bad_yaml.json()["message"]


@pytest.mark.usefixtures("unchanged")
def test_bodies_over_3_mib_are_413(api: RunningApi) -> None:
    big = {"metadata": {"name": "big"}, "data": {"blob": "x" * (3 * 1024 * 1024 + 10)}}
    with _client(api) as client:
        response = client.post("/api/v1/namespaces/default/configmaps", json=big)
    assert response.status_code == 413
    assert response.json()["reason"] == "RequestEntityTooLarge"


@pytest.mark.usefixtures("unchanged")
def test_port_forward_says_it_is_not_supported(api: RunningApi) -> None:
    with _client(api) as client:
        response = client.post("/api/v1/namespaces/default/pods/x/portforward")
    assert response.status_code in (400, 404)


class _WarnOnLatest:
    """A validating hook that allows the request with a warning, as Istio's webhook does for
    e.g. an unreachable VirtualService rule."""

    name = "warn-latest"

    def validate(self, cluster: object, request: AdmissionRequest) -> None:
        obj = request.object or {}
        if (obj.get("data") or {}).get("tag") == "latest":
            request.warnings.append('tag "latest" is not reproducible')


def test_admission_warnings_reach_kubectl(api: RunningApi) -> None:
    api.cluster.validating_hooks.append(_WarnOnLatest())
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\ndata:\n  tag: latest\n"
    result = api.kubectl("apply", "-f", "-", input=manifest)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "configmap/w created"
    assert result.stderr.strip() == 'Warning: tag "latest" is not reproducible'
    quiet = api.kubectl("apply", "-f", "-", input=manifest.replace("latest", "v1"))
    assert quiet.stderr == ""
