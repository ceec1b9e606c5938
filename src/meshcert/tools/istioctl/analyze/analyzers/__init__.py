"""The analyzers, one per module in the istio style (`metadata` + `analyze(context)`), and
`ALL`, the list istioctl runs (istio/istio pkg/config/analysis/analyzers/all.go)."""

from __future__ import annotations

from ..context import Analyzer
from .annotations import AnnotationsAnalyzer
from .authorization_policies import AuthorizationPoliciesAnalyzer
from .ca_certificates import CaCertificateAnalyzer
from .conflicting_gateways import ConflictingGatewayAnalyzer
from .deployment_services import ServiceAssociationAnalyzer
from .destination_hosts import DestinationHostAnalyzer
from .destination_rules import DestinationRuleAnalyzer
from .gateway_certificates import CertificateAnalyzer
from .gateway_ports import IngressGatewayPortAnalyzer
from .gateway_secrets import SecretAnalyzer
from .gateways import GatewayAnalyzer
from .injection import InjectionAnalyzer
from .jwt_claim_routes import JWTClaimRouteAnalyzer
from .mesh_gateway_hosts import ConflictingMeshGatewayHostsAnalyzer
from .port_names import PortNameAnalyzer
from .schema_validation import ANALYZERS as SCHEMA_ANALYZERS
from .serviceentry_addresses import ProtocolAddressesAnalyzer
from .sidecar_selectors import DefaultSelectorAnalyzer
from .sidecar_workloads import SelectorAnalyzer
from .subset_pods import PodNotSelectedAnalyzer

ALL: tuple[Analyzer, ...] = (
    AnnotationsAnalyzer(),
    AuthorizationPoliciesAnalyzer(),
    CaCertificateAnalyzer(),
    ServiceAssociationAnalyzer(),
    CertificateAnalyzer(),
    ConflictingGatewayAnalyzer(),
    IngressGatewayPortAnalyzer(),
    SecretAnalyzer(),
    InjectionAnalyzer(),
    PortNameAnalyzer(),
    ProtocolAddressesAnalyzer(),
    DefaultSelectorAnalyzer(),
    SelectorAnalyzer(),
    ConflictingMeshGatewayHostsAnalyzer(),
    DestinationHostAnalyzer(),
    DestinationRuleAnalyzer(),
    PodNotSelectedAnalyzer(),
    GatewayAnalyzer(),
    JWTClaimRouteAnalyzer(),
    *(analyzer() for analyzer in SCHEMA_ANALYZERS),
)

__all__ = ["ALL"]
