"""Every namespace has a `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap."""

from __future__ import annotations

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers.serviceaccounts import ROOT_CA_EXTENSION

from .builders import create, edit, get


@pytest.mark.parametrize("namespace", ["default", "shop"])
def test_a_namespace_gets_its_default_serviceaccount_and_root_ca(
    cluster: Cluster, namespace: str
) -> None:
    if namespace != "default":
        create(cluster, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    sa = get(cluster, "", "serviceaccounts", "default", namespace)
    assert sa["metadata"]["name"] == "default"
    assert "secrets" not in sa
    cm = get(cluster, "", "configmaps", "kube-root-ca.crt", namespace)
    assert cm["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----\n")
    assert "kubernetes.io/description" in cm["metadata"]["annotations"]


def test_the_default_serviceaccount_comes_back_when_deleted(cluster: Cluster) -> None:
    old = get(cluster, "", "serviceaccounts", "default")
    cluster.delete(cluster.kind("", "serviceaccounts"), "default", "default")
    assert (
        get(cluster, "", "serviceaccounts", "default")["metadata"]["uid"] != old["metadata"]["uid"]
    )


def test_the_root_ca_is_restored_and_can_be_the_clusters_own(cluster: Cluster) -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    cluster.extensions[ROOT_CA_EXTENSION] = pem
    edit(cluster, "", "configmaps", "kube-root-ca.crt", lambda c: c["data"].update({"ca.crt": "x"}))
    assert get(cluster, "", "configmaps", "kube-root-ca.crt")["data"] == {"ca.crt": pem}


def test_deleting_a_namespace_does_not_resurrect_its_accounts(cluster: Cluster) -> None:
    create(cluster, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    cluster.delete(cluster.kind("", "namespaces"), "", "shop")
    assert cluster.list(cluster.kind("", "serviceaccounts"), "shop") == []
