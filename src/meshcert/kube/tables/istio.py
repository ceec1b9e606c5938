"""The printer columns of Istio 1.26's CRDs (`additionalPrinterColumns` of each version)."""

from __future__ import annotations

from .columns import CrdColumn, Printer, crd_printer

# Istio's CRDs describe Age with the older link to the API conventions.
AGE = CrdColumn(
    "Age",
    "date",
    ".metadata.creationTimestamp",
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC. Populated by the "
    "system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/api-conventions.md#metadata",
)

_NET = "networking.istio.io"
_SEC = "security.istio.io"

COLUMNS: dict[tuple[str, str], tuple[CrdColumn, ...]] = {
    (_NET, "virtualservices"): (
        CrdColumn(
            "Gateways",
            "string",
            ".spec.gateways",
            "The names of gateways and sidecars that should apply these routes",
        ),
        CrdColumn(
            "Hosts",
            "string",
            ".spec.hosts",
            "The destination hosts to which traffic is being sent",
        ),
        AGE,
    ),
    (_NET, "destinationrules"): (
        CrdColumn(
            "Host", "string", ".spec.host", "The name of a service from the service registry"
        ),
        AGE,
    ),
    (_NET, "gateways"): (AGE,),
    (_NET, "serviceentries"): (
        CrdColumn("Hosts", "string", ".spec.hosts", "The hosts associated with the ServiceEntry"),
        CrdColumn(
            "Location",
            "string",
            ".spec.location",
            "Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or "
            "MESH_INTERNAL)",
        ),
        CrdColumn(
            "Resolution",
            "string",
            ".spec.resolution",
            "Service discovery mode for the hosts (NONE, STATIC, or DNS)",
        ),
        AGE,
    ),
    (_NET, "sidecars"): (AGE,),
    (_NET, "workloadentries"): (
        AGE,
        CrdColumn(
            "Address", "string", ".spec.address", "Address associated with the network endpoint."
        ),
    ),
    (_NET, "workloadgroups"): (AGE,),
    (_NET, "envoyfilters"): (AGE,),
    (_SEC, "peerauthentications"): (
        CrdColumn(
            "Mode",
            "string",
            ".spec.mtls.mode",
            "Defines the mTLS mode used for peer authentication.",
        ),
        AGE,
    ),
    (_SEC, "requestauthentications"): (AGE,),
    (_SEC, "authorizationpolicies"): (
        CrdColumn("Action", "string", ".spec.action", "The operation to take."),
        AGE,
    ),
    ("telemetry.istio.io", "telemetries"): (AGE,),
    ("install.istio.io", "istiooperators"): (
        CrdColumn("Revision", "string", ".spec.revision", "Istio control plane revision"),
        CrdColumn("Status", "string", ".status.status", "IOP current state"),
        AGE,
    ),
}

PRINTERS: dict[tuple[str, str], Printer] = {key: crd_printer(c) for key, c in COLUMNS.items()}
