"""`istioctl x describe pod|svc`: the Service, DestinationRule, VirtualService, RBAC policies,
effective PeerAuthentication and ingress exposure that apply to a pod, in istioctl 1.26's
layout (istio/istio istioctl/pkg/describe/describe.go; istio.io
docs/ops/diagnostic-tools/istioctl-describe).

The real tool reads the pod's Envoy config dump to learn which DestinationRule and
VirtualService its proxy applies to each service port, then fetches those objects. Here the
proxy's configuration is the lab's: the view the proxy holds (`view_for_proxy`, so a stale
proxy names what its last push had), the DestinationRule lookup of `mesh/destinations`, the
claiming VirtualService of `mesh/routing`, the AuthorizationPolicies of `mesh/security/authz`
and the composed PeerAuthentication of `mesh/security/mtls`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshcert.kube.cluster import Cluster
from meshcert.kube.store import Obj
from meshcert.mesh import hosts
from meshcert.mesh.config.services import Service, protocol_of
from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.controlplane import has_sidecar
from meshcert.mesh.destinations.lookup import destination_rule_for
from meshcert.mesh.install import ISTIO_VERSION
from meshcert.mesh.routing.proxies import MESH_GATEWAY, proxy_for, scope_of
from meshcert.mesh.routing.vhosts import claiming
from meshcert.mesh.security import mtls
from meshcert.mesh.security.authz.policies import policies_for
from meshcert.mesh.simulation.state import view_for_proxy
from meshcert.mesh.view import MeshView

from .commands import Command, Flag, Invocation, UsageError

SEPARATOR = "--------------------\n"
L1 = "   "
L2 = "      "
_MINOR = ".".join(ISTIO_VERSION.split(".")[:2])
REQUIREMENTS_URL = f"https://istio.io/v{_MINOR}/docs/ops/deployment/application-requirements/"
_NAME_LABELS = ("service.istio.io/canonical-name", "app.kubernetes.io/name", "app")
_REVISION_LABELS = ("service.istio.io/canonical-revision", "app.kubernetes.io/version", "version")


class _Describer:
    def __init__(self, cluster: Cluster, namespace: str) -> None:
        self.cluster = cluster
        self.namespace = namespace  # describeNamespace: names in it print without `.ns`
        self.lines: list[str] = []

    def out(self, text: str) -> None:
        self.lines.append(text)

    def kname(self, meta: Mapping[str, Any]) -> str:
        if meta.get("namespace") == self.namespace:
            return str(meta.get("name"))
        return f"{meta.get('name')}.{meta.get('namespace')}"

    def live(self, group: str, plural: str, namespace: str, name: str) -> Obj | None:
        return self.cluster.find(self.cluster.kind(group, plural), namespace, name)

    # the pod ------------------------------------------------------------------------------

    def print_pod(self, pod: Obj) -> None:
        meta = pod["metadata"]
        ports = []
        for container in (pod.get("spec") or {}).get("containers") or []:
            for port in container.get("ports") or []:
                protocol = str(port.get("protocol") or "TCP")
                suffix = "" if protocol == "TCP" else f"/{protocol}"
                ports.append(f"{port.get('containerPort')}{suffix} ({container.get('name')})")
            security = container.get("securityContext") or {}
            if (
                container.get("name") not in ("istio-proxy", "istio-operator")
                and security.get("runAsUser") == 1337
            ):
                self.out("WARNING: User ID (UID) 1337 is reserved for the sidecar proxy.\n")
        self.out(f"Pod: {self.kname(meta)}\n")
        self.out(f"   Pod Revision: {_revision_annotation(pod)}\n")
        if ports:
            self.out(f"   Pod Ports: {', '.join(ports)}\n")
        else:
            self.out("   Pod does not expose ports\n")
        phase = (pod.get("status") or {}).get("phase")
        if phase != "Running":
            self.out(f"   Pod is not Running ({phase})\n")
            return
        status = pod.get("status") or {}
        for key, word in (
            ("containerStatuses", "Container"),
            ("initContainerStatuses", "Init Container"),
        ):
            for cs in status.get(key) or []:
                if not cs.get("ready"):
                    self.out(f"WARNING: Pod {self.kname(meta)} {word} {cs.get('name')} NOT READY\n")
        if not has_sidecar(pod):
            self.out(f"WARNING: {self.kname(meta)} is not part of mesh; no Istio sidecar\n")
            return
        if ((pod.get("spec") or {}).get("securityContext") or {}).get("runAsUser") == 1337:
            self.out("   WARNING: User ID (UID) 1337 is reserved for the sidecar proxy.\n")
        labels = meta.get("labels") or {}
        if not any(labels.get(k) for k in _NAME_LABELS):
            self.out(
                "Suggestion: add required service name label for Istio telemetry. "
                f"See {REQUIREMENTS_URL}.\n"
            )
        if not any(labels.get(k) for k in _REVISION_LABELS):
            self.out(
                "Suggestion: add required service revision label for Istio telemetry. "
                f"See {REQUIREMENTS_URL}.\n"
            )

    # services -----------------------------------------------------------------------------

    def print_service(self, svc: Obj, pod: Obj) -> None:
        self.out(f"Service: {self.kname(svc['metadata'])}\n")
        for port in (svc.get("spec") or {}).get("ports") or []:
            if str(port.get("protocol") or "TCP") != "TCP":
                continue
            target = _find_port(pod, port)
            if target is None:
                self.out(f"   no suitable port for manifest: {pod['metadata'].get('uid', '')}\n")
                continue
            self.out(
                f"   Port: {port.get('name', '')} {port.get('port')}/{_protocol(port)} "
                f"targets pod port {target}\n"
            )

    def describe_services(
        self, pod: Obj, services: list[Obj], pods_labels: list[Mapping[str, str]]
    ) -> None:
        view = view_for_proxy(self.cluster, pod)
        meta = pod["metadata"]
        workload = view.workload(meta["namespace"], meta["name"])
        proxy = proxy_for(workload)
        if workload is None or proxy is None:
            raise UsageError(
                f"failed to execute command on sidecar: {meta['name']}.{meta['namespace']} has "
                "no istio-proxy container"
            )
        for row, svc in enumerate(services):
            if row:
                self.out(SEPARATOR)
            self.print_service(svc, pod)
            ports = (svc.get("spec") or {}).get("ports") or []
            indent = L1 if len(ports) > 1 else ""
            service = _registry_service(view, svc)
            for port in ports:
                number = int(port.get("port") or 0)
                if len(ports) > 1:
                    self.out(f"{number}:\n")
                dr: Obj | None = None
                matching: list[str] = []
                nonmatching: list[str] = []
                if service is not None:
                    rule = destination_rule_for(
                        view, meta["namespace"], service.hostname, service.namespace,
                        workload.labels,
                    )  # fmt: skip
                    if rule is not None:
                        key = rule.key
                        dr = self.live(
                            "networking.istio.io", "destinationrules", key.namespace, key.name
                        )
                        if dr is None:
                            self.out(
                                "WARNING: Proxy is stale; it references to non-existent "
                                f"destination rule {key.name}.{key.namespace}\n"
                            )
                        else:
                            self.print_destination_rule(indent, dr, pods_labels)
                            matching, nonmatching = _subsets(dr, pods_labels)
                    vs_key = _claiming_vs(view, workload, service, number)
                    if vs_key is not None:
                        vs = self.live(
                            "networking.istio.io", "virtualservices", vs_key[0], vs_key[1]
                        )
                        if vs is None:
                            self.out(
                                "WARNING: Proxy is stale; it references to non-existent virtual "
                                f"service {vs_key[1]}.{vs_key[0]}\n"
                            )
                        else:
                            self.print_virtual_service(indent, vs, svc, matching, nonmatching, dr)
                if _is_http_port(port):
                    policies = _rbac_policies(view, workload)
                    if policies:
                        prefix = f"{number} " if len(ports) > 1 else ""
                        self.out(f"{prefix}RBAC policies: {', '.join(policies)}\n")

    def print_destination_rule(
        self, indent: str, dr: Obj, pods_labels: list[Mapping[str, str]]
    ) -> None:
        spec = dr.get("spec") or {}
        self.out(
            f'{indent}DestinationRule: {self.kname(dr["metadata"])} for "{spec.get("host", "")}"\n'
        )
        matching, nonmatching = _subsets(dr, pods_labels)
        if matching or nonmatching:
            if not matching:
                self.out(
                    f"{indent}{L1}WARNING POD DOES NOT MATCH ANY SUBSETS.  (Non matching subsets "
                    f"{','.join(nonmatching)})\n"
                )
            self.out(f"{indent}{L1}Matching subsets: {','.join(matching)}\n")
            if nonmatching:
                self.out(f"{indent}{L2}(Non-matching subsets {','.join(nonmatching)})\n")
        policy = spec.get("trafficPolicy")
        if policy is None:
            self.out(f"{indent}{L1}No Traffic Policy\n")
            return
        if policy.get("tls") is not None:
            mode = (policy.get("tls") or {}).get("mode") or "DISABLE"
            self.out(f"{indent}{L1}Traffic Policy TLS Mode: {mode}\n")
        short = _short_policies(policy)
        if short:
            self.out(f"{indent}{L1}{short}")
        if policy.get("portLevelSettings") is not None:
            self.out(f"{indent}{L1}Port Level Settings:\n")
            for setting in policy.get("portLevelSettings") or []:
                self.out(f"    {(setting.get('port') or {}).get('number', 0)}:\n")
                if setting.get("tls") is not None:
                    mode = (setting.get("tls") or {}).get("mode") or "DISABLE"
                    self.out(f"{indent}{L2}TLS Mode: {mode}\n")
                short = _short_policies(setting)
                if short:
                    self.out(f"{indent}{L2}{short}")

    def print_virtual_service(
        self,
        indent: str,
        vs: Obj,
        svc: Obj,
        matching: list[str],
        nonmatching: list[str],
        dr: Obj | None,
    ) -> None:
        spec = vs.get("spec") or {}
        self.out(f"{indent}VirtualService: {self.kname(vs['metadata'])}\n")
        http = spec.get("http") or []
        tcp = spec.get("tcp") or []
        matches = 0
        facts = 0
        mismatch_notes: list[str] = []
        for route in http:
            ok, new = _http_route_facts(vs, route, svc, matching, nonmatching, dr)
            if ok:
                matches += 1
                for fact in new:
                    self.out(f"{indent}{L1}{fact}\n")
                    facts += 1
            else:
                mismatch_notes.extend(new)
        for route in tcp:
            ok, new = _tcp_route_facts(vs, route, svc)
            if ok:
                matches += 1
                for fact in new:
                    self.out(f"{indent}{L1}{fact}\n")
                    facts += 1
            else:
                mismatch_notes.extend(new)
        if matches == 0:
            if http:
                self.out(
                    f"{indent}{L1}WARNING: No destinations match pod subsets (checked "
                    f"{len(http)} HTTP routes)\n"
                )
            if tcp:
                self.out(
                    f"{indent}{L1}WARNING: No destinations match pod subsets (checked "
                    f"{len(tcp)} TCP routes)\n"
                )
            for note in mismatch_notes:
                self.out(f"{indent}{L2}{note}\n")
            return
        possible = len(http) + len(spec.get("tls") or []) + len(tcp)
        if matches < possible:
            self.out(
                f"{indent}{L1}{possible - matches} additional destination(s) that will not "
                "reach this pod\n"
            )
            if facts == 0:
                for note in mismatch_notes:
                    self.out(f"{indent}{L2}{note}\n")
            return
        if facts == 0:
            if http:
                self.out(f"{indent}{L1}{len(http)} HTTP route(s)\n")
            if tcp:
                self.out(f"{indent}{L1}{len(tcp)} TCP route(s)\n")

    # PeerAuthentication ------------------------------------------------------------------

    def describe_peer_authentication(self, pod: Obj) -> None:
        view = MeshView.of(self.cluster)
        meta = pod["metadata"]
        workload = view.workload(meta["namespace"], meta["name"])
        effective = mtls.effective(view, workload) if workload is not None else mtls.EffectiveMtls()
        self.out("Effective PeerAuthentication:\n")
        self.out(f"   Workload mTLS mode: {effective.mode}\n")
        if effective.per_port:
            self.out("   Port Level mTLS mode:\n")
            for port, mode in sorted(effective.per_port.items()):
                self.out(f"      {port}: {mode}\n")
        labels = meta.get("labels") or {}
        kind = self.cluster.kind("security.istio.io", "peerauthentications")
        root = view.root_namespace
        applied = []
        for ns in (root, meta["namespace"]):
            for pa in self.cluster.list(kind, ns):
                selector = ((pa.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
                if all(labels.get(k) == v for k, v in selector.items()):
                    applied.append(f"{pa['metadata']['name']}.{ns}")
            if root == meta["namespace"]:
                break
        if applied:
            self.out("Applied PeerAuthentication:\n")
            self.out(f"   {', '.join(applied)}\n")

    # ingress gateways --------------------------------------------------------------------

    def print_ingress_info(self, services: list[Obj], pods_labels: list[Mapping[str, str]]) -> None:
        cluster = self.cluster
        pods = [
            p
            for p in cluster.list(cluster.kind("", "pods"))
            if (p["metadata"].get("labels") or {}).get("istio") == "ingressgateway"
            and (p.get("status") or {}).get("phase") == "Running"
        ]
        if not pods:
            self.out("Skipping Gateway information (no ingress gateway pods)\n")
            return
        ingresses: list[tuple[Obj, list[Obj]]] = []
        for ns in sorted({p["metadata"]["namespace"] for p in pods}):
            for svc in cluster.list(cluster.kind("", "services"), ns):
                selector = (svc.get("spec") or {}).get("selector") or {}
                chosen = [
                    p
                    for p in pods
                    if p["metadata"]["namespace"] == ns
                    and all(
                        (p["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items()
                    )
                ]
                if chosen:
                    ingresses.append((svc, chosen))
        if not ingresses:
            self.out("Skipping Gateway information (no ingress gateway service)\n")
        seen_gateways: set[str] = set()
        for pod in pods:
            view = view_for_proxy(cluster, pod)
            for svc in services:
                service = _registry_service(view, svc)
                if service is None:
                    continue
                for port in (svc.get("spec") or {}).get("ports") or []:
                    dr_obj: Obj | None = None
                    matching: list[str] = []
                    nonmatching: list[str] = []
                    meta = pod["metadata"]
                    rule = destination_rule_for(
                        view, meta["namespace"], service.hostname, service.namespace
                    )
                    if rule is not None:
                        dr_obj = self.live(
                            "networking.istio.io",
                            "destinationrules",
                            rule.key.namespace,
                            rule.key.name,
                        )
                        if dr_obj is not None:
                            matching, nonmatching = _subsets(dr_obj, pods_labels)
                    vs = _gateway_vs(view, cluster, pod, service, int(port.get("port") or 0))
                    if vs is None:
                        continue
                    vs_obj = self.live("networking.istio.io", "virtualservices", vs[0], vs[1])
                    if vs_obj is None:
                        continue
                    for ref in (vs_obj.get("spec") or {}).get("gateways") or []:
                        if not ref or ref == MESH_GATEWAY:
                            continue
                        gns, _, gname = ref.rpartition("/")
                        gns = gns or vs[0]
                        gid = f"{gns}/{gname}"
                        if gid in seen_gateways:
                            continue
                        gw = self.live("networking.istio.io", "gateways", gns, gname)
                        if gw is None:
                            self.out(
                                "WARNING: Proxy is stale; it references to non-existent gateway "
                                f"{gns}/{gname}\n"
                            )
                            continue
                        seen_gateways.add(gid)
                        selector = (gw.get("spec") or {}).get("selector")
                        if not selector:
                            self.out(f"Ingress Gateway {gns}/{gname} be applyed all workloads")
                            continue
                        found = [
                            (s, ps)
                            for s, ps in ingresses
                            if any(
                                all(
                                    (p["metadata"].get("labels") or {}).get(k) == v
                                    for k, v in selector.items()
                                )
                                for p in ps
                            )
                        ]
                        if not found:
                            continue
                        found.sort(key=lambda item: _ingress_ip(*item))
                        self.out(SEPARATOR)
                        for s, ps in found:
                            self.print_ingress_service(s, ps)
                        self.print_virtual_service("", vs_obj, svc, matching, nonmatching, dr_obj)

    def print_ingress_service(self, svc: Obj, pods: list[Obj]) -> None:
        for port in (svc.get("spec") or {}).get("ports") or []:
            if str(port.get("protocol") or "TCP") != "TCP" or port.get("name") not in (
                "http",
                "http2",
            ):
                continue
            if _find_port(pods[0], port) is None:
                continue
            number = int(port.get("port") or 0)
            suffix = "" if number == 80 else f":{number}"
            self.out(f"Exposed on Ingress Gateway http://{_ingress_ip(svc, pods)}{suffix}\n")


# helpers ----------------------------------------------------------------------------------


def _revision_annotation(pod: Obj) -> str:
    """GetRevisionFromPodAnnotation: annotation `istio.io/rev`, else the revision of
    `sidecar.istio.io/status`, else empty."""
    import json

    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    if "istio.io/rev" in annotations:
        return str(annotations["istio.io/rev"])
    try:
        status = json.loads(annotations.get("sidecar.istio.io/status") or "")
    except ValueError:
        return ""
    return str(status.get("revision") or "") if isinstance(status, dict) else ""


def _protocol(port: Mapping[str, Any]) -> str:
    name = str(port.get("name") or "")
    app = str(port.get("appProtocol") or "")
    if not name and not app:
        return "auto-detect"
    found = protocol_of(name, app, str(port.get("protocol") or "TCP"))
    # ConvertProtocol's protocol.Instance: "Mongo", "GRPC-Web", and "UnsupportedProtocol" for a
    # name it cannot read (istio/istio pkg/config/protocol/instance.go)
    return found or "UnsupportedProtocol"


def _is_http_port(port: Mapping[str, Any]) -> bool:
    name = str(port.get("name") or "")
    app = str(port.get("appProtocol") or "")
    return protocol_of(name, app, str(port.get("protocol") or "TCP")) in (
        "HTTP",
        "HTTP2",
        "GRPC",
        "GRPC-Web",
        "",
    )


def _find_port(pod: Obj, port: Mapping[str, Any]) -> int | None:
    """FindPort: an int targetPort as is (the port when unset), a name through the pod's
    container ports."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for container in (pod.get("spec") or {}).get("containers") or []:
        for cport in container.get("ports") or []:
            if cport.get("name") == target:
                return int(cport.get("containerPort") or 0)
    return None


