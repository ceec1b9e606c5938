"""Services as `kubectl get svc -o yaml` shows them: defaults, ClusterIP and node port
allocation, what an update keeps, and LoadBalancer addresses (pending unless provided)."""

from __future__ import annotations

import ipaddress

import pytest

from meshcert.kube import errors
from meshcert.kube.cluster import Cluster
from meshcert.kube.controllers import address_pool, set_load_balancer_provider

from .builders import create, edit, get, service

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")


def test_a_service_gets_its_defaults_and_a_cluster_ip(cluster: Cluster) -> None:
    create(cluster, service("web", {"app": "web"}, [{"name": "http", "port": 80}]))
    svc = get(cluster, "", "services", "web")
    spec = svc["spec"]
    ip = spec["clusterIP"]
    assert ipaddress.ip_address(ip) in SERVICE_CIDR
    assert spec == {
        "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 80}],
        "selector": {"app": "web"},
        "type": "ClusterIP",
        "sessionAffinity": "None",
        "internalTrafficPolicy": "Cluster",
        "clusterIP": ip,
        "clusterIPs": [ip],
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
    }
    assert svc["status"] == {"loadBalancer": {}}


def test_cluster_ips_are_unique(cluster: Cluster) -> None:
    for i in range(30):
        create(cluster, service(f"s{i}", {"app": "x"}))
    ips = [s["spec"]["clusterIP"] for s in cluster.list(cluster.kind("", "services"), "default")]
    assert len(set(ips)) == 30


def test_the_api_service_and_dns_get_their_well_known_addresses(cluster: Cluster) -> None:
    create(
        cluster, service("kubernetes", ports=[{"name": "https", "port": 443, "targetPort": 6443}])
    )
    create(cluster, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}})
    create(cluster, service("kube-dns", {"k8s-app": "kube-dns"}), "kube-system")
    assert get(cluster, "", "services", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"
    assert (
        get(cluster, "", "services", "kube-dns", "kube-system")["spec"]["clusterIP"] == "10.96.0.10"
    )


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        (
            "1.2.3.4",
            'Service "b" is invalid: spec.clusterIPs: Invalid value: ["1.2.3.4"]: failed to '
            "allocate IP 1.2.3.4: the provided IP (1.2.3.4) is not in the valid range. The "
            "range of valid IPs is 10.96.0.0/12",
        ),
        (
            "10.96.0.50",
            'Service "b" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.50"]: failed to '
            "allocate IP 10.96.0.50: provided IP is already allocated",
        ),
    ],
    ids=["out-of-range", "taken"],
)
def test_a_requested_cluster_ip_must_be_free_and_in_range(
    cluster: Cluster, requested: str, message: str
) -> None:
    create(cluster, service("a", {"app": "a"}, clusterIP="10.96.0.50"))
    assert get(cluster, "", "services", "a")["spec"]["clusterIPs"] == ["10.96.0.50"]
    with pytest.raises(errors.Invalid) as caught:
        create(cluster, service("b", {"app": "b"}, clusterIP=requested))
    assert str(caught.value) == message


def test_a_headless_service_has_no_address(cluster: Cluster) -> None:
    create(cluster, service("db", {"app": "db"}, clusterIP="None"))
    spec = get(cluster, "", "services", "db")["spec"]
    assert (spec["clusterIP"], spec["clusterIPs"], spec["ipFamilies"]) == (
        "None",
        ["None"],
        ["IPv4"],
    )


def test_an_external_name_service_has_no_cluster_ip(cluster: Cluster) -> None:
    create(cluster, service("ext", ports=[], type="ExternalName", externalName="example.com"))
    spec = get(cluster, "", "services", "ext")["spec"]
    assert "clusterIP" not in spec
    assert "ipFamilies" not in spec
    assert spec["type"] == "ExternalName"


def test_the_cluster_ip_cannot_change(cluster: Cluster) -> None:
    create(cluster, service("web", {"app": "web"}))
    with pytest.raises(errors.Invalid) as caught:
        edit(
            cluster,
            "",
            "services",
            "web",
            lambda s: s["spec"].update(clusterIP="None", clusterIPs=["None"]),
        )
    assert str(caught.value) == (
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: ["None"]: '
        "may not change once set"
    )


