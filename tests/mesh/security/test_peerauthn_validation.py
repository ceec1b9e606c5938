"""PeerAuthentication validation: the CRD's CEL rules the apiserver applies on every write
(istio/api security/v1beta1/peer_authentication.proto XValidation, type/v1beta1/selector.proto)
and Istio's webhook (pkg/config/validation/validation.go ValidatePeerAuthentication)."""

from __future__ import annotations

import pytest
import traffic_lab as t
import yaml

from meshcert.kube import errors
from meshcert.mesh.validation.hook import validate_config
from meshcert.mesh.validation.peerauthentications import validate_peer_authentication


def create(spec: str) -> str:
    """What the apiserver says to `kubectl apply` of a PeerAuthentication named `pa`."""
    cluster = t.lab(namespaces=("foo",))
    meta = {"name": "pa", "namespace": "foo"}
    doc = {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
           "metadata": meta, "spec": yaml.safe_load(spec)}  # fmt: skip
    try:
        t.create(cluster, doc, "foo")
    except errors.KubeError as failed:
        return str(failed)
    return ""


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{mtls: {mode: STRICT}}", ""),
        ("{selector: {matchLabels: {app: httpbin}}, portLevelMtls: {8080: {mode: DISABLE}}}", ""),
        (
            "{mtls: {mode: STRICT}, portLevelMtls: {8080: {mode: DISABLE}}}",
            'PeerAuthentication.security.istio.io "pa" is invalid: spec: Invalid value: '
            '"object": portLevelMtls requires selector',
        ),
        (
            "{selector: {}, portLevelMtls: {8080: {mode: DISABLE}}}",
            'PeerAuthentication.security.istio.io "pa" is invalid: spec: Invalid value: '
            '"object": portLevelMtls requires selector',
        ),
        (
            "{selector: {matchLabels: {app: a}}, portLevelMtls: {70000: {mode: DISABLE}}}",
            'PeerAuthentication.security.istio.io "pa" is invalid: spec.portLevelMtls: Invalid '
            'value: "object": port must be between 1-65535',
        ),
        (
            "{selector: {matchLabels: {app: '*'}}}",
            'PeerAuthentication.security.istio.io "pa" is invalid: spec.selector.matchLabels[app]:'
            ' Invalid value: "string": wildcard not allowed in label value match',
        ),
    ],
)
def test_crd_rules_hold_without_istiod(spec: str, message: str) -> None:
    assert create(spec) == message


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{mtls: {mode: PERMISSIVE}}", ""),
        ("{portLevelMtls: {8080: {mode: DISABLE}}}", "portLevelMtls requires a workload selector"),
        (
            "{selector: {matchLabels: {app: a}}, portLevelMtls: {0: {mode: STRICT}}}",
            "portLevelMtls port must not be 0",
        ),
        ("{selector: {matchLabels: {'': a}}}", 'empty key is not supported in selector: "=a"'),
        (
            "{selector: {matchLabels: {app: 'a*'}}}",
            'wildcard is not supported in selector: "app=a*"',
        ),
    ],
)
def test_webhook_errors(spec: str, message: str) -> None:
    assert str(validate_config("PeerAuthentication", "pa", "foo", yaml.safe_load(spec))) == message


def test_webhook_warns_about_a_selector_without_labels() -> None:
    warnings = validate_peer_authentication({"selector": {}, "mtls": {"mode": "STRICT"}})[1]
    assert warnings == ["workload selector specified without labels"]