def _selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _subsets(dr: Obj, pods_labels: list[Mapping[str, str]]) -> tuple[list[str], list[str]]:
    matching: list[str] = []
    nonmatching: list[str] = []
    for subset in (dr.get("spec") or {}).get("subsets") or []:
        labels = subset.get("labels") or {}
        if any(_selects(labels, p) for p in pods_labels):
            matching.append(str(subset.get("name")))
        else:
            nonmatching.append(str(subset.get("name")))
    return matching, nonmatching


def _short_policies(policy: Mapping[str, Any]) -> str:
    extra = [
        label
        for key, label in (
            ("loadBalancer", "load balancer"),
            ("connectionPool", "connection pool"),
            ("outlierDetection", "outlier detection"),
        )
        if policy.get(key) is not None
    ]
    return f"Policies: {'/'.join(extra)}\n" if extra else ""


def _registry_service(view: MeshView, svc: Obj) -> Service | None:
    meta = svc["metadata"]
    host = f"{meta['name']}.{meta['namespace']}.svc.{hosts.DOMAIN_SUFFIX}"
    return next((s for s in view.services_for_host(host) if s.namespace == meta["namespace"]), None)


def _claiming_vs(
    view: MeshView, workload: Workload, service: Service, port: int
) -> tuple[str, str] | None:
    """The VirtualService the pod's sidecar applies to `service:port` (its route metadata)."""
    proxy = proxy_for(workload)
    if proxy is None:
        return None
    scope = scope_of(view, proxy)
    vs = claiming(view, scope, MESH_GATEWAY, service.hostname, None, port)
    if vs is None:
        return None
    return (vs.namespace, vs.key.name)


