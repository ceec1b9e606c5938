"""Istio's validation webhook for RequestAuthentication: the errors of
pkg/config/validation/validation.go `ValidateRequestAuthentication` / `validateJwtRule`, as the
webhook denies them (`configuration is invalid: ...`)."""

from __future__ import annotations

import pytest
import yaml
from validating_lab import validating_cluster

from meshcert.kube.cluster import Cluster
from meshcert.mesh.validation.hook import WebhookDenied
from meshcert.mesh.validation.requestauthentications import validate_request_authentication


def errors_of(spec: str) -> str:
    return str(validate_request_authentication(yaml.safe_load(spec))[0])


def one(message: str) -> str:
    return f"1 error occurred:\n\t* {message}\n\n"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("jwtRules: [{issuer: a, jwksUri: 'https://x/jwks.json'}]", "", id="valid"),
        pytest.param("jwtRules: [{jwksUri: 'https://x/jwks.json'}]", "", id="issuer-optional"),
        pytest.param("jwtRules: [{audiences: [a]}]",
                     one("issuer or jwksUri must be non-empty string"), id="no-issuer"),
        pytest.param("jwtRules: [{issuer: a, audiences: ['']}]",
                     one("audience must be non-empty string"), id="empty-audience"),
        pytest.param("jwtRules: [{issuer: a, jwksUri: 'ftp://x/k'}]",
                     one('URI scheme "ftp" is not supported'), id="jwks-uri-scheme"),
        pytest.param("jwtRules: [{issuer: a, jwksUri: 'x.example.com/k'}]",
                     one('URI scheme "" is not supported'), id="jwks-uri-no-scheme"),
        pytest.param("jwtRules: [{issuer: a, jwks: 'xyz'}]",
                     one("jwks parse error: failed to unmarshal JWK set: invalid character 'x' "
                         "looking for beginning of value"), id="jwks-not-json"),
        pytest.param("jwtRules: [{issuer: a, jwks: '{\"keys\": ['}]",
                     one("jwks parse error: failed to unmarshal JWK set: unexpected end of JSON "
                         "input"), id="jwks-truncated"),
        pytest.param("jwtRules: [{issuer: a, fromHeaders: [{prefix: 'Bearer '}]}]",
                     one("location header name must be non-empty string"), id="header-name"),
        pytest.param("jwtRules: [{issuer: a, fromParams: ['']}]",
                     one("location query must be non-empty string"), id="param-name"),
        pytest.param("jwtRules: [{issuer: a, fromCookies: ['']}]",
                     one("cookie name must be non-empty string"), id="cookie-name"),
        pytest.param("jwtRules: [{issuer: a, outputClaimToHeaders: [{header: x-a}]}]",
                     one("outputClaimToHeaders header and claim value must be non-empty string"),
                     id="claim-header-pair"),
        pytest.param("jwtRules: [{issuer: a, outputClaimToHeaders: [{header: 'x a', claim: c}]}]",
                     one("header name x a is not a valid header name"), id="claim-header-name"),
        pytest.param("jwtRules: [{audiences: [''], fromParams: ['']}]",
                     "3 errors occurred:\n\t* audience must be non-empty string\n\t* issuer or "
                     "jwksUri must be non-empty string\n\t* location query must be non-empty "
                     "string\n\n", id="several"),
        pytest.param("selector: {matchLabels: {'a': '*'}}\njwtRules: [{issuer: a}]",
                     'wildcard is not supported in selector: "a=*"', id="selector-wildcard"),
        pytest.param("selector: {matchLabels: {app: a}}\ntargetRefs: [{kind: Gateway, group: "
                     "gateway.networking.k8s.io, name: gw}]",
                     "only one of targetRefs or workloadSelector can be set", id="both-scopes"),
        pytest.param("targetRef: {kind: Gateway, group: gateway.networking.k8s.io}",
                     "targetRef name must be set", id="target-without-name"),
    ],
)  # fmt: skip
def test_errors(spec: str, expected: str) -> None:
    assert errors_of(spec) == expected


def test_selector_without_labels_warns() -> None:
    assert validate_request_authentication({"selector": {}})[1] == [
        "workload selector specified without labels"
    ]


def test_waypoint_targets_warn_that_the_lab_does_not_model_them() -> None:
    spec = yaml.safe_load("targetRefs: [{kind: Service, group: '', name: httpbin}]")
    errors, warnings = validate_request_authentication(spec)
    assert not errors
    assert warnings == [
        "not supported in the lab: a RequestAuthentication attached to a Service applies to "
        "waypoints the lab does not model; it has no effect here"
    ]


@pytest.fixture
def cluster() -> Cluster:
    return validating_cluster()


def test_the_webhook_denies_an_invalid_policy(cluster: Cluster) -> None:
    doc = yaml.safe_load("""
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: foo}
spec:
  jwtRules: [{issuer: a, fromParams: [''], fromHeaders: [{name: ''}]}]
""")  # fmt: skip
    with pytest.raises(WebhookDenied) as caught:
        cluster.create(cluster.kind_of(doc), doc, "foo")
    assert str(caught.value) == (
        'admission webhook "validation.istio.io" denied the request: configuration is invalid: '
        "2 errors occurred:\n\t* location header name must be non-empty string\n\t* location "
        "query must be non-empty string\n\n"
    )
