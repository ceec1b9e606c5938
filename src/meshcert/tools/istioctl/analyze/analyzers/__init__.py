"""The analyzers, one per module in the istio style (`metadata` + `analyze(context)`), and
`ALL`, the list istioctl runs (istio/istio pkg/config/analysis/analyzers/all.go)."""

from __future__ import annotations

from ..context import Analyzer
from .annotations import AnnotationsAnalyzer
from .authorization_policies import AuthorizationPoliciesAnalyzer
from .ca_certificates import CaCertificateAnalyzer
from .conflicting_gateways import ConflictingGatewayAnalyzer
from .destination_hosts import DestinationHostAnalyzer
from .destination_rules import DestinationRuleAnalyzer
from .gateway_ports import IngressGatewayPortAnalyzer
from .gateway_secrets import SecretAnalyzer
from .gateways import GatewayAnalyzer
from .injection import InjectionAnalyzer
from .mesh_gateway_hosts import ConflictingMeshGatewayHostsAnalyzer
from .port_names import PortNameAnalyzer
from .schema_validation import ANALYZERS as SCHEMA_ANALYZERS
from .sidecar_selectors import DefaultSelectorAnalyzer
from .sidecar_workloads import SelectorAnalyzer
from .subset_pods import PodNotSelectedAnalyzer

ALL: tuple[Analyzer, ...] = (
    AnnotationsAnalyzer(),
    AuthorizationPoliciesAnalyzer(),
    CaCertificateAnalyzer(),
    ConflictingGatewayAnalyzer(),
    IngressGatewayPortAnalyzer(),
    SecretAnalyzer(),
    InjectionAnalyzer(),
    PortNameAnalyzer(),
    DefaultSelectorAnalyzer(),
    SelectorAnalyzer(),
    ConflictingMeshGatewayHostsAnalyzer(),
    DestinationHostAnalyzer(),
    DestinationRuleAnalyzer(),
    PodNotSelectedAnalyzer(),
    GatewayAnalyzer(),
    *(analyzer() for analyzer in SCHEMA_ANALYZERS),
)

__all__ = ["ALL"]