def _fqdn(host: str, namespace: str) -> str:
    if host.startswith("*"):
        return host
    if "." not in host:
        return f"{host}.{namespace}.svc.{hosts.DOMAIN_SUFFIX}"
    if not host.endswith(f".svc.{hosts.DOMAIN_SUFFIX}") and host.count(".") == 1:
        return f"{host}.svc.{hosts.DOMAIN_SUFFIX}"
    return host


def _svc_host(svc: Obj) -> str:
    return f"{svc['metadata']['name']}.{svc['metadata']['namespace']}.svc.{hosts.DOMAIN_SUFFIX}"


def _render_string_match(match: Mapping[str, Any]) -> str:
    if "exact" in match:
        return str(match["exact"])
    if "prefix" in match:
        return f"{match['prefix']}*"
    if "regex" in match:
        return f'regex:"{match["regex"]}"'
    return ""


def _render_match(match: Mapping[str, Any]) -> str:
    text = "Match: "
    if match.get("uri") is not None:
        text += _render_string_match(match["uri"])
        if match.get("ignoreUriCase"):
            text += " uncased"
    headers = match.get("headers") or {}
    if headers:
        conds = [f"{k}={_render_string_match(v or {})}" for k, v in headers.items()]
        text += " when headers are " + "; ".join(conds)
    return text.strip()


