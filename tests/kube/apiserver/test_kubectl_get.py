"""`kubectl get` in every output form, across namespaces, with selectors, and watching."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from running_api import RunningApi, kubectl_binary

MANIFESTS = Path(__file__).parent / "manifests"


def _columns(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def test_get_namespaces_table(api: RunningApi) -> None:
    lines = api.ok("get", "ns").splitlines()
    assert _columns(lines[0]) == ["NAME", "STATUS", "AGE"]
    rows = {_columns(line)[0]: _columns(line)[1] for line in lines[1:]}
    assert rows == {
        "default": "Active",
        "kube-node-lease": "Active",
        "kube-public": "Active",
        "kube-system": "Active",
    }


def test_get_pods_wide_and_labels(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    lines = api.ok("get", "pods", "-o", "wide").splitlines()
    assert _columns(lines[0]) == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED NODE",
        "READINESS GATES",
    ]
    assert len(lines) == 3
    for line in lines[1:]:
        cells = _columns(line)
        assert re.fullmatch(r"(details|reviews)-v1-[a-z0-9]{8,10}-[a-z0-9]{5}", cells[0])
        assert cells[1:4] == ["1/1", "Running", "0"]
        assert re.fullmatch(r"10\.244\.\d+\.\d+", cells[5])
        assert cells[6] == "meshcert-control-plane"
    labelled = api.ok("get", "pods", "--show-labels").splitlines()
    assert _columns(labelled[0])[-1] == "LABELS"
    assert "app=details" in labelled[1] or "app=details" in labelled[2]


def test_get_services_and_deployments_tables(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    svc = api.ok("get", "svc", "details").splitlines()
    assert _columns(svc[0]) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    cells = _columns(svc[1])
    assert cells[0:2] == ["details", "ClusterIP"]
    assert re.fullmatch(r"10\.9[6-9]\.\d+\.\d+|10\.1[01]\d\.\d+\.\d+", cells[2])
    assert cells[3:5] == ["<none>", "9080/TCP"]
    deploy = api.ok("get", "deploy").splitlines()
    assert _columns(deploy[0]) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert [_columns(line)[:4] for line in deploy[1:]] == [
        ["details-v1", "1/1", "1", "1"],
        ["reviews-v1", "1/1", "1", "1"],
    ]


def test_get_istio_kinds_use_the_crd_columns(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "reviews-routing.yaml"))
    vs = api.ok("get", "virtualservices").splitlines()
    assert _columns(vs[0]) == ["NAME", "GATEWAYS", "HOSTS", "AGE"]
    assert _columns(vs[1])[:2] == ["reviews", '["reviews"]']
    dr = api.ok("get", "dr").splitlines()
    assert _columns(dr[0]) == ["NAME", "HOST", "AGE"]
    assert _columns(dr[1])[:2] == ["reviews", "reviews"]
    pa = api.ok("get", "peerauthentication").splitlines()
    assert _columns(pa[0]) == ["NAME", "MODE", "AGE"]
    assert _columns(pa[1])[:2] == ["default", "STRICT"]
    ap = api.ok("get", "authorizationpolicies").splitlines()
    assert _columns(ap[0]) == ["NAME", "ACTION", "AGE"]
    assert _columns(ap[1])[:2] == ["allow-get", "ALLOW"]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_get_structured_output(api: RunningApi, fmt: str) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "reviews-routing.yaml"))
    out = api.ok("get", "vs", "reviews", "-o", fmt)
    obj = yaml.safe_load(out) if fmt == "yaml" else json.loads(out)
    assert obj["kind"] == "VirtualService"
    assert obj["metadata"]["namespace"] == "default"
    assert obj["metadata"]["generation"] == 1
    assert re.fullmatch(r"[0-9a-f-]{36}", obj["metadata"]["uid"])
    assert obj["spec"]["http"][0]["match"][0]["headers"]["end-user"] == {"exact": "jason"}


def test_get_name_all_namespaces_and_selectors(api: RunningApi) -> None:
    api.ok("create", "namespace", "other")
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    api.ok("apply", "-n", "other", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    names = api.ok("get", "deploy", "-o", "name").split()
    assert names == ["deployment.apps/details-v1", "deployment.apps/reviews-v1"]
    everywhere = api.ok("get", "deploy", "-A").splitlines()
    assert _columns(everywhere[0])[:2] == ["NAMESPACE", "NAME"]
    assert sorted(tuple(_columns(line)[:2]) for line in everywhere[1:]) == [
        ("default", "details-v1"),
        ("default", "reviews-v1"),
        ("other", "details-v1"),
        ("other", "reviews-v1"),
    ]
    selected = api.ok("get", "svc", "-l", "app=reviews", "-o", "name").split()
    assert selected == ["service/reviews"]
    set_based = api.ok("get", "svc", "-l", "app in (details,ratings)", "-o", "name").split()
    assert set_based == ["service/details"]
    by_field = api.ok(
        "get", "pods", "-A", "--field-selector", "metadata.namespace=other", "-o", "name"
    ).split()
    assert len(by_field) == 2


def test_get_watch_prints_changes_for_a_bounded_time(api: RunningApi) -> None:
    proc = subprocess.Popen(
        [kubectl_binary(), "get", "cm", "-w", "--request-timeout=8s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=api.env,
    )
    try:
        time.sleep(1.5)
        api.ok("create", "configmap", "watched", "--from-literal=a=b")
        api.ok("label", "configmap", "watched", "x=y")
        time.sleep(1.5)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    rows = [_columns(line) for line in out.splitlines() if line.startswith("watched")]
    assert len(rows) >= 2, out
    assert rows[0][:2] == ["watched", "1"]


def test_endpoint_slices_back_services(api: RunningApi) -> None:
    """kubectl describe svc reads a Service's endpoints from its EndpointSlices (kubectl 1.33+),
    and `get endpointslices` prints kubectl's EndpointSlice columns."""
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    pod_ip = api.ok("get", "pods", "-l", "app=details", "-o", "jsonpath={.items[0].status.podIP}")
    described = api.ok("describe", "svc", "details")
    assert re.search(rf"^Endpoints:\s+{re.escape(pod_ip)}:9080$", described, re.M)
    table = api.ok("get", "endpointslices", "-l", "kubernetes.io/service-name=details")
    header, row = table.splitlines()
    assert header.split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    assert row.split()[1:4] == ["IPv4", "9080", pod_ip]


def test_chunked_lists_page_with_limit_and_continue(api: RunningApi) -> None:
    """kubectl get fetches lists in chunks (`--chunk-size`, 500 by default) and follows the
    `continue` token until the server sends none."""
    for i in range(7):
        api.ok("create", "configmap", f"cm-{i}", "--from-literal=i=x")
    names = api.ok("get", "cm", "--chunk-size=3", "-o", "name").split()
    assert names == [f"configmap/cm-{i}" for i in range(7)] + ["configmap/kube-root-ca.crt"]
    table = api.ok("get", "cm", "--chunk-size=2").splitlines()
    assert [line.split()[0] for line in table] == ["NAME"] + [f"cm-{i}" for i in range(7)] + [
        "kube-root-ca.crt"
    ]
    bad = api.kubectl("get", "--raw", "/api/v1/namespaces/default/configmaps?continue=garbage")
    assert bad.returncode == 1
    assert "continue key is not valid" in bad.stderr
