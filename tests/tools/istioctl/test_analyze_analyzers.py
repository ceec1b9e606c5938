"""The analyzer table, in the style of istio/istio pkg/config/analysis/analyzers/
analyzers_test.go: input manifests (analyze_testdata/), one analyzer, the expected
(code, resource) pairs; and the meta-tests that every analyzer is registered once, named
uniquely, documented with its Istio source, and has a positive and a negative case."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

from meshcert.tools.istioctl.analyze import ALL
from meshcert.tools.istioctl.analyze.context import Analyzer
from meshcert.tools.istioctl.analyze.resources import FileReader, Resource
from meshcert.tools.istioctl.analyze.running import analyze

DATA = Path(__file__).parent / "analyze_testdata"
DOC = Path(__file__).parents[3] / "docs" / "istioctl.md"

Case = tuple[str, tuple[str, ...], list[tuple[str, str]]]

CASES: list[Case] = [
    ("injection.Analyzer", ("injection.yaml",), [
        ("IST0103", "Pod injected/noproxy"),
        ("IST0123", "Namespace both"),
        ("IST0102", "Namespace plain"),
    ]),
    ("injection.Analyzer", ("injection-ok.yaml",), []),
    ("virtualservice.DestinationHostAnalyzer", ("services.yaml", "vs-destination-hosts.yaml"), [
        ("IST0101", "VirtualService default/missing"),
        ("IST0101", "VirtualService default/mirror"),
        ("IST0101", "VirtualService default/wrongport"),
        ("IST0112", "VirtualService default/ambiguous"),
    ]),
    ("virtualservice.DestinationHostAnalyzer",
     ("services.yaml", "vs-destination-hosts-ok.yaml"), []),
    ("virtualservice.DestinationRuleAnalyzer", ("services.yaml", "vs-subsets.yaml"), [
        ("IST0101", "VirtualService default/reviews"),
    ]),
    ("virtualservice.DestinationRuleAnalyzer", ("services.yaml", "vs-subsets-ok.yaml"), []),
    ("subsetPodNotSelected.Analyzer", ("services.yaml", "subset-pods.yaml"), [
        ("IST0173", "DestinationRule default/reviews"),
        ("IST0174", "DestinationRule default/typo"),
    ]),
    ("subsetPodNotSelected.Analyzer", ("services.yaml", "subset-pods-ok.yaml"), []),
    ("virtualservice.GatewayAnalyzer", ("vs-gateways.yaml",), [
        ("IST0101", "VirtualService default/nogateway"),
        ("IST0132", "VirtualService default/nogateway"),
        ("IST0132", "VirtualService default/otherhost"),
    ]),
    ("virtualservice.GatewayAnalyzer", ("vs-gateways-ok.yaml",), []),
    ("virtualservice.ConflictingMeshGatewayHostsAnalyzer", ("vs-mesh-conflict.yaml",), [
        ("IST0109", "VirtualService default/reviews-a"),
        ("IST0109", "VirtualService default/reviews-b"),
    ]),
    ("virtualservice.ConflictingMeshGatewayHostsAnalyzer", ("vs-mesh-conflict-ok.yaml",), []),
    ("sidecar.DefaultSelectorAnalyzer", ("sidecars.yaml",), [
        ("IST0111", "Sidecar default/one"),
        ("IST0111", "Sidecar default/two"),
    ]),
    ("sidecar.DefaultSelectorAnalyzer", ("sidecars-ok.yaml",), []),
    ("sidecar.SelectorAnalyzer", ("sidecar-workloads.yaml",), [
        ("IST0101", "Sidecar default/nothing"),
        ("IST0110", "Sidecar default/by-app"),
        ("IST0110", "Sidecar default/by-version"),
    ]),
    ("sidecar.SelectorAnalyzer", ("sidecar-workloads-ok.yaml",), []),
    ("sidecar.SelectorAnalyzer", ("sidecar-workloads-ambient.yaml",), [
        ("IST0167", "Sidecar ns-ambient/namespace-scoped"),
        ("IST0167", "Sidecar ns-ambient/pod-scoped"),
        ("IST0167", "Sidecar ns-ambient/pod-scoped-too"),
    ]),
    ("sidecar.SelectorAnalyzer", ("sidecar-workloads-ambient-ok.yaml",), []),
    ("service.PortNameAnalyzer", ("port-names.yaml",), [("IST0118", "Service default/badport")]),
    ("service.PortNameAnalyzer", ("port-names-ok.yaml", "ingress.yaml"), []),
    ("destinationrule.CaCertificateAnalyzer", ("ca-certificates.yaml",), [
        ("IST0128", "DestinationRule default/external"),
        ("IST0129", "DestinationRule default/external"),
    ]),
    ("destinationrule.CaCertificateAnalyzer", ("ca-certificates-ok.yaml",), []),
    ("gateway.IngressGatewayPortAnalyzer", ("ingress.yaml", "gateway-ports.yaml"), [
        ("IST0101", "Gateway default/nopods"),
        ("IST0162", "Gateway default/port80"),
    ]),
    ("gateway.IngressGatewayPortAnalyzer", ("ingress.yaml", "gateway-ports-ok.yaml"), []),
    ("gateway.SecretAnalyzer", ("ingress.yaml", "gateway-secrets.yaml"), [
        ("IST0101", "Gateway default/tls"),
        ("IST0161", "Gateway default/expired"),
        ("IST0161", "Gateway default/nokey"),
        ("IST0161", "Gateway default/garbage"),
    ]),
    ("gateway.SecretAnalyzer", ("ingress.yaml", "gateway-ports-ok.yaml"), []),
    ("gateway.SecretAnalyzer", ("ingress.yaml", "gateway-secrets-ok.yaml"), []),
    ("gateway.CertificateAnalyzer", ("gateway-certificates.yaml",), [
        ("IST0138", "Gateway default/bookinfo"),
        ("IST0138", "Gateway other/httpbin"),
        ("IST0138", "Gateway default/files-a"),
    ]),
    ("gateway.CertificateAnalyzer", ("gateway-certificates-ok.yaml",), []),
    ("serviceentry.Analyzer", ("serviceentry-addresses.yaml",), [
        ("IST0134", "ServiceEntry default/external-db"),
        ("IST0134", "ServiceEntry default/no-protocol"),
    ]),
    ("serviceentry.Analyzer", ("serviceentry-addresses-ok.yaml",), []),
    ("serviceentry.Analyzer", ("serviceentry-addresses-autoallocate-ok.yaml",), []),
    ("deployment.MultiServiceAnalyzer", ("deployment-services.yaml",), [
        ("IST0137", "Deployment shop/reviews"),
        ("IST0116", "Deployment shop/dns"),
    ]),
    ("deployment.MultiServiceAnalyzer", ("deployment-services-ok.yaml",), []),
    ("virtualservice.JWTClaimRouteAnalyzer", ("ingress.yaml", "jwt-claim-routes.yaml"), [
        ("IST0149", "VirtualService foo/httpbin"),
    ]),
    ("virtualservice.JWTClaimRouteAnalyzer", ("ingress.yaml", "jwt-claim-routes-ok.yaml"), []),
    ("gateway.ConflictingGatewayAnalyzer", ("conflicting-gateways.yaml",), [
        ("IST0145", "Gateway default/first"),
        ("IST0145", "Gateway default/second"),
    ]),
    ("gateway.ConflictingGatewayAnalyzer", ("conflicting-gateways-ok.yaml",), []),
    ("annotations.K8sAnalyzer", ("annotations.yaml",), [
        ("IST0107", "Service default/misplaced"),
        ("IST0108", "Pod default/typo"),
    ]),
    ("annotations.K8sAnalyzer", ("annotations-ok.yaml",), []),
    ("auth.AuthorizationPoliciesAnalyzer", ("authorization-policies.yaml",), [
        ("IST0101", "AuthorizationPolicy default/from-typo"),
        ("IST0127", "AuthorizationPolicy default/ghost"),
        ("IST0127", "AuthorizationPolicy empty/nobody-here"),
        ("IST0127", "AuthorizationPolicy istio-system/mesh-ghost"),
    ]),
    ("auth.AuthorizationPoliciesAnalyzer", ("authorization-policies-ok.yaml",), []),
    ("schema.ValidationAnalyzer.VirtualService", ("schema.yaml",), [
        ("IST0106", "VirtualService default/noroutes"),
        ("IST0130", "VirtualService default/unreachable"),  # rule #1: all its matches used
        ("IST0130", "VirtualService default/unreachable"),  # rule #3: after a catch-all
        ("IST0131", "VirtualService default/unreachable"),
    ]),
    ("schema.ValidationAnalyzer.DestinationRule", ("schema.yaml",), [
        ("IST0106", "DestinationRule default/nohost"),
    ]),
    ("schema.ValidationAnalyzer.Gateway", ("schema.yaml",), [
        ("IST0106", "Gateway default/noservers"),
    ]),
    ("schema.ValidationAnalyzer.ServiceEntry", ("schema.yaml",), [
        ("IST0106", "ServiceEntry default/nohosts"),
    ]),
    ("schema.ValidationAnalyzer.Sidecar", ("schema.yaml",), [
        ("IST0106", "Sidecar default/badegress"),
    ]),
    ("schema.ValidationAnalyzer.AuthorizationPolicy", ("schema.yaml",), [
        ("IST0106", "AuthorizationPolicy default/emptyfrom"),
        ("IST0133", "AuthorizationPolicy default/httponlydeny"),
    ]),
    ("schema.ValidationAnalyzer.RequestAuthentication", ("schema.yaml",), [
        ("IST0106", "RequestAuthentication default/noissuer"),
        ("IST0133", "RequestAuthentication default/emptyselector"),
    ]),
    ("schema.ValidationAnalyzer.PeerAuthentication", ("schema.yaml",), [
        ("IST0106", "PeerAuthentication default/portsnoselector"),
        ("IST0133", "PeerAuthentication default/emptyselector"),
    ]),
    *[(f"schema.ValidationAnalyzer.{kind}", ("schema-ok.yaml",), [])
      for kind in ("VirtualService", "DestinationRule", "Gateway", "ServiceEntry", "Sidecar",
                   "AuthorizationPolicy", "RequestAuthentication", "PeerAuthentication")],
]  # fmt: skip

BY_NAME = {a.metadata.name: a for a in ALL}


def load(*names: str) -> list[Resource]:
    files = [(name, (DATA / name).read_text()) for name in names]
    reader = FileReader(files)
    resources = reader.read()
    assert not reader.errors
    return resources


def run(analyzer: Analyzer, *names: str) -> list[tuple[str, str]]:
    result = analyze(load(*names), None, analyzers=[analyzer])
    return [(m.type.code, m.resource.friendly_name if m.resource else "") for m in result.messages]


@pytest.mark.parametrize(
    ("name", "files", "expected"),
    CASES,
    ids=[f"{name}-{'+'.join(files)}" for name, files, _ in CASES],
)
def test_analyzer(name: str, files: tuple[str, ...], expected: list[tuple[str, str]]) -> None:
    assert sorted(run(BY_NAME[name], *files)) == sorted(expected)


def test_every_analyzer_is_registered_once_and_named_uniquely() -> None:
    names = [a.metadata.name for a in ALL]
    assert len(names) == len(set(names))
    assert len({type(a) for a in ALL}) == len(ALL)
    package = importlib.import_module("meshcert.tools.istioctl.analyze.analyzers")
    modules = [m.name for m in pkgutil.iter_modules(package.__path__)]
    assert len(modules) > 10
    for module_name in modules:
        module = importlib.import_module(f"{package.__name__}.{module_name}")
        classes = [c for _, c in inspect.getmembers(module, inspect.isclass)
                   if c.__module__ == module.__name__ and hasattr(c, "analyze")
                   and hasattr(c, "metadata")]  # fmt: skip
        for cls in classes:
            assert any(isinstance(a, cls) for a in ALL), f"{cls.__name__} is not in ALL"


@pytest.mark.parametrize("analyzer", ALL, ids=[a.metadata.name for a in ALL])
def test_every_analyzer_is_documented_with_its_istio_source(analyzer: Analyzer) -> None:
    module = inspect.getmodule(type(analyzer))
    assert module is not None
    assert module.__doc__
    assert "istio/istio" in module.__doc__
    assert "pkg/config/analysis/analyzers/" in " ".join(module.__doc__.split()).replace(" ", "")
    assert analyzer.metadata.description
    assert analyzer.metadata.inputs
    assert "IST0" in module.__doc__


@pytest.mark.parametrize("analyzer", ALL, ids=[a.metadata.name for a in ALL])
def test_every_analyzer_has_a_positive_and_a_negative_case(analyzer: Analyzer) -> None:
    mine = [expected for name, _, expected in CASES if name == analyzer.metadata.name]
    assert any(mine), "no case where it reports"
    assert any(not e for e in mine), "no case where it stays silent"


def test_every_code_an_analyzer_can_report_is_in_some_case() -> None:
    from meshcert.tools.istioctl.analyze import messages

    reported = {code for _, _, expected in CASES for code, _ in expected}
    assert set(messages.CATALOGUE) - reported == {"IST0001"}


def test_docs_list_every_analyzer_and_the_codes_its_cases_show() -> None:
    """docs/istioctl.md's analyzer table is this registry, with the codes of the table above."""
    table = DOC.read_text().split("<!-- analyzers -->")[1].split("<!-- /analyzers -->")[0]
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \|$", table, re.MULTILINE)
    documented = {name: {c.strip() for c in codes.split(",")} for name, codes in rows}
    shown: dict[str, set[str]] = {a.metadata.name: set() for a in ALL}
    for name, _, expected in CASES:
        shown[name] |= {code for code, _ in expected}
    assert documented == shown
