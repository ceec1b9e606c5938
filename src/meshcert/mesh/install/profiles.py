"""Istio's built-in configuration profiles as IstioOperator specs.

Source: istio/istio manifests/profiles/*.yaml and operator/pkg/component/component.go (base,
pilot and the ingress gateway are on unless a profile turns them off; the egress gateway, CNI
and ztunnel are off unless turned on). istio.io docs/setup/additional-setup/config-profiles
lists what each profile installs.
"""

from __future__ import annotations

import copy
from typing import Any

Spec = dict[str, Any]

_INGRESS_PORTS = [
    {"port": 15021, "targetPort": 15021, "name": "status-port", "protocol": "TCP"},
    {"port": 80, "targetPort": 8080, "name": "http2", "protocol": "TCP"},
    {"port": 443, "targetPort": 8443, "name": "https", "protocol": "TCP"},
]
_DEMO_INGRESS_PORTS = [
    *_INGRESS_PORTS,
    {"port": 31400, "targetPort": 31400, "name": "tcp", "protocol": "TCP"},
    {"port": 15443, "targetPort": 15443, "name": "tls", "protocol": "TCP"},
]
_SMALL = {"requests": {"cpu": "10m", "memory": "40Mi"}}

_PROFILES: dict[str, Spec] = {
    "default": {
        "components": {
            "base": {"enabled": True},
            "pilot": {"enabled": True},
            "ingressGateways": [{"name": "istio-ingressgateway", "enabled": True}],
            "egressGateways": [{"name": "istio-egressgateway", "enabled": False}],
        },
        "meshConfig": {},
        "values": {"defaultRevision": ""},
    },
    "demo": {
        "components": {
            "base": {"enabled": True},
            "pilot": {
                "enabled": True,
                "k8s": {
                    "env": [{"name": "PILOT_TRACE_SAMPLING", "value": "100"}],
                    "resources": {"requests": {"cpu": "10m", "memory": "100Mi"}},
                },
            },
            "ingressGateways": [
                {
                    "name": "istio-ingressgateway",
                    "enabled": True,
                    "k8s": {"resources": _SMALL, "service": {"ports": _DEMO_INGRESS_PORTS}},
                }
            ],
            "egressGateways": [
                {"name": "istio-egressgateway", "enabled": True, "k8s": {"resources": _SMALL}}
            ],
        },
        "meshConfig": {"accessLogFile": "/dev/stdout"},
        "values": {
            "global": {"proxy": {"resources": _SMALL}},
            "pilot": {"autoscaleEnabled": False},
            "gateways": {
                "istio-egressgateway": {"autoscaleEnabled": False},
                "istio-ingressgateway": {"autoscaleEnabled": False},
            },
        },
    },
    "minimal": {
        "components": {
            "base": {"enabled": True},
            "pilot": {"enabled": True},
            "ingressGateways": [{"name": "istio-ingressgateway", "enabled": False}],
        },
    },
    "empty": {
        "components": {
            "base": {"enabled": False},
            "pilot": {"enabled": False},
            "ingressGateways": [{"name": "istio-ingressgateway", "enabled": False}],
        },
    },
    "remote": {
        "components": {
            "base": {"enabled": True},
            "pilot": {"enabled": False},
            "istiodRemote": {"enabled": True},
            "ingressGateways": [{"name": "istio-ingressgateway", "enabled": False}],
        },
        "values": {"profile": "remote"},
    },
    "ambient": {
        "components": {
            "base": {"enabled": True},
            "pilot": {"enabled": True},
            "cni": {"enabled": True},
            "ztunnel": {"enabled": True},
            "ingressGateways": [{"name": "istio-ingressgateway", "enabled": False}],
        },
        "meshConfig": {"defaultConfig": {"proxyMetadata": {"ISTIO_META_ENABLE_HBONE": "true"}}},
        "values": {"profile": "ambient", "cni": {"ambient": {"enabled": True}}},
    },
    "preview": {
        "components": {
            "base": {"enabled": True},
            "pilot": {"enabled": True},
            "ingressGateways": [{"name": "istio-ingressgateway", "enabled": True}],
        },
        "meshConfig": {
            "defaultConfig": {
                "proxyMetadata": {
                    "ISTIO_META_DNS_CAPTURE": "true",
                    "ISTIO_META_PROXY_XDS_VIA_AGENT": "true",
                }
            }
        },
        "values": {"profile": "preview"},
    },
}

PROFILE_NAMES = tuple(sorted(_PROFILES))


def profile_spec(name: str) -> Spec:
    """A copy of the profile's spec (`profile` set); KeyError for an unknown name."""
    spec = copy.deepcopy(_PROFILES[name])
    spec["profile"] = name
    return spec
