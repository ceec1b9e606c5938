"""Printers of the core group besides pods: services, endpoints, nodes, events and the rest."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .columns import AGE, NAME, Cells, Column, Object, Printer, created, name_of
from .formatting import age, format_labels, parse_timestamp

SERVICE_COLUMNS = (
    NAME,
    Column("Type", description="type determines how the Service is exposed."),
    Column("Cluster-IP", description="clusterIP is the IP address of the service."),
    Column(
        "External-IP",
        description=(
            "externalIPs is a list of IP addresses for which nodes in the cluster will also "
            "accept traffic for this service."
        ),
    ),
    Column("Port(s)", description="The list of ports that are exposed by this service."),
    AGE,
    Column(
        "Selector",
        priority=1,
        description="Route service traffic to pods with labels matching this selector.",
    ),
)


def _items(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _external_ip(spec: Mapping[str, Any], status: Mapping[str, Any], service_type: str) -> str:
    external_ips = [str(ip) for ip in spec.get("externalIPs") or []]
    if service_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) if external_ips else "<none>"
    if service_type == "LoadBalancer":
        ingress = _items((status.get("loadBalancer") or {}).get("ingress"))
        balancers = sorted({str(i.get("ip") or i.get("hostname") or "") for i in ingress} - {""})
        if external_ips:
            return ",".join([*balancers, *external_ips])
        return ",".join(balancers) if balancers else "<pending>"
    if service_type == "ExternalName":
        return str(spec.get("externalName") or "")
    return "<unknown>"


def _ports(spec: Mapping[str, Any]) -> str:
    pieces = []
    for port in _items(spec.get("ports")):
        protocol = port.get("protocol") or "TCP"
        node_port = int(port.get("nodePort") or 0)
        if node_port > 0:
            pieces.append(f"{port.get('port')}:{node_port}/{protocol}")
        else:
            pieces.append(f"{port.get('port')}/{protocol}")
    return ",".join(pieces) or "<none>"


def _service_cells(service: Object, now: datetime) -> list[Any]:
    spec = service.get("spec") or {}
    status = service.get("status") or {}
    service_type = str(spec.get("type") or "ClusterIP")
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [
        name_of(service),
        service_type,
        str(cluster_ips[0]) if cluster_ips else "<none>",
        _external_ip(spec, status, service_type),
        _ports(spec),
        age(created(service), now),
        format_labels(spec.get("selector")),
    ]


def format_endpoints(endpoints: Object) -> str:
    """`10.244.0.5:9080,10.244.0.6:9080 + 1 more...`: the first three ready addresses."""
    subsets = _items(endpoints.get("subsets"))
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count = 0
    for subset in subsets:
        addresses = [str(a.get("ip") or "") for a in _items(subset.get("addresses"))]
        ports = _items(subset.get("ports"))
        if not ports:
            count += len(addresses)
            shown.extend(addresses[: 3 - len(shown)] if len(shown) < 3 else [])
            continue
        for port in ports:
            count += len(addresses)
            for ip in addresses:
                if len(shown) == 3:
                    break
                host = f"[{ip}]" if ":" in ip else ip
                shown.append(f"{host}:{port.get('port')}")
    text = ",".join(shown)
    return f"{text} + {count - 3} more..." if count > 3 else text


def _list_with_more(shown: list[str], count: int, limit: int = 3) -> str:
    text = ",".join(shown)
    if count > limit:
        return f"{text} + {count - limit} more..."
    return text or "<unset>"


def format_slice_ports(endpoint_slice: Object) -> str:
    """`9080`, `80,443,8080 + 1 more...`; a port without number shows its name, else `*`."""
    ports = _items(endpoint_slice.get("ports"))
    shown = [str(p.get("port") or p.get("name") or "*") for p in ports[:3]]
    return _list_with_more(shown, len(ports))


def format_slice_endpoints(endpoint_slice: Object) -> str:
    """The first three addresses over all endpoints, ready or not, as kubectl prints them."""
    addresses = [
        str(address)
        for endpoint in _items(endpoint_slice.get("endpoints"))
        for address in endpoint.get("addresses") or ()
    ]
    return _list_with_more(addresses[:3], len(addresses))


_ROLE_PREFIX = "node-role.kubernetes.io/"


def _node_cells(node: Object, now: datetime) -> list[Any]:
    status = node.get("status") or {}
    info = status.get("nodeInfo") or {}
    ready = [c for c in _items(status.get("conditions")) if c.get("type") == "Ready"]
    states = [("Ready" if ready[-1].get("status") == "True" else "NotReady")] if ready else []
    states = states or ["Unknown"]
    if (node.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    labels = (node.get("metadata") or {}).get("labels") or {}
    roles = {
        key.removeprefix(_ROLE_PREFIX)
        for key in labels
        if key.startswith(_ROLE_PREFIX) and key != _ROLE_PREFIX
    }
    if labels.get("kubernetes.io/role"):
        roles.add(str(labels["kubernetes.io/role"]))
    addresses = _items(status.get("addresses"))

    def address(kind: str) -> str:
        return next((str(a.get("address")) for a in addresses if a.get("type") == kind), "<none>")

    return [
        name_of(node),
        ",".join(states),
        ",".join(sorted(roles)) or "<none>",
        age(created(node), now),
        str(info.get("kubeletVersion") or ""),
        address("InternalIP"),
        address("ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


def _event_cells(event: Object, now: datetime) -> list[Any]:
    first = age(event.get("firstTimestamp"), now)
    if parse_timestamp(event.get("firstTimestamp")) is None:
        first = age(event.get("eventTime"), now)
    last = age(event.get("lastTimestamp"), now)
    if parse_timestamp(event.get("lastTimestamp")) is None:
        last = first
    count = int(event.get("count") or 0)
    series = event.get("series")
    if isinstance(series, Mapping):
        last = age(series.get("lastObservedTime"), now)
        count = int(series.get("count") or 0)
    elif count == 0:
        count = 1
    involved = event.get("involvedObject") or {}
    kind = str(involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    instance = source.get("host") or event.get("reportingInstance") or ""
    return [
        last,
        str(event.get("type") or ""),
        str(event.get("reason") or ""),
        target,
        str(involved.get("fieldPath") or ""),
        f"{component}, {instance}" if instance else str(component),
        str(event.get("message") or "").strip(),
        first,
        count,
        name_of(event),
    ]


def _simple(*cells: Callable[[Object], Any]) -> Cells:
    """Printers whose cells are name, a few values computed from the object, then age."""

    def build(obj: Object, now: datetime) -> list[Any]:
        return [name_of(obj), *(cell(obj) for cell in cells), age(created(obj), now)]

    return build


def _count(*fields: str) -> Callable[[Object], int]:
    """The number of entries in the object's maps or lists named `fields`, added up."""
    return lambda obj: sum(len(obj.get(f) or {}) for f in fields)