def test_a_replace_without_the_allocated_values_keeps_them(cluster: Cluster) -> None:
    created = create(cluster, service("web", {"app": "web"}, type="NodePort"))
    body = service("web", {"app": "web", "tier": "front"}, type="NodePort")
    body["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    replaced = cluster.update(cluster.kind("", "services"), body, "default", "web")
    assert replaced["spec"]["clusterIP"] == created["spec"]["clusterIP"]
    assert replaced["spec"]["ports"][0]["nodePort"] == created["spec"]["ports"][0]["nodePort"]


@pytest.mark.parametrize("kind", ["NodePort", "LoadBalancer"])
def test_node_ports_are_allocated_in_range(cluster: Cluster, kind: str) -> None:
    create(
        cluster,
        service(
            "web",
            {"app": "web"},
            [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
            type=kind,
        ),
    )
    spec = get(cluster, "", "services", "web")["spec"]
    ports = [p["nodePort"] for p in spec["ports"]]
    assert all(30000 <= p <= 32767 for p in ports)
    assert len(set(ports)) == 2
    assert spec["externalTrafficPolicy"] == "Cluster"


def test_a_taken_or_out_of_range_node_port_is_refused(cluster: Cluster) -> None:
    create(cluster, service("a", {"app": "a"}, [{"port": 80, "nodePort": 30080}], type="NodePort"))
    with pytest.raises(errors.Invalid) as caught:
        create(
            cluster, service("b", {"app": "b"}, [{"port": 80, "nodePort": 30080}], type="NodePort")
        )
    assert str(caught.value) == (
        'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
        "provided port is already allocated"
    )
    with pytest.raises(errors.Invalid) as caught:
        create(cluster, service("c", {"app": "c"}, [{"port": 80, "nodePort": 80}], type="NodePort"))
    assert (
        "provided port is not in the valid range. The range of valid ports is 30000-32767"
        in str(caught.value)
    )


def test_turning_a_node_port_service_into_cluster_ip_drops_its_node_ports(cluster: Cluster) -> None:
    create(cluster, service("web", {"app": "web"}, type="NodePort"))
    edit(
        cluster,
        "",
        "services",
        "web",
        lambda s: s["spec"].update(type="ClusterIP"),
    )
    spec = get(cluster, "", "services", "web")["spec"]
    assert "nodePort" not in spec["ports"][0]
    assert "externalTrafficPolicy" not in spec


def test_a_load_balancer_stays_pending_without_a_provider(cluster: Cluster) -> None:
    create(cluster, service("gw", {"app": "gw"}, type="LoadBalancer"))
    svc = get(cluster, "", "services", "gw")
    assert svc["status"] == {"loadBalancer": {}}
    assert svc["spec"]["allocateLoadBalancerNodePorts"] is True


def test_a_provider_gives_load_balancers_addresses(cluster: Cluster) -> None:
    create(cluster, service("gw", {"app": "gw"}, type="LoadBalancer"))
    set_load_balancer_provider(cluster, address_pool("172.18.255.200", "172.18.255.250"))
    create(cluster, service("gw2", {"app": "gw2"}, type="LoadBalancer"))
    create(cluster, service("plain", {"app": "x"}))
    first = get(cluster, "", "services", "gw")["status"]["loadBalancer"]
    second = get(cluster, "", "services", "gw2")["status"]["loadBalancer"]
    assert first == {"ingress": [{"ip": "172.18.255.200", "ipMode": "VIP"}]}
    assert second == {"ingress": [{"ip": "172.18.255.201", "ipMode": "VIP"}]}
    assert get(cluster, "", "services", "plain")["status"] == {"loadBalancer": {}}
    edit(
        cluster,
        "",
        "services",
        "gw",
        lambda s: s["metadata"].setdefault("labels", {}).update(x="y"),
    )
    assert get(cluster, "", "services", "gw")["status"]["loadBalancer"] == first
