"""`MeshView`: an immutable, indexed snapshot of the cluster's Istio-relevant objects.

A view is built from a cluster at one resourceVersion (`MeshView.of(cluster)`, the caller holds
`cluster.lock`) and never changes afterwards, so the control plane can keep the view it last
pushed per revision while the cluster moves on. Everything the routing functions look up is
indexed by host or namespace at build time (regexes compiled, hosts resolved), so the cost of
one routing decision does not grow with the number of resources in other namespaces.

Objects inside a view (and the stored dicts they reference) are read-only: never mutate them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from . import hosts
from .config import exports
from .config.destinationrules import DestinationRule, Gateway, Sidecar
from .config.meshconfig import ISTIO_NAMESPACE, MeshConfig, MeshConfigError
from .config.objects import ConfigKey, age_key, meta_of
from .config.routes import DEFAULT_RETRIES, RetryPolicy, parse_retry
from .config.serviceentries import services_of
from .config.services import KUBERNETES, Endpoint, Service, ServicePort, kubernetes_service
from .config.virtualservices import VirtualService
from .config.workloads import Workload, node_locality, selects

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

Obj = Mapping[str, Any]
T = TypeVar("T")
NET = "networking.istio.io"
GATEWAY_API = "gateway.networking.k8s.io"
SEC = "security.istio.io"
SECURITY_KINDS = ("PeerAuthentication", "RequestAuthentication", "AuthorizationPolicy")


def _sorted(items: Iterable[Any]) -> list[Any]:
    return sorted(items, key=lambda c: age_key(c.created, c.key))


def _version(obj: Mapping[str, Any]) -> int:
    return int((obj.get("metadata") or {}).get("resourceVersion") or 0)


class MeshView:
    """The mesh's configuration at one resourceVersion, indexed for routing.

    Build with `MeshView.of(cluster)` or `MeshView.build(objects)`. Public attributes:
    `resource_version`, `mesh` (MeshConfig), `mesh_error` (why the mesh config is invalid, or
    ""), `namespaces` (name -> labels), `workloads`, `services`, `virtual_services`,
    `destination_rules`, `gateways`, `sidecars` (each a tuple, oldest first), and the
    security policies as stored objects through `policies(kind, namespace)`.
    """

    def __init__(
        self,
        *,
        resource_version: int = 0,
        mesh: MeshConfig | None = None,
        mesh_error: str = "",
        namespaces: Mapping[str, Mapping[str, str]] | None = None,
        workloads: Iterable[Workload] = (),
        services: Iterable[Service] = (),
        virtual_services: Iterable[VirtualService] = (),
        destination_rules: Iterable[DestinationRule] = (),
        gateways: Iterable[Gateway] = (),
        sidecars: Iterable[Sidecar] = (),
        policies: Mapping[str, Iterable[Obj]] | None = None,
        waypoint_for: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        self.resource_version = resource_version
        self.mesh = mesh or MeshConfig()
        self.mesh_error = mesh_error
        self.namespaces: Mapping[str, Mapping[str, str]] = dict(namespaces or {})
        self.workloads = tuple(workloads)
        self.services = tuple(services)
        self.virtual_services = tuple(_sorted(virtual_services))
        self.destination_rules = tuple(_sorted(destination_rules))
        self.gateways = tuple(_sorted(gateways))
        self.sidecars = tuple(_sorted(sidecars))
        # the `istio.io/waypoint-for` of each waypoint Gateway by (namespace, name)
        self.waypoint_for: Mapping[tuple[str, str], str] = dict(waypoint_for or {})
        self.default_retries: RetryPolicy = (
            parse_retry(self.mesh.default_http_retry_policy, DEFAULT_RETRIES)
            if self.mesh.default_http_retry_policy is not None
            else DEFAULT_RETRIES
        )

        self._by_ip: dict[str, Workload] = {}
        self._by_ns: dict[str, list[Workload]] = {}
        self._by_name: dict[tuple[str, str], Workload] = {}
        for w in self.workloads:
            self._by_name[(w.namespace, w.name)] = w
            if w.ip:
                self._by_ip.setdefault(w.ip, w)
            self._by_ns.setdefault(w.namespace, []).append(w)

        self._services: dict[str, list[Service]] = {}
        self._by_address: dict[str, list[Service]] = {}
        self._wild_services: list[Service] = []
        for s in sorted(self.services, key=lambda s: (s.origin != KUBERNETES, s.created)):
            self._services.setdefault(s.hostname, []).append(s)
            if hosts.is_wildcard(s.hostname):
                self._wild_services.append(s)
            for a in s.addresses:
                self._by_address.setdefault(a, []).append(s)

        # VirtualServices by (gateway, host pattern); delegates by (namespace, name).
        self._vs_by_gateway_host: dict[tuple[str, str], list[VirtualService]] = {}
        self._vs_by_gateway: dict[str, list[VirtualService]] = {}
        self._delegates: dict[tuple[str, str], VirtualService] = {}
        for vs in self.virtual_services:
            if vs.is_delegate:
                self._delegates[(vs.namespace, vs.name)] = vs
                continue
            for gw in vs.gateways:
                self._vs_by_gateway.setdefault(gw, []).append(vs)
                for h in vs.hosts:
                    self._vs_by_gateway_host.setdefault((gw, h), []).append(vs)

        self._dr_by_ns_host: dict[tuple[str, str], list[DestinationRule]] = {}
        for dr in self.destination_rules:
            self._dr_by_ns_host.setdefault((dr.namespace, dr.host), []).append(dr)

        self._sidecars_by_ns: dict[str, list[Sidecar]] = {}
        for sc in self.sidecars:
            self._sidecars_by_ns.setdefault(sc.key.namespace, []).append(sc)

        # Security policies (PeerAuthentication, RequestAuthentication, AuthorizationPolicy)
        # as stored, oldest first, by kind and namespace; `meshcert.mesh.security` parses them.
        self._policies: dict[tuple[str, str], list[Obj]] = {}
        for kind, objs in (policies or {}).items():
            for obj in sorted(objs, key=functools.partial(_policy_age, kind)):
                ns = str((obj.get("metadata") or {}).get("namespace", ""))
                self._policies.setdefault((kind, ns), []).append(obj)

        # Per-view memo for derived data (`memo`/`remember`); the request path reads it
        # directly (`view.memos.get(key)`), a method call less per lookup.
        self.memos: dict[Any, Any] = {}
        # The live cluster a view was taken from (None when built from manifests): for what
        # proxies get outside the pushed configuration, such as certificates (SDS).
        self.source: Cluster | None = None

    # building ---------------------------------------------------------------------------------

    @classmethod
    def of(cls, cluster: Cluster, revision: str = "", config_as_of: int | None = None) -> MeshView:
        """Snapshot `cluster` (the caller holds `cluster.lock`). The mesh config is the one the
        revision's istiod pushes with (`controlplane.pushed_mesh_config`: its last accepted
        text of ConfigMap `istio` / `istio-<revision>`), or the ConfigMap's own without an
        istiod. `config_as_of`: leave out the Istio and Gateway API objects written after that
        resourceVersion (a frozen push rebuilt after a restart, when no snapshot of it
        survives)."""
        from .controlplane import pushed_mesh_config  # imports the view's users: not at the top

        store = cluster.store
        reg = cluster.registry

        def items(group: str, plural: str) -> list[dict[str, Any]]:
            kind = reg.by_plural(group, plural)
            if kind is None or (group == GATEWAY_API and not reg.is_served(kind)):
                return []  # Gateway API kinds exist only while their CRDs do
            found = store.list(kind)
            if config_as_of is not None and group in (NET, SEC, GATEWAY_API):
                found = [o for o in found if _version(o) <= config_as_of]
            return found

        mesh_text = pushed_mesh_config(cluster, revision or "default")
        if mesh_text is None:
            cm_name = f"istio-{revision}" if revision and revision != "default" else "istio"
            cm_kind = reg.by_plural("", "configmaps")
            cm = store.get(cm_kind, ISTIO_NAMESPACE, cm_name) if cm_kind is not None else None
            if cm is None and cm_name != "istio" and cm_kind is not None:
                cm = store.get(cm_kind, ISTIO_NAMESPACE, "istio")
            mesh_text = str(((cm or {}).get("data") or {}).get("mesh") or "")
        view = cls.build(
            resource_version=store.resource_version,
            mesh_text=mesh_text,
            namespaces=items("", "namespaces"),
            nodes=items("", "nodes"),
            pods=items("", "pods"),
            services=items("", "services"),
            service_entries=items(NET, "serviceentries"),
            virtual_services=items(NET, "virtualservices"),
            destination_rules=items(NET, "destinationrules"),
            gateways=items(NET, "gateways"),
            sidecars=items(NET, "sidecars"),
            peer_authentications=items(SEC, "peerauthentications"),
            request_authentications=items(SEC, "requestauthentications"),
            authorization_policies=items(SEC, "authorizationpolicies"),
            k8s_gateways=items(GATEWAY_API, "gateways"),
            http_routes=items(GATEWAY_API, "httproutes"),
        )
        view.source = cluster
        return view

    @classmethod
    def build(
        cls,
        *,
        resource_version: int = 0,
        mesh_text: str = "",
        namespaces: Iterable[Obj] = (),
        nodes: Iterable[Obj] = (),
        pods: Iterable[Obj] = (),
        services: Iterable[Obj] = (),
        service_entries: Iterable[Obj] = (),
        virtual_services: Iterable[Obj] = (),
        destination_rules: Iterable[Obj] = (),
        gateways: Iterable[Obj] = (),
        sidecars: Iterable[Obj] = (),
        peer_authentications: Iterable[Obj] = (),
        request_authentications: Iterable[Obj] = (),
        authorization_policies: Iterable[Obj] = (),
        k8s_gateways: Iterable[Obj] = (),
        http_routes: Iterable[Obj] = (),
    ) -> MeshView:
        """A view from raw objects (as stored: dicts with metadata/spec/status). Gateway API
        Gateways (`k8s_gateways`) and HTTPRoutes join as the Istio Gateways and
        VirtualServices istiod converts them to (`config/httproutes.py`)."""
        try:
            mesh, mesh_error = MeshConfig.parse(mesh_text), ""
        except MeshConfigError as exc:
            mesh, mesh_error = MeshConfig(), str(exc)
        ns_labels = {
            str((n.get("metadata") or {}).get("name", "")): (n.get("metadata") or {}).get("labels")
            or {}
            for n in namespaces
        }
        localities = {
            str((n.get("metadata") or {}).get("name", "")): node_locality(n) for n in nodes
        }
        workloads = [
            Workload.from_pod(
                p,
                ns_labels.get(str((p.get("metadata") or {}).get("namespace", "")), {}),
                localities.get(str((p.get("spec") or {}).get("nodeName", "")), ""),
            )
            for p in pods
        ]
        svc_export = mesh.default_service_export_to
        svcs = [_parsed("svc", s, svc_export, kubernetes_service) for s in services]
        for se in service_entries:
            svcs.extend(_parsed("se", se, svc_export, services_of))
        default_retries = (
            parse_retry(mesh.default_http_retry_policy, DEFAULT_RETRIES)
            if mesh.default_http_retry_policy is not None
            else DEFAULT_RETRIES
        )
        k8s_gateways, http_routes = list(k8s_gateways), list(http_routes)
        converted_vs: list[VirtualService] = []
        converted_gw: list[Gateway] = []
        waypoint_for: Mapping[tuple[str, str], str] = {}
        if k8s_gateways or http_routes:  # only clusters using the Gateway API load it
            from .config import httproutes

            converted = httproutes.convert(
                k8s_gateways,
                http_routes,
                {s.hostname for s in svcs if s.origin == KUBERNETES},
                namespace_labels=ns_labels,
            )
            converted_vs = [httproutes.virtual_service(v, default_retries)
                            for v in converted.virtual_services]  # fmt: skip
            converted_gw = [Gateway.parse(g) for g in converted.gateways]
            waypoint_for = converted.waypoint_for
        return cls(
            resource_version=resource_version,
            mesh=mesh,
            mesh_error=mesh_error,
            namespaces=ns_labels,
            workloads=workloads,
            services=svcs,
            virtual_services=[
                *(
                    _parsed(
                        "vs",
                        v,
                        (default_retries, mesh.default_virtual_service_export_to),
                        lambda o, ctx: VirtualService.parse(o, *ctx),
                    )
                    for v in virtual_services
                ),
                *converted_vs,
            ],
            destination_rules=[
                _parsed("dr", d, mesh.default_destination_rule_export_to, DestinationRule.parse)
                for d in destination_rules
            ],
            gateways=[
                *(_parsed("gw", g, None, lambda o, _: Gateway.parse(o)) for g in gateways),
                *converted_gw,
            ],
            sidecars=[_parsed("sc", s, None, lambda o, _: Sidecar.parse(o)) for s in sidecars],
            waypoint_for=waypoint_for,
            policies={
                "PeerAuthentication": peer_authentications,
                "RequestAuthentication": request_authentications,
                "AuthorizationPolicy": authorization_policies,
            },
        )

    @classmethod
    def from_manifests(
        cls, documents: Iterable[Mapping[str, Any]], mesh_text: str = ""
    ) -> MeshView:
        """A view from manifests as written (tests, offline analysis): objects are sorted by
        kind; missing creation timestamps follow document order; a Pod without status is
        Running and Ready on a fresh IP (10.244.x.y); a Service without clusterIP gets one
        (10.96.x.y) unless `clusterIP: None`. Documents are copied, never changed."""
        import copy
        from datetime import UTC, datetime, timedelta

        base = datetime(2026, 1, 1, tzinfo=UTC)
        buckets: dict[str, list[dict[str, Any]]] = {}
        for i, doc in enumerate(documents):
            if not isinstance(doc, Mapping) or not doc.get("kind"):
                continue
            obj = copy.deepcopy(dict(doc))
            meta = obj.setdefault("metadata", {})
            if obj["kind"] != "Namespace":
                meta.setdefault("namespace", "default")
            stamp = (base + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            meta.setdefault("creationTimestamp", stamp)
            kind = str(obj["kind"])
            if kind == "Pod" and not (obj.get("status") or {}).get("podIP"):
                n = len(buckets.get("Pod", [])) + 1
                obj["status"] = {
                    "phase": "Running",
                    "podIP": f"10.244.{n // 250}.{n % 250 + 1}",
                    "conditions": [{"type": "Ready", "status": "True"}],
                }
            if kind == "Service":
                spec = obj.setdefault("spec", {})
                if not spec.get("clusterIP") and spec.get("type") != "ExternalName":
                    n = len(buckets.get("Service", [])) + 1
                    spec["clusterIP"] = f"10.96.{n // 250}.{n % 250 + 1}"
            buckets.setdefault(kind, []).append(obj)
        return cls.build(
            mesh_text=mesh_text,
            namespaces=buckets.get("Namespace", []),
            nodes=buckets.get("Node", []),
            pods=buckets.get("Pod", []),
            services=buckets.get("Service", []),
            service_entries=buckets.get("ServiceEntry", []),
            virtual_services=buckets.get("VirtualService", []),
            destination_rules=buckets.get("DestinationRule", []),
            gateways=[
                g
                for g in buckets.get("Gateway", [])
                if not str(g.get("apiVersion", "")).startswith(GATEWAY_API)
            ],
            sidecars=buckets.get("Sidecar", []),
            peer_authentications=buckets.get("PeerAuthentication", []),
            request_authentications=buckets.get("RequestAuthentication", []),
            authorization_policies=buckets.get("AuthorizationPolicy", []),
            k8s_gateways=[
                g
                for g in buckets.get("Gateway", [])
                if str(g.get("apiVersion", "")).startswith(GATEWAY_API)
            ],
            http_routes=buckets.get("HTTPRoute", []),
        )

    # workloads --------------------------------------------------------------------------------

    @property
    def root_namespace(self) -> str:
        return self.mesh.root_namespace

    def workload_for_ip(self, ip: str) -> Workload | None:
        return self._by_ip.get(ip)

    def workload(self, namespace: str, name: str) -> Workload | None:
        return self._by_name.get((namespace, name))

    def workloads_in(self, namespace: str) -> tuple[Workload, ...]:
        return tuple(self._by_ns.get(namespace, ()))

    # services ---------------------------------------------------------------------------------

    def services_for_host(self, host: str) -> tuple[Service, ...]:
        """Every registry service (Kubernetes first, then ServiceEntries, oldest first) whose
        hostname is exactly `host` (an FQDN, or a wildcard SE host as written)."""
        return tuple(self._services.get(host.lower(), ()))

    def services_for_address(self, address: str) -> tuple[Service, ...]:
        """Services whose VIP (cluster IP, ServiceEntry address) is `address`."""
        return tuple(self._by_address.get(address, ()))

    def service_for(self, host: str, client_namespace: str) -> Service | None:
        """The service `host` means to a client in `client_namespace`: among those exported to
        it, the one in the client's namespace, else the first (Kubernetes before
        ServiceEntry, oldest first). Wildcard ServiceEntry hosts cover concrete names."""
        candidates = self._services.get(host.lower())
        if not candidates:
            for key in hosts.wildcard_keys(host.lower()):
                candidates = self._services.get(key)
                if candidates:
                    break
        if not candidates:
            return None
        visible = [
            s for s in candidates if exports.visible(s.export_to, s.namespace, client_namespace)
        ]
        if not visible:
            return None
        return next((s for s in visible if s.namespace == client_namespace), visible[0])

    def visible_services(self, client_namespace: str) -> tuple[Service, ...]:
        """All services exported to `client_namespace` (used by analysis and listings; routing
        uses the indexed `service_for`)."""
        return tuple(
            s for s in self.services if exports.visible(s.export_to, s.namespace, client_namespace)
        )

    def endpoints(
        self, service: Service, port: int, subset_labels: Mapping[str, str] | None = None
    ) -> tuple[Endpoint, ...]:
        """The ready endpoints of `service` port `port` (pods selected by the Service or SE
        workloadSelector, with the target port resolved; SE static endpoints; the host itself
        for a DNS ServiceEntry without endpoints), narrowed to `subset_labels`."""
        key = ("ep", service.hostname, service.namespace, service.origin, port)
        found = self.memos.get(key)
        if found is None:
            found = self._compute_endpoints(service, port)
            self.memos[key] = found
        if subset_labels:
            return tuple(e for e in found if selects(subset_labels, e.labels))
        return found

    def _compute_endpoints(self, service: Service, port: int) -> tuple[Endpoint, ...]:
        sp = service.port(port)
        if sp is None:
            return ()
        out: list[Endpoint] = []
        if service.external_name:
            # ExternalName: an alias the proxy resolves by DNS (kube/conversion.go, Alias).
            return (Endpoint(service.external_name, sp.port, {}),)
        if service.selector is not None or service.origin == KUBERNETES:
            if service.selector:
                for w in self._by_ns.get(service.namespace, ()):
                    if not w.ip or not w.ready or not selects(service.selector, w.labels):
                        continue
                    target = _target_port(sp, w)
                    if target is None:
                        continue
                    out.append(
                        Endpoint(
                            address=w.ip,
                            port=target,
                            labels=w.labels,
                            workload=w,
                            locality=w.locality,
                            service_account=w.service_account,
                        )
                    )
            return tuple(out)
        if service.static_endpoints:
            index = service.ports.index(sp)
            count = len(service.ports)
            return tuple(e for i, e in enumerate(service.static_endpoints) if i % count == index)
        if service.resolution in ("DNS", "DNS_ROUND_ROBIN") and not hosts.is_wildcard(
            service.hostname
        ):
            target = (
                sp.target_port if isinstance(sp.target_port, int) and sp.target_port else sp.port
            )
            return (Endpoint(service.hostname, target, {}),)
        return ()

    # configuration ----------------------------------------------------------------------------

    def virtual_services_for(self, gateway: str, host: str) -> tuple[VirtualService, ...]:
        """VirtualServices bound to `gateway` (`mesh` or `ns/name`) whose hosts list `host`
        exactly as resolved, oldest first. Wildcard entries are found with
        `hosts.wildcard_keys` by the caller."""
        return tuple(self._vs_by_gateway_host.get((gateway, host), ()))

    def virtual_services_bound_to(self, gateway: str) -> tuple[VirtualService, ...]:
        """Every VirtualService attached to `gateway` (`ns/name`), oldest first."""
        return tuple(self._vs_by_gateway.get(gateway, ()))

    def delegate(self, namespace: str, name: str) -> VirtualService | None:
        """The delegate VirtualService (one without hosts) `namespace/name`."""
        return self._delegates.get((namespace, name))

    def destination_rules_for(self, namespace: str, host: str) -> tuple[DestinationRule, ...]:
        """DestinationRules of `namespace` whose host is exactly `host`, oldest first."""
        return tuple(self._dr_by_ns_host.get((namespace, host), ()))

    def sidecars_in(self, namespace: str) -> tuple[Sidecar, ...]:
        return tuple(self._sidecars_by_ns.get(namespace, ()))

    def gateways_for(self, workload: Workload) -> tuple[Gateway, ...]:
        """Gateways whose selector matches the workload's labels (any namespace; Istio's
        default PILOT_SCOPE_GATEWAY_TO_NAMESPACE=false)."""
        key = ("gw", workload.namespace, workload.name)
        found = self.memos.get(key)
        if found is None:
            found = tuple(
                g for g in self.gateways if g.selector and selects(g.selector, workload.labels)
            )
            self.memos[key] = found
        assert isinstance(found, tuple)
        return found

    def gateway(self, ref: str) -> Gateway | None:
        """The Gateway `ns/name`."""
        return next((g for g in self.gateways if g.ref == ref), None)

    def config(self, key: ConfigKey) -> Any:
        """The parsed object with `key`, or None."""
        pools: dict[str, tuple[Any, ...]] = {
            "VirtualService": self.virtual_services,
            "DestinationRule": self.destination_rules,
            "Gateway": self.gateways,
            "Sidecar": self.sidecars,
        }
        return next((c for c in pools.get(key.kind, ()) if c.key == key), None)

    def policies(self, kind: str, namespace: str) -> tuple[Obj, ...]:
        """The stored `kind` objects (PeerAuthentication, RequestAuthentication,
        AuthorizationPolicy) of `namespace`, oldest first. Read-only."""
        return tuple(self._policies.get((kind, namespace), ()))

    def all_policies(self) -> dict[str, list[Obj]]:
        """Every stored security policy by kind (what `policies=` of the constructor takes)."""
        out: dict[str, list[Obj]] = {}
        for (kind, _), objs in self._policies.items():
            out.setdefault(kind, []).extend(objs)
        return out

    def memo(self, key: Any) -> Any:
        """Per-view memo for derived data (routing tables per proxy scope)."""
        return self.memos.get(key)

    def remember(self, key: Any, value: Any) -> Any:
        self.memos[key] = value
        return value


def _policy_age(kind: str, obj: Obj) -> tuple[str, str, str]:
    key, created = meta_of(kind, obj)
    return age_key(created, key)


_PARSE_CACHE: dict[Any, Any] = {}
_PARSE_CACHE_LIMIT = 200_000


def _parsed(kind: str, obj: Obj, context: Any, parse: Callable[[Obj, Any], T]) -> T:
    """`parse(obj, context)`, reused across views while the stored object (the same object:
    stored objects are never changed in place) and the mesh defaults it depends on are
    unchanged: rebuilding a view after one change re-parses one object, not the whole mesh.
    Objects without a resourceVersion (manifests) are always parsed."""
    meta = obj.get("metadata") or {}
    version = meta.get("resourceVersion")
    if not version:
        return parse(obj, context)
    key = (kind, meta.get("uid"), meta.get("namespace"), meta.get("name"), version, context)
    entry = _PARSE_CACHE.get(key)
    # the very same stored object: labs restored from one dump share objects (and so their
    # uids and versions), and two of them may each write their own version N of one object
    if entry is not None and entry[0] is obj:
        parsed: T = entry[1]
        return parsed
    if len(_PARSE_CACHE) >= _PARSE_CACHE_LIMIT:
        _PARSE_CACHE.clear()
    parsed = parse(obj, context)
    _PARSE_CACHE[key] = (obj, parsed)
    return parsed


def _target_port(sp: ServicePort, w: Workload) -> int | None:
    if sp.target_port is None:
        return sp.port
    if isinstance(sp.target_port, int):
        return sp.target_port
    if str(sp.target_port).isdigit():
        return int(sp.target_port)
    return w.container_port(str(sp.target_port))


__all__ = [
    "DestinationRule",
    "Endpoint",
    "Gateway",
    "MeshConfig",
    "MeshView",
    "Service",
    "ServicePort",
    "Sidecar",
    "VirtualService",
    "Workload",
]
