"""Which VirtualService a sidecar applies to a host, and what happens to hosts it does not know.

Sources: ISTIO-SEMANTICS.md VirtualService "Short hosts", "Binding", "exportTo", "Several VS"
and "Delegate" lines, and the "ServiceEntry, outbound policy, Sidecar" section;
istio/istio pilot/pkg/model/config.go (ResolveShortnameToFQDN), pilot/pkg/model/
push_context.go (VirtualServicesForGateway ordering; services by hostname),
pilot/pkg/networking/core/httproute.go (virtual host domains, VS hosts outside the registry on
port 80 only, catch-all PassthroughCluster / block_all), pilot/pkg/model/sidecar.go (egress
hosts, selector Sidecar beats the namespace one, root-namespace default).
"""

from __future__ import annotations

from typing import Any

import pytest

from meshcert.mesh.routing import BlackHole, PassThrough, Routed

SUBSET_VS = """
kind: VirtualService
metadata: {{name: {name}, namespace: {ns}}}
spec:
  hosts: [{host}]
  {extra}
  http:
  - route: [{{destination: {{host: {dest}, subset: {subset}}}}}]
"""


def vs(name: str = "vs", ns: str = "default", host: str = "reviews", subset: str = "v1",
       extra: str = "", dest: str = "reviews.default.svc.cluster.local") -> str:  # fmt: skip
    return SUBSET_VS.format(name=name, ns=ns, host=host, subset=subset, extra=extra, dest=dest)


def subset_of(out: Any) -> str | None:
    assert isinstance(out, Routed), out
    return out.destinations[0].destination.subset


@pytest.mark.parametrize(
    ("url", "subset"),
    [
        ("http://reviews:9080/", "v2"),
        ("http://reviews.default:9080/", "v2"),
        ("http://reviews.default.svc:9080/", "v2"),
        ("http://reviews.default.svc.cluster.local:9080/", "v2"),
    ],
)
def test_host_forms_reach_the_same_virtual_host(
    build: Any, send_from: Any, url: str, subset: str
) -> None:
    view, proxy = build(vs(subset="v2"))
    assert subset_of(send_from(view, proxy, url)) == subset


def test_short_name_resolves_in_the_vs_namespace(build: Any, send_from: Any) -> None:
    # `reviews` written in namespace `other` means reviews.other: no such service
    view, proxy = build(vs(ns="other", subset="v2"))
    assert send_from(view, proxy, "http://reviews:9080/").route_name == "default"


def test_short_names_in_other_namespaces_need_the_namespace(build: Any, send_from: Any) -> None:
    view, proxy = build()
    assert isinstance(send_from(view, proxy, "http://httpbin:8000/"), PassThrough)
    assert isinstance(send_from(view, proxy, "http://httpbin.other:8000/"), Routed)


@pytest.mark.parametrize(
    ("extra", "applies"),
    [
        ("", True),
        ("gateways: [mesh]", True),
        ("gateways: [gw]", False),
        ("gateways: [gw, mesh]", True),
    ],
)
def test_binding_to_sidecars(build: Any, send_from: Any, extra: str, applies: bool) -> None:
    view, proxy = build(vs(subset="v2", extra=extra))
    expected = "v2" if applies else None
    assert subset_of(send_from(view, proxy, "http://reviews:9080/")) == expected


@pytest.mark.parametrize(
    ("export", "client", "applies"),
    [
        ("", "default/curl", True),
        ("exportTo: ['.']", "default/curl", True),
        ("exportTo: ['.']", "other/curl-other", False),
        ("exportTo: [other]", "other/curl-other", True),
        ("exportTo: [other]", "default/curl", False),
        ("exportTo: ['*']", "other/curl-other", True),
    ],
)
def test_virtual_service_export_to(
    build: Any, send_from: Any, export: str, client: str, applies: bool
) -> None:
    view, proxy = build(vs(subset="v2", extra=export), client=client)
    expected = "v2" if applies else None
    assert subset_of(send_from(view, proxy, "http://reviews.default:9080/")) == expected


def test_service_export_annotation_hides_the_service(build: Any, send_from: Any) -> None:
    view, proxy = build(
        """
kind: Service
metadata:
  name: private
  annotations: {networking.istio.io/exportTo: "."}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
""",
        client="other/curl-other",
    )
    assert isinstance(send_from(view, proxy, "http://private.default:9080/"), PassThrough)


