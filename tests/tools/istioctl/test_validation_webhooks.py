"""What `istioctl install` sets up for config validation, and the webhook a denial names.

The istio-discovery chart (manifests/charts/istio-control/istio-discovery/templates/
validatingwebhookconfiguration.yaml) renders `istio-validator-istio-system` with the
`rev.validation.istio.io` webhook for objects labelled with the revision, and the default
revision adds `istiod-default-validator` with `validation.istio.io` for every object, so an
invalid unlabelled resource is denied by `validation.istio.io` as the docs show.
"""

from __future__ import annotations

import pytest
import yaml

from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import node_manifest
from meshcert.lab.labs import new_cluster
from meshcert.mesh.validation.hook import WebhookDenied
from meshcert.tools.istioctl.program import run_istioctl

INVALID = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default, labels: {}}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    redirect: {uri: /x}
"""


def _installed(*args: str) -> Cluster:
    cluster = new_cluster()
    with cluster.transaction():
        cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "default"}})
        cluster.create(cluster.kind("", "nodes"), node_manifest("kind-control-plane"))
    code, _, err = run_istioctl(cluster, ["install", "-y", *args])
    assert code == 0, err
    return cluster


def _validators(cluster: Cluster) -> dict[str, list[str]]:
    kind = cluster.kind("admissionregistration.k8s.io", "validatingwebhookconfigurations")
    return {
        obj["metadata"]["name"]: [hook["name"] for hook in obj["webhooks"]]
        for obj in cluster.list(kind)
    }


def test_default_install_has_the_revision_and_the_default_validator() -> None:
    assert _validators(_installed()) == {
        "istio-validator-istio-system": ["rev.validation.istio.io"],
        "istiod-default-validator": ["validation.istio.io"],
    }


def test_a_revision_install_has_only_its_own_validator() -> None:
    assert _validators(_installed("--revision", "canary")) == {
        "istio-validator-canary-istio-system": ["rev.validation.istio.io"],
    }


@pytest.mark.parametrize(
    ("labels", "webhook"),
    [({}, "validation.istio.io"), ({"istio.io/rev": "canary"}, "rev.validation.istio.io")],
    ids=["unlabelled", "revision-labelled"],
)
def test_the_denial_names_the_webhook_that_covers_the_object(
    labels: dict[str, str], webhook: str
) -> None:
    cluster = _installed()
    code, _, err = run_istioctl(cluster, ["install", "-y", "--revision", "canary"])
    assert code == 0, err
    obj = yaml.safe_load(INVALID)
    obj["metadata"]["labels"] = labels
    with pytest.raises(WebhookDenied) as denied:
        cluster.create(cluster.kind_of(obj), obj, "default")
    assert str(denied.value).startswith(
        f'admission webhook "{webhook}" denied the request: configuration is invalid: '
    )


def test_purge_removes_both_validators() -> None:
    cluster = _installed()
    code, _, err = run_istioctl(cluster, ["uninstall", "--purge", "-y"])
    assert code == 0, err
    assert _validators(cluster) == {}