def _secret_keys(secret: Object) -> int:
    return len(set(secret.get("data") or {}) | set(secret.get("stringData") or {}))


_SECRETS_DESCRIPTION = (
    "Secrets is a list of the secrets in the same namespace that pods running using this "
    "ServiceAccount are allowed to use."
)
_ADDRESSES_DESCRIPTION = "List of addresses reachable to the node."

NODE_COLUMNS = (
    NAME,
    Column("Status", description="The status of the node"),
    Column("Roles", description="The roles of the node"),
    AGE,
    Column("Version", description="Kubelet Version reported by the node."),
    Column("Internal-IP", priority=1, description=_ADDRESSES_DESCRIPTION),
    Column("External-IP", priority=1, description=_ADDRESSES_DESCRIPTION),
    Column("OS-Image", priority=1, description="OS Image reported by the node."),
    Column("Kernel-Version", priority=1, description="Kernel Version reported by the node."),
    Column("Container-Runtime", priority=1, description="ContainerRuntime Version of the node."),
)

EVENT_COLUMNS = (
    Column("Last Seen", description="The time at which the most recent occurrence was recorded."),
    Column("Type", description="Type of this event (Normal, Warning)."),
    Column("Reason", description="A short, machine understandable reason for the transition."),
    Column("Object", description="The object that this event is about."),
    Column("Subobject", priority=1, description="The field path within the involved object."),
    Column("Source", priority=1, description="The component reporting this event."),
    Column("Message", description="A human-readable description of the status of this operation."),
    Column("First Seen", priority=1, description="The time at which the event was first recorded."),
    Column("Count", priority=1, description="The number of times this event has occurred."),
    Column("Name", priority=1, format="name", description=NAME.description),
)

_ADDRESS_TYPE_DESCRIPTION = (
    "addressType specifies the type of address carried by this EndpointSlice. All addresses "
    "in this slice must be the same type."
)
_SLICE_PORTS_DESCRIPTION = "ports specifies the list of network ports exposed by each endpoint."
_SLICE_ENDPOINTS_DESCRIPTION = "endpoints is a list of unique endpoints in this slice."

PRINTERS = {
    ("", "services"): Printer(SERVICE_COLUMNS, _service_cells),
    ("", "endpoints"): Printer(
        (NAME, Column("Endpoints", description="The set of all endpoints."), AGE),
        lambda obj, now: [name_of(obj), format_endpoints(obj), age(created(obj), now)],
    ),
    ("discovery.k8s.io", "endpointslices"): Printer(
        (
            NAME,
            Column("AddressType", description=_ADDRESS_TYPE_DESCRIPTION),
            Column("Ports", description=_SLICE_PORTS_DESCRIPTION),
            Column("Endpoints", description=_SLICE_ENDPOINTS_DESCRIPTION),
            AGE,
        ),
        lambda obj, now: [
            name_of(obj),
            str(obj.get("addressType") or ""),
            format_slice_ports(obj),
            format_slice_endpoints(obj),
            age(created(obj), now),
        ],
    ),
    ("", "namespaces"): Printer(
        (NAME, Column("Status", description="The status of the namespace"), AGE),
        _simple(lambda ns: str((ns.get("status") or {}).get("phase") or "")),
    ),
    ("", "serviceaccounts"): Printer(
        (NAME, Column("Secrets", description=_SECRETS_DESCRIPTION), AGE),
        _simple(_count("secrets")),
    ),
    ("", "configmaps"): Printer(
        (NAME, Column("Data", description="Data contains the configuration data."), AGE),
        _simple(_count("data", "binaryData")),
    ),
    ("", "secrets"): Printer(
        (
            NAME,
            Column("Type", description="Used to facilitate programmatic handling of secret data."),
            Column("Data", description="Data contains the secret data."),
            AGE,
        ),
        _simple(lambda s: str(s.get("type") or ""), _secret_keys),
    ),
    ("", "nodes"): Printer(NODE_COLUMNS, _node_cells),
    ("", "events"): Printer(EVENT_COLUMNS, _event_cells),
}
