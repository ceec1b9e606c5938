"""The `validation.istio.io` webhook as a kube validating hook: active only while Istio's
ValidatingWebhookConfiguration exists and selects the object, denying with the apiserver's
webhook error (400 with no reason, so kubectl prints `Error from server:`) and Istio's
`configuration is invalid: ...` message.

Sources: pkg/webhooks/validation/server (the denial text), k8s.io/apiserver
webhookerrors.ToStatusErr (`admission webhook "<name>" denied the request: ...`, code 400),
istio.io docs/ops/common-problems/validation (kubectl's output for a rejected resource).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from meshcert.kube import errors
from meshcert.kube.cluster import Cluster, new_cluster
from meshcert.mesh.validation import install
from meshcert.mesh.validation.hook import WebhookDenied

if TYPE_CHECKING:
    from running_api import RunningApi

VALIDATOR = """
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: istiod-default-validator
webhooks:
- name: validation.istio.io
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Ignore
  clientConfig:
    service: {name: istiod, namespace: istio-system, path: /validate}
  objectSelector:
    matchExpressions:
    - {key: istio.io/rev, operator: DoesNotExist}
  rules:
  - apiGroups: [security.istio.io, networking.istio.io, telemetry.istio.io, extensions.istio.io]
    apiVersions: ["*"]
    operations: [CREATE, UPDATE]
    resources: ["*"]
"""

BAD_WEIGHTS = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 0
    - destination: {host: reviews, subset: v2}
      weight: 0
"""


ISTIOD = """
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system}
spec: {ports: [{name: https-webhook, port: 443, targetPort: 15017}]}
"""
ISTIOD_READY = """
apiVersion: v1
kind: Endpoints
metadata: {name: istiod, namespace: istio-system}
subsets: [{addresses: [{ip: 10.244.0.9}], ports: [{name: https-webhook, port: 15017}]}]
"""


def cluster_with(*docs: str, istiod: bool = True) -> Cluster:
    cluster = new_cluster()
    install(cluster)
    for ns in ("default", "istio-system"):
        cluster.create(
            cluster.kind_of({"apiVersion": "v1", "kind": "Namespace"}),
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
        )
    for doc in (ISTIOD, ISTIOD_READY, *docs) if istiod else (ISTIOD, *docs):
        obj: dict[str, Any] = yaml.safe_load(doc)
        cluster.create(cluster.kind_of(obj), obj)
    return cluster


def create(cluster: Cluster, doc: str) -> None:
    obj = yaml.safe_load(doc)
    cluster.create(cluster.kind_of(obj), obj)


def test_inactive_without_istio_webhook_configuration() -> None:
    cluster = cluster_with()
    create(cluster, BAD_WEIGHTS)  # no validator installed: accepted as the CRD schema allows


def test_denies_with_istio_message_and_bad_request() -> None:
    cluster = cluster_with(VALIDATOR)
    with pytest.raises(WebhookDenied) as caught:
        create(cluster, BAD_WEIGHTS)
    assert caught.value.code == 400
    assert str(caught.value) == (
        'admission webhook "validation.istio.io" denied the request: '
        "configuration is invalid: total destination weight = 0"
    )


def test_istiod_without_endpoints_fails_closed_or_open() -> None:
    fail = VALIDATOR.replace("failurePolicy: Ignore", "failurePolicy: Fail")
    cluster = cluster_with(fail, istiod=False)
    with pytest.raises(errors.InternalError) as caught:
        create(cluster, BAD_WEIGHTS.replace("weight: 0", "weight: 50"))
    assert str(caught.value) == (
        'Internal error occurred: failed calling webhook "validation.istio.io": failed to call '
        'webhook: Post "https://istiod.istio-system.svc:443/validate?timeout=10s": '
        'no endpoints available for service "istiod"'
    )
    create(cluster_with(VALIDATOR, istiod=False), BAD_WEIGHTS)  # Ignore: let through


def test_object_selector_decides_which_webhook_applies() -> None:
    cluster = cluster_with(VALIDATOR)
    labelled = BAD_WEIGHTS.replace(
        "metadata: {name: reviews, namespace: default}",
        "metadata: {name: reviews, namespace: default, labels: {istio.io/rev: canary}}",
    )
    create(cluster, labelled)  # istio.io/rev set: the default validator does not select it


def test_revision_validator_name_is_reported() -> None:
    rev = (
        VALIDATOR.replace("istiod-default-validator", "istio-validator-istio-system")
        .replace("- name: validation.istio.io", "- name: rev.validation.istio.io")
        .replace("operator: DoesNotExist}", "operator: In, values: [default]}")
    )
    cluster = cluster_with(rev)
    labelled = BAD_WEIGHTS.replace(
        "metadata: {name: reviews, namespace: default}",
        "metadata: {name: reviews, namespace: default, labels: {istio.io/rev: default}}",
    )
    with pytest.raises(WebhookDenied, match=r'admission webhook "rev\.validation\.istio\.io"'):
        create(cluster, labelled)


def test_valid_resources_pass_and_updates_are_checked() -> None:
    cluster = cluster_with(VALIDATOR)
    good = BAD_WEIGHTS.replace("weight: 0\n    - destination", "weight: 100\n    - destination")
    create(cluster, good)
    kind = cluster.kind_of(yaml.safe_load(good))
    obj = copy.deepcopy(cluster.get(kind, "default", "reviews"))
    obj["spec"]["http"][0]["route"][0]["weight"] = 0
    with pytest.raises(WebhookDenied, match="total destination weight = 0"):
        cluster.update(kind, obj, "default", "reviews")


