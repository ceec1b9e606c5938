"""Durations, percentages, protocols, matchers and the mesh config.

Sources: istio/api mesh/v1alpha1/config.proto and pkg/config/mesh/mesh.go (defaults:
rootNamespace istio-system, outboundTrafficPolicy ALLOW_ANY, enableAutoMtls true);
pkg/config/protocol (protocol by appProtocol, then the port-name prefix); istio/istio
pilot/pkg/networking/core/route/route.go (string matchers, `regex: "*"` = presence).
"""

from __future__ import annotations

import pytest

from meshcert.mesh.config.matching import StringMatcher
from meshcert.mesh.config.meshconfig import MeshConfig, MeshConfigError
from meshcert.mesh.config.services import protocol_of
from meshcert.mesh.config.values import DurationError, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10s", 10.0), ("0.5s", 0.5), ("1m30s", 90.0), ("100ms", 0.1), ("1h", 3600.0), ("0", 0.0)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "10", "abc", "1x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("name", "app_protocol", "expected"),
    [
        ("http", "", "HTTP"),
        ("http-web", "", "HTTP"),
        ("http2", "", "HTTP2"),
        ("grpc-api", "", "GRPC"),
        ("tcp-db", "", "TCP"),
        ("https", "", "HTTPS"),
        ("web", "", ""),
        ("web", "http", "HTTP"),
        ("tcp", "kubernetes.io/h2c", "HTTP2"),
    ],
)
def test_protocol_of(name: str, app_protocol: str, expected: str) -> None:
    assert protocol_of(name, app_protocol) == expected


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        ({"exact": "a"}, "a", True),
        ({"exact": "a"}, None, False),
        ({"prefix": "ab"}, "abc", True),
        ({"regex": "a.c"}, "abc", True),
        ({"regex": "a.c"}, "xabc", False),
        ({"regex": "*"}, "", True),
        ({}, "anything", True),
        ({}, None, False),
    ],
)
def test_string_matcher(spec: dict[str, str], value: str | None, expected: bool) -> None:
    assert StringMatcher.parse(spec)(value) is expected


def test_mesh_config_defaults() -> None:
    mesh = MeshConfig.parse("")
    assert (mesh.root_namespace, mesh.outbound_policy, mesh.enable_auto_mtls) == (
        "istio-system",
        "ALLOW_ANY",
        True,
    )
    assert mesh.access_log_file == ""


def test_mesh_config_fields() -> None:
    mesh = MeshConfig.parse(
        "accessLogFile: /dev/stdout\noutboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n"
        "defaultHttpRetryPolicy: {attempts: 4}\nrootNamespace: root\n"
    )
    assert mesh.access_log_file == "/dev/stdout"
    assert mesh.outbound_policy == "REGISTRY_ONLY"
    assert mesh.default_http_retry_policy == {"attempts": 4}
    assert mesh.root_namespace == "root"


@pytest.mark.parametrize("text", ["[1, 2]", "a: [unclosed"])
def test_mesh_config_errors(text: str) -> None:
    with pytest.raises(MeshConfigError):
        MeshConfig.parse(text)