def _render_matches(matches: list[Mapping[str, Any]]) -> str:
    if not matches:
        return "everything"
    return ", ".join(_render_match(m) for m in matches)


def _http_route_facts(
    vs: Obj,
    route: Mapping[str, Any],
    svc: Obj,
    matching: list[str],
    nonmatching: list[str],
    dr: Obj | None,
) -> tuple[bool, list[str]]:
    svc_host = _svc_host(svc)
    namespace = vs["metadata"]["namespace"]
    facts: list[str] = []
    notes: list[str] = []
    found = False
    for dest in route.get("route") or []:
        destination = dest.get("destination") or {}
        host = str(destination.get("host") or "")
        subset = str(destination.get("subset") or "")
        weight = int(dest.get("weight") or 0)
        if _fqdn(host, namespace) == svc_host:
            if subset:
                if subset in nonmatching:
                    notes.append(
                        f"Route to non-matching subset {subset} for "
                        f"({_render_matches(route.get('match') or [])})"
                    )
                    continue
                if subset not in matching:
                    if dr is None:
                        notes.append(
                            f"Warning: Route to subset {subset} but NO DESTINATION RULE defining "
                            "subsets!"
                        )
                    else:
                        name = f"{dr['metadata']['name']}.{dr['metadata']['namespace']}"
                        notes.append(
                            f"Warning: Route to UNKNOWN subset {subset}; check DestinationRule "
                            f"{name}"
                        )
                    continue
            found = True
            if weight > 0:
                fact = f'Route to host "{host}"'
                if subset:
                    fact += f' subset "{subset}"'
                facts.append(f"{fact} with weight {weight}%")
        elif not subset:
            facts.append(f'Route to host "{host}" with weight {weight}%')
        else:
            facts.append(f"Route to {host} with invalid config")
    if found:
        request: list[str] = []
        if route.get("fault") is not None:
            request.append(f"Fault injection {_proto_text(route['fault'])}")
        request.extend(_render_match(m) for m in route.get("match") or [])
        if request:
            facts.append(", ".join(request))
    if not found and notes:
        facts.extend(notes)
    return found, facts