def test_several_vs_for_one_host_first_claims_it(build: Any, send_from: Any) -> None:
    view, proxy = build(vs("first", subset="v1") + "---" + vs("second", subset="v2"))
    assert subset_of(send_from(view, proxy, "http://reviews:9080/")) == "v1"


def test_client_namespace_private_vs_beats_older_public_one(build: Any, send_from: Any) -> None:
    public = vs("public", ns="other", host="reviews.default.svc.cluster.local", subset="v1")
    private = vs("private", ns="other", host="reviews.default.svc.cluster.local", subset="v3",
                 extra="exportTo: ['.']")  # fmt: skip
    view, proxy = build(public + "---" + private, client="other/curl-other")
    assert subset_of(send_from(view, proxy, "http://reviews.default:9080/")) == "v3"


def test_exact_host_beats_wildcard(build: Any, send_from: Any) -> None:
    wild = vs("wild", host="'*.default.svc.cluster.local'", subset="v1")
    exact = vs("exact", subset="v3")
    view, proxy = build(wild + "---" + exact)
    assert subset_of(send_from(view, proxy, "http://reviews:9080/")) == "v3"
    assert subset_of(send_from(view, proxy, "http://ratings:9080/")) == "v1"


def test_delegate(build: Any, send_from: Any) -> None:
    view, proxy = build("""
kind: VirtualService
metadata: {name: root}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /api}}]
    delegate: {name: reviews-api, namespace: other}
  - route: [{destination: {host: reviews, subset: v1}}]
---
kind: VirtualService
metadata: {name: reviews-api, namespace: other}
spec:
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v2}}]
""")
    assert (
        subset_of(send_from(view, proxy, "http://reviews:9080/api", {"end-user": "jason"})) == "v2"
    )
    assert subset_of(send_from(view, proxy, "http://reviews:9080/api")) == "v1"
    assert subset_of(send_from(view, proxy, "http://reviews:9080/x", {"end-user": "jason"})) == "v1"


MODE = "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n"
SERVICE_ENTRY = """
kind: ServiceEntry
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
"""


# A Service with an HTTP port 80 gives every sidecar a 0.0.0.0:80 HTTP listener, whose route
# configuration ends in the allow_any / block_all virtual host (the curl Service in the istio.io
# egress pages); without one, port 80 goes to the virtualOutbound listener's TCP proxy.
PORT_80_SERVICE = """
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
"""


def test_unknown_host_allow_any_passes_through(build: Any, send_from: Any) -> None:
    view, proxy = build(PORT_80_SERVICE)
    assert send_from(view, proxy, "http://httpbin.org/get") == PassThrough("httpbin.org", 80)


def test_unknown_host_registry_only_is_block_all(build: Any, send_from: Any) -> None:
    view, proxy = build(PORT_80_SERVICE, mesh=MODE)
    out = send_from(view, proxy, "http://httpbin.org/get")
    assert isinstance(out, BlackHole)
    assert (out.status, out.opaque) == (502, False)


def test_without_an_http_listener_unknown_hosts_are_tcp(build: Any, send_from: Any) -> None:
    view, proxy = build()
    out = send_from(view, proxy, "http://httpbin.org/get")
    assert out == PassThrough("httpbin.org", 80, opaque=True)
    view, proxy = build(mesh=MODE)
    out = send_from(view, proxy, "http://httpbin.org/get")
    assert isinstance(out, BlackHole)
    assert out.opaque


def test_service_entry_makes_the_host_known(build: Any, send_from: Any, dests: Any) -> None:
    view, proxy = build(SERVICE_ENTRY, mesh=MODE)
    out = send_from(view, proxy, "http://httpbin.org/get")
    assert dests(out) == [("httpbin.org", None, 80, 100)]


def test_vs_timeout_for_external_host(build: Any, send_from: Any) -> None:
    view, proxy = build(SERVICE_ENTRY + """---
kind: VirtualService
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  http:
  - timeout: 3s
    route: [{destination: {host: httpbin.org}}]
""", mesh=MODE)  # fmt: skip
    assert send_from(view, proxy, "http://httpbin.org/delay/5").timeout == 3.0


def test_vs_host_outside_registry_applies_on_port_80_only(build: Any, send_from: Any) -> None:
    extra = vs(host="example.com", subset="v2")
    view, proxy = build(extra)
    assert subset_of(send_from(view, proxy, "http://example.com/")) == "v2"
    assert isinstance(send_from(view, proxy, "http://example.com:8080/"), PassThrough)


SIDECAR = """
kind: Sidecar
metadata: {{name: {name}, namespace: {ns}}}
spec:
  {selector}
  egress: [{{hosts: [{hosts}]}}]
  {policy}
"""


