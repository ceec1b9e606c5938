"""The analysis message catalogue: code, name, level and template of every message istioctl
analyze can print, as istio/istio pkg/config/analysis/msg/messages.yaml defines them (Istio
1.26; retired codes such as IST0104 GatewayPortNotOnWorkload are absent there and here), with
IST0167, IST0173 and IST0174 as later catalogues and the istio.io pages ist0167, ist0173 and
ist0174 word them.

Templates keep Go's verbs (`%s`, `%q`, `%v`, `%d`) and are rendered with Go's rules by
`go_format`, so a message reads exactly as the real tool prints it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

DOCS = "https://istio.io/v1.26/docs/reference/config/analysis"


@dataclass(frozen=True, order=True)
class Level:
    """diag.Level: a lower `order` is worse (Error 0, Warning 1, Info 2)."""

    order: int
    name: str

    def at_least(self, threshold: Level) -> bool:
        """IsWorseThanOrEqualTo."""
        return self.order <= threshold.order


ERROR = Level(0, "Error")
WARNING = Level(1, "Warning")
INFO = Level(2, "Info")
LEVELS = {level.name: level for level in (INFO, WARNING, ERROR)}


@dataclass(frozen=True)
class MessageType:
    code: str
    name: str
    level: Level
    template: str
    description: str

    def render(self, *args: Any) -> str:
        return go_format(self.template, args)


def _t(code: str, name: str, level: Level, description: str, template: str) -> MessageType:
    return MessageType(code, name, level, template, description)


InternalError = _t(
    "IST0001", "InternalError", ERROR,
    "There was an internal error in the toolchain. This is almost always a bug in the "
    "implementation.", "Internal error: %v")  # fmt: skip
ReferencedResourceNotFound = _t(
    "IST0101", "ReferencedResourceNotFound", ERROR,
    "A resource being referenced does not exist.", "Referenced %s not found: %q")  # fmt: skip
NamespaceNotInjected = _t(
    "IST0102", "NamespaceNotInjected", INFO, "A namespace is not enabled for Istio injection.",
    "The namespace is not enabled for Istio injection. Run 'kubectl label namespace %s "
    "istio-injection=enabled' to enable it, or 'kubectl label namespace %s "
    "istio-injection=disabled' to explicitly mark it as not needing injection.")  # fmt: skip
PodMissingProxy = _t(
    "IST0103", "PodMissingProxy", WARNING, "A pod is missing the Istio proxy.",
    "The pod %s is missing the Istio proxy. This can often be resolved by restarting or "
    "redeploying the workload.")  # fmt: skip
SchemaValidationError = _t(
    "IST0106", "SchemaValidationError", ERROR, "The resource has a schema validation error.",
    "Schema validation error: %v")  # fmt: skip
MisplacedAnnotation = _t(
    "IST0107", "MisplacedAnnotation", WARNING,
    "An Istio annotation is applied to the wrong kind of resource.",
    "Misplaced annotation: %s can only be applied to %s")  # fmt: skip
UnknownAnnotation = _t(
    "IST0108", "UnknownAnnotation", WARNING,
    "An Istio annotation is not recognized for any kind of resource",
    "Unknown annotation: %s")  # fmt: skip
ConflictingMeshGatewayVirtualServiceHosts = _t(
    "IST0109", "ConflictingMeshGatewayVirtualServiceHosts", ERROR,
    "Conflicting hosts on VirtualServices associated with mesh gateway",
    "The VirtualServices %s associated with mesh gateway define the same host %s which can "
    "lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices "
    "into a single resource.")  # fmt: skip
ConflictingSidecarWorkloadSelectors = _t(
    "IST0110", "ConflictingSidecarWorkloadSelectors", ERROR,
    "A Sidecar resource selects the same workloads as another Sidecar resource",
    "The Sidecars %v in namespace %q select the same workload pod %q, which can lead to "
    "undefined behavior.")  # fmt: skip
MultipleSidecarsWithoutWorkloadSelectors = _t(
    "IST0111", "MultipleSidecarsWithoutWorkloadSelectors", ERROR,
    "More than one sidecar resource in a namespace has no workload selector",
    "The Sidecars %v in namespace %q have no workload selector, which can lead to undefined "
    "behavior.")  # fmt: skip
VirtualServiceDestinationPortSelectorRequired = _t(
    "IST0112", "VirtualServiceDestinationPortSelectorRequired", ERROR,
    "A VirtualService routes to a service with more than one port exposed, but does not "
    "specify which to use.",
    "This VirtualService routes to a service %q that exposes multiple ports %v. Specifying a "
    "port in the destination is required to disambiguate.")  # fmt: skip
DeploymentAssociatedToMultipleServices = _t(
    "IST0116", "DeploymentAssociatedToMultipleServices", WARNING,
    "The resulting pods of a service mesh deployment can't be associated with multiple "
    "services using the same port but different protocols.",
    "This deployment %s is associated with multiple services using port %d but different "
    "protocols: %v")  # fmt: skip
PortNameIsNotUnderNamingConvention = _t(
    "IST0118", "PortNameIsNotUnderNamingConvention", INFO,
    "Port name is not under naming convention. Protocol detection is applied to the port.",
    "Port name %s (port: %d, targetPort: %s) doesn't follow the naming convention of Istio "
    "port.")  # fmt: skip
NamespaceMultipleInjectionLabels = _t(
    "IST0123", "NamespaceMultipleInjectionLabels", WARNING,
    "A namespace has more than one type of injection labels",
    "The namespace has more than one type of injection labels %v, which may lead to undefined "
    "behavior. Make sure only one injection label exists.")  # fmt: skip
NoMatchingWorkloadsFound = _t(
    "IST0127", "NoMatchingWorkloadsFound", WARNING,
    "There aren't workloads matching the resource labels",
    "No matching workloads for this resource with the following labels: %s")  # fmt: skip
NoServerCertificateVerificationDestinationLevel = _t(
    "IST0128", "NoServerCertificateVerificationDestinationLevel", WARNING,
    "No caCertificates are set in DestinationRule, this results in no verification of "
    "presented server certificate.",
    "DestinationRule %s in namespace %s has TLS mode set to %s but no caCertificates are set "
    "to validate server identity for host: %s")  # fmt: skip
NoServerCertificateVerificationPortLevel = _t(
    "IST0129", "NoServerCertificateVerificationPortLevel", WARNING,
    "No caCertificates are set in DestinationRule, this results in no verification of "
    "presented server certificate for traffic to a given port.",
    "DestinationRule %s in namespace %s has TLS mode set to %s but no caCertificates are set "
    "to validate server identity for host: %s at port %s")  # fmt: skip
VirtualServiceUnreachableRule = _t(
    "IST0130", "VirtualServiceUnreachableRule", WARNING,
    "A VirtualService rule will never be used because a previous rule uses the same match.",
    "VirtualService rule %v not used (%s).")  # fmt: skip
VirtualServiceIneffectiveMatch = _t(
    "IST0131", "VirtualServiceIneffectiveMatch", INFO,
    "A VirtualService rule match duplicates a match in a previous rule.",
    "VirtualService rule %v match %v is not used (duplicate/overlapping match in rule "
    "%v).")  # fmt: skip
VirtualServiceHostNotFoundInGateway = _t(
    "IST0132", "VirtualServiceHostNotFoundInGateway", WARNING,
    "Host defined in VirtualService not found in Gateway.",
    "one or more host %v defined in VirtualService %s not found in Gateway %s.")  # fmt: skip
SchemaWarning = _t(
    "IST0133", "SchemaWarning", WARNING, "The resource has a schema validation warning.",
    "Schema validation warning: %v")  # fmt: skip
ServiceEntryAddressesRequired = _t(
    "IST0134", "ServiceEntryAddressesRequired", WARNING,
    "Virtual IP addresses are required for ports serving TCP (or unset) protocol",
    "ServiceEntry addresses are required for this protocol.")  # fmt: skip
DeploymentConflictingPorts = _t(
    "IST0137", "DeploymentConflictingPorts", WARNING,
    "Two services selecting the same workload with the same targetPort MUST refer to the same "
    "port.",
    "This deployment %s is associated with multiple services %v using targetPort %q but "
    "different ports: %v.")  # fmt: skip
GatewayDuplicateCertificate = _t(
    "IST0138", "GatewayDuplicateCertificate", WARNING,
    "Duplicate certificate in multiple gateways may cause 404s if clients re-use HTTP2 "
    "connections.",
    "Duplicate certificate in multiple gateways %v may cause 404s if clients re-use HTTP2 "
    "connections.")  # fmt: skip
ConflictingGateways = _t(
    "IST0145", "ConflictingGateways", ERROR,
    "Gateway should not have the same selector, port and matched hosts of server",
    "Conflict with gateways %s (workload selector %s, port %s, hosts %v).")  # fmt: skip
JwtClaimBasedRoutingWithoutRequestAuthN = _t(
    "IST0149", "JwtClaimBasedRoutingWithoutRequestAuthN", ERROR,
    "Virtual service using JWT claim based routing without request authentication.",
    "The virtual service uses the JWT claim based routing (key: %s) but found no request "
    "authentication for the gateway (%s) pod (%s). The request authentication must first be "
    "applied for the gateway pods to validate the JWT token and make the claims available for "
    "routing.")  # fmt: skip
InvalidGatewayCredential = _t(
    "IST0161", "InvalidGatewayCredential", ERROR,
    "The credential provided for the Gateway resource is invalid",
    "The credential referenced by the Gateway %s in namespace %s is invalid, which can cause "
    "the traffic not to work as expected.")  # fmt: skip
GatewayPortNotDefinedOnService = _t(
    "IST0162", "GatewayPortNotDefinedOnService", WARNING, "Gateway port not exposed by service",
    "The gateway is listening on a target port (port %d) that is not defined in the Service "
    "associated with its workload instances (Pod selector %s). If you need to access the "
    "gateway port through the gateway Service, it will not be available.")  # fmt: skip
# template as istio.io's ist0167 page prints it; the description (never printed) is not
# confirmed against messages.yaml, which the reference index here predates
IneffectivePolicy = _t(
    "IST0167", "IneffectivePolicy", WARNING, "The policy applied has no impact.",
    "The policy has no impact: %s.")  # fmt: skip
DestinationRuleSubsetNotSelectPods = _t(
    "IST0173", "DestinationRuleSubsetNotSelectPods", ERROR,
    "A subset of a DestinationRule selects no pods.",
    "The Subset %s defined in the DestinationRule does not select any pods. Which may lead to "
    "503 UH (NoHealthyUpstream).")  # fmt: skip
UnknownDestinationRuleHost = _t(
    "IST0174", "UnknownDestinationRuleHost", WARNING,
    "The host of a DestinationRule matches no service in the mesh.",
    "The host %s defined in the DestinationRule does not match any services in the "
    "mesh.")  # fmt: skip

CATALOGUE: dict[str, MessageType] = {
    m.code: m
    for m in (
        InternalError,
        ReferencedResourceNotFound,
        NamespaceNotInjected,
        PodMissingProxy,
        SchemaValidationError,
        MisplacedAnnotation,
        UnknownAnnotation,
        ConflictingMeshGatewayVirtualServiceHosts,
        ConflictingSidecarWorkloadSelectors,
        MultipleSidecarsWithoutWorkloadSelectors,
        VirtualServiceDestinationPortSelectorRequired,
        DeploymentAssociatedToMultipleServices,
        PortNameIsNotUnderNamingConvention,
        NamespaceMultipleInjectionLabels,
        NoMatchingWorkloadsFound,
        NoServerCertificateVerificationDestinationLevel,
        NoServerCertificateVerificationPortLevel,
        VirtualServiceUnreachableRule,
        VirtualServiceIneffectiveMatch,
        VirtualServiceHostNotFoundInGateway,
        SchemaWarning,
        ServiceEntryAddressesRequired,
        DeploymentConflictingPorts,
        GatewayDuplicateCertificate,
        ConflictingGateways,
        JwtClaimBasedRoutingWithoutRequestAuthN,
        InvalidGatewayCredential,
        GatewayPortNotDefinedOnService,
        IneffectivePolicy,
        DestinationRuleSubsetNotSelectPods,
        UnknownDestinationRuleHost,
    )
}

# Codes of Istio's catalogue this lab has no analyzer for; `-S` accepts them without the
# "unknown message code" warning, as the real tool does.
OTHER_CODES = frozenset(
    {"IST0002", "IST0113", "IST0119", "IST0122", "IST0125", "IST0126", "IST0135", "IST0136",
     "IST0139", "IST0140", "IST0141", "IST0142", "IST0143", "IST0144", "IST0146", "IST0147",
     "IST0148", "IST0150", "IST0151", "IST0152", "IST0153", "IST0154", "IST0155", "IST0156",
     "IST0157", "IST0158", "IST0159", "IST0160", "IST0163", "IST0164", "IST0165"}
)  # fmt: skip


def go_value(value: Any, verb: str) -> str:
    """One argument as Go's fmt prints it for %s/%v/%d (slices as `[a b]`) and %q."""
    if verb == "q":
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_value(v, "v") for v in value) + "]"
    return str(value)


_VERB = re.compile(r"%([%a-z])")


def go_format(template: str, args: tuple[Any, ...]) -> str:
    values = iter(args)

    def one(match: re.Match[str]) -> str:
        verb = match[1]
        if verb == "%":
            return "%"
        value = next(values, _MISSING)
        return f"%!{verb}(MISSING)" if value is _MISSING else go_value(value, verb)

    return _VERB.sub(one, template)


_MISSING = object()