def _tcp_route_facts(vs: Obj, route: Mapping[str, Any], svc: Obj) -> tuple[bool, list[str]]:
    namespace = vs["metadata"]["namespace"]
    found = any(
        _fqdn(str((d.get("destination") or {}).get("host") or ""), namespace) == _svc_host(svc)
        for d in route.get("route") or []
    )
    facts = [_proto_text(m) for m in route.get("match") or []] if found else []
    return found, facts


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _proto_text(value: Any) -> str:
    """Go protobuf's text form (`String()`), with single spaces; Go itself varies the spacing
    between runs on purpose, so no output can rely on it. Durations print as seconds/nanos."""
    if isinstance(value, Mapping):
        parts = []
        for key, item in value.items():
            if key in ("fixedDelay", "delay") and isinstance(item, str):
                parts.append(f"{_snake(key)}:{{{_duration_text(item)}}}")
            elif isinstance(item, Mapping):
                parts.append(f"{_snake(key)}:{{{_proto_text(item)}}}")
            elif isinstance(item, str):
                parts.append(f'{_snake(key)}:"{item}"')
            else:
                parts.append(f"{_snake(key)}:{item}")
        return " ".join(parts)
    return str(value)


def _duration_text(text: str) -> str:
    seconds = 0.0
    try:
        if text.endswith("ms"):
            seconds = float(text[:-2]) / 1000
        elif text.endswith("s"):
            seconds = float(text[:-1])
        elif text.endswith("m"):
            seconds = float(text[:-1]) * 60
        elif text.endswith("h"):
            seconds = float(text[:-1]) * 3600
    except ValueError:
        return ""
    whole = int(seconds)
    nanos = round((seconds - whole) * 1e9)
    parts = [f"seconds:{whole}"] if whole else []
    if nanos:
        parts.append(f"nanos:{nanos}")
    return " ".join(parts)