def sidecar(name: str = "default", ns: str = "default", hosts: str = "'./*'", selector: str = "",
            policy: str = "") -> str:  # fmt: skip
    return SIDECAR.format(name=name, ns=ns, hosts=hosts, selector=selector, policy=policy)


def test_sidecar_egress_hides_other_namespaces(build: Any, send_from: Any) -> None:
    view, proxy = build(sidecar())
    assert isinstance(send_from(view, proxy, "http://reviews:9080/"), Routed)
    assert isinstance(send_from(view, proxy, "http://httpbin.other:8000/"), PassThrough)


def test_sidecar_hidden_host_under_registry_only_is_blocked(build: Any, send_from: Any) -> None:
    view, proxy = build(sidecar(policy="outboundTrafficPolicy: {mode: REGISTRY_ONLY}"))
    assert isinstance(send_from(view, proxy, "http://httpbin.other:8000/"), BlackHole)


def test_selector_sidecar_beats_namespace_one(build: Any, send_from: Any) -> None:
    wide = sidecar()
    narrow = sidecar(
        name="curl", hosts="'other/*'", selector="workloadSelector: {labels: {app: curl}}"
    )
    view, proxy = build(wide + "---" + narrow)
    assert isinstance(send_from(view, proxy, "http://httpbin.other:8000/"), Routed)
    assert isinstance(send_from(view, proxy, "http://reviews:9080/"), PassThrough)


def test_root_namespace_sidecar_is_the_default(build: Any, send_from: Any) -> None:
    view, proxy = build(sidecar(ns="istio-system"))
    assert isinstance(send_from(view, proxy, "http://httpbin.other:8000/"), PassThrough)
    assert isinstance(send_from(view, proxy, "http://reviews:9080/"), Routed)


def test_port_without_the_service_port_passes_through(build: Any, send_from: Any) -> None:
    # no service has port 1234: no HTTP listener, the virtualOutbound TCP proxy passes it on
    view, proxy = build()
    assert send_from(view, proxy, "http://reviews:1234/") == PassThrough(
        "reviews", 1234, opaque=True
    )


def test_sidecar_egress_listener_per_port(build: Any, send_from: Any) -> None:
    """sidecar.proto egress: a listener with a port imports its hosts on that port only; the
    port-less listener covers the other ports."""
    extra = """
kind: Sidecar
metadata: {name: default}
spec:
  egress:
  - port: {number: 8000, protocol: HTTP, name: http}
    hosts: ['other/*']
  - hosts: ['./*']
"""
    view, proxy = build(extra)
    assert isinstance(send_from(view, proxy, "http://httpbin.other:8000/"), Routed)
    assert isinstance(send_from(view, proxy, "http://reviews:9080/"), Routed)


def test_sidecar_tilde_imports_nothing(build: Any, send_from: Any) -> None:
    view, proxy = build(sidecar(hosts="'~/*'"))
    assert isinstance(send_from(view, proxy, "http://reviews:9080/"), PassThrough)


def test_gateways_ignore_sidecar_resources(build: Any) -> None:
    """sidecar.proto: Sidecar configures sidecar proxies only, not gateways."""
    from meshcert.mesh.routing.proxies import Proxy, scope_of

    view, proxy = build(sidecar(hosts="'~/*'"))
    gateway = Proxy.gateway(proxy.workload)
    assert scope_of(view, gateway).sidecar is None


def test_sidecar_egress_proxy_takes_unknown_traffic(build: Any, send_from: Any, dests: Any) -> None:
    """sidecar.proto OutboundTrafficPolicy.egressProxy (ALLOW_ANY only); httproute.go
    buildCatchAllVirtualHost routes unknown hosts to it."""
    extra = sidecar(
        policy="outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: "
        "{host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 80}}}"
    )
    view, proxy = build(extra + "\n---\n" + PORT_80_SERVICE)
    out = send_from(view, proxy, "http://unknown.example.org/")
    assert dests(out) == [("istio-egressgateway.istio-system.svc.cluster.local", None, 80, 100)]
    assert out.route_name == "allow_any"
    # without an HTTP listener on the port the catch-all TCP proxy sends it there as bytes
    # (listener.go buildOutboundCatchAllNetworkFiltersOnly)
    view, proxy = build(extra)
    out = send_from(view, proxy, "http://unknown.example.org:8081/")
    assert dests(out) == [("istio-egressgateway.istio-system.svc.cluster.local", None, 80, 100)]
    assert out.opaque
