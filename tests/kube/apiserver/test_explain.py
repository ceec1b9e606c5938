"""`kubectl explain` reads the lab's OpenAPI v3 documents as it reads a real cluster's."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from running_api import RunningApi

pytestmark = pytest.mark.kubectl


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["pod.spec.containers"],
            [
                "KIND:       Pod",
                "VERSION:    v1",
                "FIELD: containers <[]Container>",
                "image\t<string>",
            ],
        ),
        (
            ["deployment.spec.replicas"],
            ["GROUP:      apps", "KIND:       Deployment", "FIELD: replicas <integer>"],
        ),
        (
            ["deployment.spec.strategy.rollingUpdate.maxSurge"],
            ["FIELD: maxSurge <IntOrString>"],
        ),
        (
            ["pod.spec.restartPolicy"],
            ["FIELD: restartPolicy <string>", "ENUM:", "OnFailure"],
        ),
        (
            ["virtualservice.spec"],
            [
                "GROUP:      networking.istio.io",
                "KIND:       VirtualService",
                "VERSION:    v1",
                "FIELD: spec <",
                "hosts\t<[]string>",
                "http\t<[]",
            ],
        ),
        (
            [
                "virtualservices.spec.http.route.destination",
                "--api-version=networking.istio.io/v1beta1",
            ],
            ["VERSION:    v1beta1", "FIELD: destination <", "host\t<string> -required-"],
        ),
        (
            ["peerauthentication.spec.mtls.mode"],
            ["KIND:       PeerAuthentication", "FIELD: mode <string>", "STRICT"],
        ),
        (["httproute.spec.parentRefs"], ["KIND:       HTTPRoute", "FIELD: parentRefs <[]"]),
    ],
    ids=[
        "pod-containers",
        "deployment-replicas",
        "int-or-string",
        "enum",
        "virtualservice-spec",
        "istio-older-version",
        "istio-enum",
        "gateway-api",
    ],
)
def test_explain(api: RunningApi, args: list[str], expected: list[str]) -> None:
    if args[0].startswith("httproute"):  # served once the Gateway API CRDs are installed
        import yaml

        from meshcert.kube.gateway_api import crd_manifests

        api.ok("apply", "-f", "-", input=yaml.safe_dump_all(crd_manifests()))
    out = api.ok("explain", *args)
    for text in expected:
        assert text in out, f"{text!r} not in:\n{out}"


def test_explain_recursive_lists_nested_fields(api: RunningApi) -> None:
    out = api.ok("explain", "deployment.spec.template.spec.containers.ports", "--recursive")
    assert "containerPort\t<integer> -required-" in out
    assert "protocol\t<string>" in out


def test_explain_unknown_field_is_an_error(api: RunningApi) -> None:
    result = api.kubectl("explain", "pod.spec.nope")
    assert result.returncode == 1
    assert 'field "nope" does not exist' in result.stderr