def _rbac_policies(view: MeshView, workload: Workload) -> list[str]:
    """The policy names of the first RBAC filter of the inbound HTTP chain (DENY before
    ALLOW before AUDIT, as Istio orders the filters), one per rule."""
    policies = policies_for(view, workload)
    for action in ("DENY", "ALLOW", "AUDIT"):
        chosen = [p for p in policies if p.action == action]
        if chosen:
            return sorted(p.rule_id(i) for p in chosen for i in range(len(p.rules)))
    return []


def _ingress_ip(svc: Obj, pods: list[Obj]) -> str:
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if ingress and ingress[0].get("ip"):
        return str(ingress[0]["ip"])
    host_ip = (pods[0].get("status") or {}).get("hostIP")
    return str(host_ip) if host_ip else "unknown"


def _gateway_vs(
    view: MeshView, cluster: Cluster, pod: Obj, service: Service, port: int
) -> tuple[str, str] | None:
    """The VirtualService of the gateway's routes whose destination is `service:port`."""
    meta = pod["metadata"]
    workload = view.workload(meta["namespace"], meta["name"])
    if workload is None:
        return None
    for gateway in view.gateways_for(workload):
        for vs in view.virtual_services_bound_to(gateway.ref):
            for route in vs.raw.get("spec", {}).get("http") or []:
                for dest in route.get("route") or []:
                    destination = dest.get("destination") or {}
                    host = _fqdn(str(destination.get("host") or ""), vs.namespace)
                    number = (destination.get("port") or {}).get("number")
                    if host == service.hostname and (number is None or int(number) == port):
                        return (vs.namespace, vs.key.name)
    return None