def test_several_errors_print_as_go_multierror() -> None:
    cluster = cluster_with(VALIDATOR)
    doc = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bad, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match:
    - uri: {regex: "*"}
    route:
    - destination: {host: reviews}
    redirect: {uri: /x}
"""
    with pytest.raises(WebhookDenied) as caught:
        create(cluster, doc)
    assert str(caught.value) == (
        'admission webhook "validation.istio.io" denied the request: configuration is invalid: '
        "2 errors occurred:\n"
        "\t* HTTP route cannot contain both route and redirect\n"
        '\t* "uri": error parsing regexp: missing argument to repetition operator: `*`; '
        "Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)\n\n"
    )


@contextmanager
def _validating_api(tmp_path: Path) -> Iterator[RunningApi]:
    """A served cluster with istiod ready and Istio's validating webhook configured."""
    from running_api import running_api

    with running_api(tmp_path) as api:
        install(api.cluster)
        api.ok("create", "namespace", "istio-system")
        for doc in (ISTIOD, ISTIOD_READY, VALIDATOR):
            api.ok("apply", "-f", "-", input=doc)
        yield api


@pytest.mark.kubectl
def test_kubectl_prints_the_denial(tmp_path: Path) -> None:
    with _validating_api(tmp_path) as api:
        path = tmp_path / "vs.yaml"
        path.write_text(BAD_WEIGHTS)
        proc = api.kubectl("create", "-f", str(path))
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f'Error from server: error when creating "{path}": admission webhook '
        '"validation.istio.io" denied the request: configuration is invalid: '
        "total destination weight = 0"
    )


CATCH_ALL_FIRST = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
  - name: jason
    match:
    - headers: {end-user: {exact: jason}}
    route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: reviews, subset: v3}
"""


@pytest.mark.kubectl
def test_kubectl_prints_unreachable_rule_warnings(tmp_path: Path) -> None:
    """pkg/config/validation/validation.go: unreachable HTTP rules are allowed with a warning
    per rule, `virtualService rule <#index or "name"> not used (<reason>)`."""
    with _validating_api(tmp_path) as api:
        proc = api.kubectl("apply", "-f", "-", input=CATCH_ALL_FIRST)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "virtualservice.networking.istio.io/reviews created"
    assert proc.stderr.splitlines() == [
        'Warning: virtualService rule "jason" not used (route without matches defined before)',
        "Warning: virtualService rule #2 not used (only the last rule can have no matches)",
    ]


AUTO_PASSTHROUGH = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: cross-network-gateway, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers:
  - port: {number: 15443, name: tls, protocol: TLS}
    tls: {mode: AUTO_PASSTHROUGH}
    hosts: ["*.local"]
"""


def test_auto_passthrough_is_accepted_with_a_not_in_lab_warning() -> None:
    """istio.io docs/reference/config/networking/gateway (ServerTLSSettings.TLSmode
    AUTO_PASSTHROUGH: multi-cluster SNI routing). Istio accepts it; the lab says plainly,
    on apply, that it does not model it."""
    cluster = cluster_with(VALIDATOR)
    kind = cluster.kind("networking.istio.io", "gateways")
    with cluster.collecting_warnings() as request_warnings:
        cluster.create(kind, yaml.safe_load(AUTO_PASSTHROUGH), "istio-system")
    assert request_warnings == [
        "not supported in the lab: AUTO_PASSTHROUGH serves multi-cluster east-west traffic, "
        "which a single-cluster lab does not model; connections to server port 15443 are closed"
    ]


UNMODELLED = """
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: default}
spec:
  address: 10.128.0.9
  labels: {app: ratings-vm}
  serviceAccount: ratings
---
apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: ratings-vm, namespace: default}
spec:
  metadata:
    labels: {app: ratings-vm}
  template:
    serviceAccount: ratings
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: lua, namespace: default}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_INBOUND}
    patch:
      operation: INSERT_BEFORE
      value: {name: envoy.lua}
"""


@pytest.mark.kubectl
def test_kinds_the_lab_does_not_model_are_stored_with_a_warning(tmp_path: Path) -> None:
    """Istio accepts WorkloadEntry, WorkloadGroup and EnvoyFilter (istio.io docs/reference/
    config/networking/workload-entry, workload-group, envoy-filter); the lab stores them but
    does not model virtual machines or Envoy's filter chains, and says so on apply instead of
    silently behaving as if they were not there."""
    with _validating_api(tmp_path) as api:
        proc = api.kubectl("apply", "-f", "-", input=UNMODELLED)
        listed = api.ok("get", "workloadentries,workloadgroups,envoyfilters", "-o", "name")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "workloadentry.networking.istio.io/vm-1 created",
        "workloadgroup.networking.istio.io/ratings-vm created",
        "envoyfilter.networking.istio.io/lua created",
    ]
    assert proc.stderr.splitlines() == [
        "Warning: not supported in the lab: WorkloadEntry is stored but its address becomes "
        "no endpoint of a Service or ServiceEntry (the lab has no workloads outside Kubernetes)",
        "Warning: not supported in the lab: WorkloadGroup is stored but no WorkloadEntry is "
        "made from it (the lab has no workloads outside Kubernetes)",
        "Warning: not supported in the lab: EnvoyFilter is stored but its patches are not "
        "applied to the simulated proxies (the lab models Envoy's behaviour, not its filter "
        "chains)",
    ]
    assert listed.split() == [
        "workloadentry.networking.istio.io/vm-1",
        "workloadgroup.networking.istio.io/ratings-vm",
        "envoyfilter.networking.istio.io/lua",
    ]
