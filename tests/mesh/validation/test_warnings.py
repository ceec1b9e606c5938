"""Istio's validation warnings for VirtualService rules that can never be used.

Source: istio/istio pkg/config/validation/validation.go, analyzeUnreachableHTTPRules /
analyzeUnreachableTCPRules / analyzeUnreachableTLSRules and coveredValidation (overlapping URI
prefixes, istio/istio pull 32701); message types VirtualServiceUnreachableRule (IST0130) and
VirtualServiceIneffectiveMatch (IST0131).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from meshcert.mesh.validation.warnings import virtual_service_warnings


def warnings_for(http: str, key: str = "http") -> list[str]:
    spec: dict[str, Any] = {"hosts": ["reviews"], key: yaml.safe_load(http)}
    return virtual_service_warnings(spec)


def test_a_duplicate_match_is_ineffective() -> None:
    assert warnings_for("""
- name: v2
  match: [{headers: {end-user: {exact: jason}}}, {uri: {exact: /a}}]
  route: [{destination: {host: reviews}}]
- name: again
  match: [{name: dup, headers: {end-user: {exact: jason}}}, {uri: {exact: /b}}]
  route: [{destination: {host: reviews}}]
""") == [
        'virtualService rule "again" match "dup" is not used '
        '(duplicate/overlapping match in rule "v2")'
    ]


def test_all_matches_duplicated_makes_the_rule_unused() -> None:
    assert warnings_for("""
- match: [{uri: {exact: /a}}]
  route: [{destination: {host: reviews}}]
- match: [{uri: {exact: /a}}]
  route: [{destination: {host: reviews}}]
""") == [
        "virtualService rule #1 match #0 is not used (duplicate/overlapping match in rule #0)",
        "virtualService rule #1 not used (all matches used by prior rules)",
    ]


def test_an_earlier_prefix_covers_a_longer_one() -> None:
    # the blog example's warning: "/" before "/api"
    assert warnings_for("""
- name: slash
  match: [{uri: {prefix: /}}]
  route: [{destination: {host: reviews}}]
- name: slash-api
  match: [{uri: {prefix: /api}}]
  route: [{destination: {host: reviews}}]
""") == [
        'virtualService rule "slash-api" match #0 of prefix /api is not used '
        '(duplicate/overlapping match in rule #0 of prefix / on "slash")'
    ]


@pytest.mark.parametrize(
    "later",
    [
        "{uri: {prefix: /api}, headers: {x: {exact: y}}}",  # more headers: narrower, still used
        "{uri: {prefix: /api}, port: 8080}",  # another port
        "{uri: {prefix: /api}, method: {exact: POST}}",  # another method (GET is the default)
    ],
)
def test_prefixes_with_other_conditions_do_not_overlap(later: str) -> None:
    assert (
        warnings_for(f"""
- match: [{{uri: {{prefix: /}}}}]
  route: [{{destination: {{host: reviews}}}}]
- match: [{later}]
  route: [{{destination: {{host: reviews}}}}]
""")
        == []
    )


def test_tcp_rules_after_a_catch_all() -> None:
    assert warnings_for(
        """
- route: [{destination: {host: reviews}}]
- match: [{port: 9000}]
  route: [{destination: {host: reviews}}]
""",
        key="tcp",
    ) == ["virtualService rule #1 not used (route without matches defined before)"]