# commands ---------------------------------------------------------------------------------


def _split(arg: str, namespace: str) -> tuple[str, str]:
    """handlers.InferPodInfo: `name.namespace` splits at the last dot."""
    name, dot, ns = arg.rpartition(".")
    if dot and name:
        return name, ns
    return arg, namespace


def run_describe_pod(inv: Invocation) -> int:
    if len(inv.args) != 1:
        raise UsageError("expecting pod name")
    cluster = inv.cluster
    namespace = inv.flag("namespace") or "default"
    name, ns = _split(inv.args[0], namespace)
    d = _Describer(cluster, namespace)
    with cluster.lock:
        pod = cluster.find(cluster.kind("", "pods"), ns, name)
        if pod is None:
            raise UsageError(f'pods "{name}" not found')
        d.print_pod(pod)
        labels = pod["metadata"].get("labels") or {}
        services = [
            s
            for s in cluster.list(cluster.kind("", "services"), ns)
            if (s.get("spec") or {}).get("selector")
            and _selects((s.get("spec") or {}).get("selector") or {}, labels)
        ]
        if not services and not inv.flag("ignoreUnmeshed"):
            d.out(
                f"Warning: No Kubernetes Services select pod {d.kname(pod['metadata'])} (see "
                "https://istio.io/docs/setup/kubernetes/additional-setup/requirements/ )\n"
            )
        d.out(SEPARATOR)
        try:
            if has_sidecar(pod):
                d.describe_services(pod, services, [labels])
            elif not inv.flag("ignoreUnmeshed"):
                raise UsageError(
                    "failed to execute command on sidecar: the pod has no istio-proxy container "
                    "to read the config dump from"
                )
            d.out(SEPARATOR)
            d.describe_peer_authentication(pod)
            d.print_ingress_info(services, [labels])
        finally:
            inv.out("".join(d.lines))
    return 0


