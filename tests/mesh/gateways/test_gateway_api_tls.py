"""Gateway API HTTPS listeners converted to Istio Gateway servers as istiod does
(pilot/pkg/config/kube/gateway/conversion.go buildListener/buildTLS; istio.io
docs/tasks/traffic-management/ingress/secure-ingress, "Gateway API" tab)."""

from __future__ import annotations

from typing import Any

import pytest

from meshcert.mesh.config.httproutes import convert_gateway


def gateway(tls: dict[str, Any], protocol: str = "HTTPS") -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "mygateway", "namespace": "istio-system"},
        "spec": {
            "gatewayClassName": "istio",
            "listeners": [
                {
                    "name": "https",
                    "hostname": "httpbin.example.com",
                    "port": 443,
                    "protocol": protocol,
                    "tls": tls,
                },
            ],
        },
    }


@pytest.mark.parametrize(
    ("tls", "expected"),
    [
        pytest.param(
            {"mode": "Terminate", "certificateRefs": [{"name": "httpbin-credential"}]},
            {"mode": "SIMPLE", "credentialName": "httpbin-credential"},
            id="simple",
        ),
        pytest.param(
            {
                "mode": "Terminate",
                "certificateRefs": [{"name": "httpbin-credential"}],
                "options": {"gateway.istio.io/tls-terminate-mode": "MUTUAL"},
            },
            {"mode": "MUTUAL", "credentialName": "httpbin-credential"},
            id="mutual-option",
        ),
    ],
)
def test_https_listener_terminating_tls(tls: dict[str, Any], expected: dict[str, str]) -> None:
    [converted] = convert_gateway(gateway(tls))
    [server] = converted["spec"]["servers"]
    assert server["port"] == {"number": 443, "name": "https", "protocol": "HTTPS"}
    assert server["tls"] == expected
    assert server["hosts"] == ["istio-system/httpbin.example.com"]


def test_passthrough_listener_gets_no_server() -> None:
    assert convert_gateway(gateway({"mode": "Passthrough"}, protocol="TLS")) == ()
