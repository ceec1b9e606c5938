"""Istio's validation webhook for AuthorizationPolicy: the errors and warnings of
pkg/config/validation/validation.go `ValidateAuthorizationPolicy` and
pkg/config/security/security.go, as kubectl shows them (`invalid policy NAME.NS: ...`)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from validating_lab import validating_cluster

from meshcert.kube.cluster import Cluster
from meshcert.mesh.validation.authorizationpolicies import (
    DENY_TCP_WARNING,
    validate_authorization_policy,
)
from meshcert.mesh.validation.hook import WebhookDenied

DENY_NO_RULES = (
    "DENY action without `rules` is meaningless as it will never be triggered, add an empty "
    "rule `{}` if you want it be triggered for every request"
)


def errors_of(spec: str) -> str:
    return str(validate_authorization_policy("p", "foo", yaml.safe_load(spec))[0])


def warnings_of(spec: str) -> list[str]:
    return validate_authorization_policy("p", "foo", yaml.safe_load(spec))[1]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{}", ""),  # allow-nothing
        ("{rules: [{}]}", ""),  # allow-all
        ("{action: DENY, rules: [{}]}", ""),  # deny-all
        ("{action: DENY}", f"invalid policy p.foo: {DENY_NO_RULES}"),
        (
            "{action: CUSTOM}",
            "invalid policy p.foo: CUSTOM action without `rules` is meaningless as it will "
            "never be triggered, add an empty rule `{}` if you want it be triggered for every "
            "request",
        ),
        (
            "{action: CUSTOM, rules: [{}]}",
            "invalid policy p.foo: `provider.name` must not be empty",
        ),
        (
            "{action: CUSTOM, provider: {name: x}, rules: [{from: [{source: {principals: [a]}}]}]}",
            "invalid policy p.foo: From.Principals is currently not supported with CUSTOM action",
        ),
        (
            "{action: DENY, provider: {name: x}, rules: [{}]}",
            "invalid policy p.foo: `provider` must not be with non CUSTOM action, found DENY",
        ),
        (
            "{rules: [{from: []}]}",
            "invalid policy p.foo: `from` must not be empty, found at rule 0",
        ),
        ("{rules: [{to: []}]}", "invalid policy p.foo: `to` must not be empty, found at rule 0"),
        (
            "{rules: [{from: [{source: {}}]}]}",
            "invalid policy p.foo: `from.source` must not be empty, found at rule 0",
        ),
        (
            "{rules: [{to: [{operation: {}}]}]}",
            "invalid policy p.foo: `to.operation` must not be empty, found at rule 0",
        ),
        (
            "{rules: [{from: [{source: {ipBlocks: [1.2.3.400]}}]}]}",
            # ValidateIPs returns a multierror: a list even of one
            "1 error occurred:\n\t* invalid policy p.foo: bad IP address (1.2.3.400)\n\n",
        ),
        (
            "{rules: [{to: [{operation: {ports: [http]}}]}]}",
            "1 error occurred:\n\t* "
            'invalid policy p.foo: bad port (http): strconv.ParseUint: parsing "http": '
            "invalid syntax\n\n",
        ),
        (
            "{rules: [{from: [{source: {principals: ['']}}]}]}",
            "invalid policy p.foo: empty value not allowed, found in Principals",
        ),
        (
            "{rules: [{from: [{source: {serviceAccounts: ['foo/*']}}]}]}",
            "invalid policy p.foo: wildcard not allowed, found in ServiceAccounts",
        ),
        (
            "{rules: [{from: [{source: {serviceAccounts: [a/b], namespaces: [foo]}}]}]}",
            "invalid policy p.foo: cannot set serviceAccounts with namespaces or principals, "
            "found at rule 0",
        ),
        (
            "{rules: [{to: [{operation: {paths: ['/{**}/a/{*}']}}]}]}",
            "invalid policy p.foo: invalid or unsupported path {**}/a/{*}, found in Paths. "
            "{**} is not the last operator",
        ),
        (
            "{rules: [{when: [{key: request.headers, values: [a]}]}]}",
            # the key is checked for values and notValues alike
            "2 errors occurred:\n\t* invalid policy p.foo: invalid `value` for `key` "
            "request.headers: bad key (request.headers): should have format a[b]\n\t* "
            "invalid policy p.foo: invalid `notValue` for `key` request.headers: bad key "
            "(request.headers): should have format a[b]\n\n",
        ),
        (
            "{rules: [{when: [{key: source.ip}]}]}",
            "invalid policy p.foo: at least one of `values` or `notValues` must be set for key "
            "source.ip",
        ),
        (
            "{rules: [{when: [{key: destination.namespace, values: [a]}]}]}",
            "2 errors occurred:\n\t* invalid policy p.foo: invalid `value` for `key` "
            "destination.namespace: attribute destination.namespace is replaced by the "
            "metadata.namespace\n\t* invalid policy p.foo: invalid `notValue` for `key` "
            "destination.namespace: attribute destination.namespace is replaced by the "
            "metadata.namespace\n\n",
        ),
        (
            "{rules: [{when: [{key: foo.bar, values: [a]}]}]}",
            "2 errors occurred:\n\t* invalid policy p.foo: invalid `value` for `key` foo.bar: "
            "unknown attribute: foo.bar\n\t* invalid policy p.foo: invalid `notValue` for "
            "`key` foo.bar: unknown attribute: foo.bar\n\n",
        ),
        (
            "{selector: {matchLabels: {app: '*'}}}",
            'invalid policy p.foo: wildcard is not supported in selector: "app=*"',
        ),
        (
            "{selector: {matchLabels: {app: a}}, targetRefs: [{kind: Gateway, "
            "group: gateway.networking.k8s.io, name: g}]}",
            "invalid policy p.foo: only one of targetRefs or workloadSelector can be set",
        ),
        (
            "{targetRefs: [{kind: Deployment, group: apps, name: g}]}",
            "invalid policy p.foo: targetRef must be to one of [core/v1/Service "
            "networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway "
            "gateway.networking.k8s.io/v1/GatewayClass] but was apps/Deployment",
        ),
    ],
)
def test_errors(spec: str, message: str) -> None:
    assert errors_of(spec) == message


def test_several_errors_print_as_a_list() -> None:
    got = errors_of("{rules: [{from: [{source: {ipBlocks: [a, b]}}]}]}")
    assert got == (
        "2 errors occurred:\n\t* invalid policy p.foo: bad IP address (a)\n"
        "\t* invalid policy p.foo: bad IP address (b)\n\n"
    )


@pytest.mark.parametrize(
    ("spec", "warned"),
    [
        ("{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}", True),
        ("{action: DENY, rules: [{to: [{operation: {methods: [GET], ports: ['80']}}]}]}", False),
        ("{action: DENY, rules: [{from: [{source: {requestPrincipals: ['*']}}]}]}", True),
        ("{action: DENY, rules: [{from: [{source: {namespaces: [foo]}}]}]}", False),
        ("{rules: [{to: [{operation: {methods: [GET]}}]}]}", False),  # ALLOW: no warning
    ],
)
def test_deny_rules_with_only_http_attributes_warn(spec: str, warned: bool) -> None:
    # authz-tcp: such a DENY rule denies all TCP traffic in its scope
    assert (DENY_TCP_WARNING in warnings_of(spec)) is warned


def test_what_the_lab_does_not_model_is_said_in_a_warning() -> None:
    found = warnings_of("{rules: [{when: [{key: connection.sni, values: [a]}]}]}")
    assert found[0].startswith("not supported in the lab: ")
    found = warnings_of("{targetRefs: [{kind: ServiceEntry, group: networking.istio.io, name: s}]}")
    assert found[0].startswith("not supported in the lab: ")
    # a Service target is enforced by the Service's waypoint (mesh/simulation/waypoints.py)
    assert warnings_of("{targetRefs: [{kind: Service, group: '', name: s}]}") == []


def cluster() -> Cluster:
    return validating_cluster()


def create(made: Cluster, doc: str) -> Any:
    obj = yaml.safe_load(doc)
    return made.create(made.kind_of(obj), obj)


def test_the_webhook_denies_an_invalid_policy() -> None:
    made = cluster()
    with pytest.raises(WebhookDenied) as caught:
        create(made, """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-all, namespace: foo}
spec: {action: DENY}
""")  # fmt: skip
    assert str(caught.value) == (
        'admission webhook "validation.istio.io" denied the request: configuration is invalid: '
        f"invalid policy deny-all.foo: {DENY_NO_RULES}"
    )
    create(made, """
apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata: {name: allow-nothing, namespace: foo}
spec: {}
""")  # fmt: skip