def run_describe_service(inv: Invocation) -> int:
    if len(inv.args) != 1:
        raise UsageError("expecting service name")
    cluster = inv.cluster
    namespace = inv.flag("namespace") or "default"
    name, ns = _split(inv.args[0], namespace)
    d = _Describer(cluster, namespace)
    with cluster.lock:
        svc = cluster.find(cluster.kind("", "services"), ns, name)
        if svc is None:
            raise UsageError(f'services "{name}" not found')
        selector = (svc.get("spec") or {}).get("selector") or {}
        matching: list[Obj] = []
        selected = 0
        if selector:
            for pod in cluster.list(cluster.kind("", "pods"), ns):
                if not _selects(selector, pod["metadata"].get("labels") or {}):
                    continue
                selected += 1
                phase = (pod.get("status") or {}).get("phase")
                if phase != "Running":
                    d.out(f"   Pod is not Running ({phase})\n")
                    continue
                statuses = (pod.get("status") or {}).get("containerStatuses") or []
                proxy = next((c for c in statuses if c.get("name") == "istio-proxy"), None)
                if proxy is None:
                    d.out(f'Pod {d.kname(pod["metadata"])}: no container "istio-proxy" in pod\n')
                    continue
                if not proxy.get("ready"):
                    d.out(
                        f"WARNING: Pod {d.kname(pod['metadata'])} Container istio-proxy NOT READY\n"
                    )
                    continue
                matching.append(pod)
        try:
            if not matching:
                if selected == 0:
                    d.out(f'Service "{d.kname(svc["metadata"])}" has no pods.\n')
                    return 0
                d.out(
                    f'Service "{d.kname(svc["metadata"])}" has no Istio pods.  ({selected} pods in '
                    "service).\n"
                )
                d.out(
                    "Use `istioctl kube-inject` or redeploy with Istio automatic sidecar "
                    "injection.\n"
                )
                return 0
            labels = [p["metadata"].get("labels") or {} for p in matching]
            d.describe_services(matching[0], [svc], labels)
            d.print_ingress_info([svc], labels)
        finally:
            inv.out("".join(d.lines))
    return 0


def add_describe_command(root: Command) -> None:
    experimental = root.child("experimental")
    if experimental is None:
        experimental = root.add(
            Command(
                "experimental",
                "Experimental commands that may be modified or deprecated",
                aliases=("x", "exp"),
            )
        )
    describe = experimental.add(
        Command(
            "describe",
            "Describe resource and related Istio configuration",
            aliases=("des",),
        )
    )
    unmeshed = Flag(
        "ignoreUnmeshed", kind="bool", default=False, help="Suppress warnings for unmeshed pods"
    )
    describe.add(
        Command(
            "pod",
            "Describe pods and their Istio configuration [kube-only]",
            run_describe_pod,
            (unmeshed,),
            aliases=("po",),
            usage="<pod> [flags]",
        )
    )
    describe.add(
        Command(
            "service",
            "Describe services and their Istio configuration [kube-only]",
            run_describe_service,
            (unmeshed,),
            aliases=("svc",),
            usage="<svc> [flags]",
        )
    )
