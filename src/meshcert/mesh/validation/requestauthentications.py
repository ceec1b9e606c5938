"""Istio's webhook validation of RequestAuthentication.

Source: pkg/config/validation/validation.go (ValidateRequestAuthentication,
validateJwtRule, validateOneOfSelectorType, validateWorkloadSelector,
validatePolicyTargetReference, ValidateStrictHTTPHeaderName), pkg/config/security
(ParseJwksURI), pkg/config/validation/agent (ValidateDuration). Each jwtRule's problems
accumulate with multierror.Append, so one of them prints as a one-item list. Besides Istio's
warning (a selector without labels), the lab warns about `targetRefs` it does not model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .authorizationpolicies import NOT_IN_LAB, valid_target_kinds
from .common import validate_duration
from .errors import Errors

_HEADER_NAME = re.compile(r"^[a-zA-Z0-9!#$%&'*+.^_`|~-]+$")
SELECTOR_WITHOUT_LABELS = "workload selector specified without labels"


def parse_jwks_uri(uri: str) -> str | None:
    """security.ParseJwksURI: the error, or None."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        scheme = "" if ":" not in uri else uri.split(":", 1)[0]
    if scheme not in ("http", "https"):
        return f'URI scheme "{scheme}" is not supported'
    authority = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]
    if ":" in authority and not authority.endswith("]"):
        port = authority.rsplit(":", 1)[1]
        if port and not port.isdigit():
            return f'parse "{uri}": invalid port ":{port}" after host'
    return None


def _jwks_error(text: str) -> str | None:
    """jwk.Parse (lestrrat-go/jwx): `failed to unmarshal JWK set: <Go's JSON error>`. Go's
    encoding/json texts are reproduced for the common cases (a bad first character, a
    truncated document); other syntax errors name the offending character the same way."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            return "failed to unmarshal JWK set: unexpected end of JSON input"
        char = text[exc.pos]
        return (
            f"failed to unmarshal JWK set: invalid character '{char}' looking for beginning "
            "of value"
        )
    if not isinstance(doc, dict):
        return "failed to unmarshal JWK set: json: cannot unmarshal into a JWK set"
    return None


def _selector(spec: Mapping[str, Any], errs: Errors, warnings: list[str]) -> None:
    selector = spec.get("selector")
    refs = [r for r in spec.get("targetRefs") or [] if isinstance(r, Mapping)]
    if sum([selector is not None, spec.get("targetRef") is not None, bool(refs)]) > 1:
        errs.add("only one of targetRefs or workloadSelector can be set")
    if isinstance(selector, Mapping):
        labels = selector.get("matchLabels") or {}
        for k, v in labels.items():
            if k == "":
                errs.add(f'empty key is not supported in selector: "{k}={v}"')
            if "*" in str(k) or "*" in str(v):
                errs.add(f'wildcard is not supported in selector: "{k}={v}"')
        if not labels:
            warnings.append(SELECTOR_WITHOUT_LABELS)
    for kind in valid_target_kinds(spec, refs, errs):
        if kind != "Gateway":
            warnings.append(
                f"{NOT_IN_LAB}: a RequestAuthentication attached to a {kind} applies to "
                "waypoints the lab does not model; it has no effect here"
            )


def validate_jwt_rule(rule: Mapping[str, Any]) -> Errors:
    """validateJwtRule."""
    errs = Errors()
    for audience in rule.get("audiences") or []:
        if not audience:
            errs.multi_add("audience must be non-empty string")
    issuer, jwks_uri = str(rule.get("issuer") or ""), str(rule.get("jwksUri") or "")
    if not issuer and not jwks_uri:
        errs.multi_add("issuer or jwksUri must be non-empty string")
    if jwks_uri:
        problem = parse_jwks_uri(jwks_uri)
        if problem:
            errs.multi_add(problem)
    jwks = str(rule.get("jwks") or "")
    if jwks:
        problem = _jwks_error(jwks)
        if problem:
            errs.multi_add(f"jwks parse error: {problem}")
    for location in rule.get("fromHeaders") or []:
        if location is None:
            errs.multi_add("location header name must be non-null")
        elif not (location.get("name") if isinstance(location, Mapping) else None):
            errs.multi_add("location header name must be non-empty string")
    for param in rule.get("fromParams") or []:
        if not param:
            errs.multi_add("location query must be non-empty string")
    for cookie in rule.get("fromCookies") or []:
        if not cookie:
            errs.multi_add("cookie name must be non-empty string")
    for item in rule.get("outputClaimToHeaders") or []:
        if item is None:
            errs.multi_add("outputClaimToHeaders must not be null")
            continue
        header, claim = str(item.get("header") or ""), str(item.get("claim") or "")
        if not header or not claim:
            errs.multi_add("outputClaimToHeaders header and claim value must be non-empty string")
            continue
        if not _HEADER_NAME.match(header):
            errs.multi_add(f"header name {header} is not a valid header name")
    if rule.get("timeout") is not None:
        problem = validate_duration(rule["timeout"])
        if problem:
            errs.multi_add(problem)
    return errs


def validate_request_authentication(spec: Mapping[str, Any]) -> tuple[Errors, list[str]]:
    """Istio's errors (empty = valid) and warnings for one RequestAuthentication."""
    errs = Errors()
    warnings: list[str] = []
    _selector(spec, errs, warnings)
    for rule in spec.get("jwtRules") or []:
        if isinstance(rule, Mapping):
            errs.add(validate_jwt_rule(rule))
    return errs, warnings


__all__ = ["parse_jwks_uri", "validate_jwt_rule", "validate_request_authentication"]
