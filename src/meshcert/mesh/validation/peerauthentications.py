"""PeerAuthentication validation: the CRD's own rules (the apiserver) and Istio's webhook.

The CRD (istio/api security/v1beta1/peer_authentication.proto, +kubebuilder XValidation, and
type/v1beta1/selector.proto for the selector) carries CEL rules the apiserver checks on every
write, before any admission webhook, whether or not istiod runs:
- `portLevelMtls requires selector` on `spec` (a selector with labels, or no portLevelMtls);
- `port must be between 1-65535` on `spec.portLevelMtls`, which needs at least 1 property;
- label keys without `*` and not empty, label values without `*` on `spec.selector.matchLabels`.
kubectl prints them as `The PeerAuthentication "x" is invalid: spec: Invalid value: "object":
portLevelMtls requires selector`.

The webhook (pkg/config/validation/validation.go ValidatePeerAuthentication,
validateWorkloadSelector, validateMutualTLSMode) repeats most of them in its own words and warns
about a selector without labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshcert.kube.errors import Cause

from .errors import Errors

MODES = ("UNSET", "DISABLE", "PERMISSIVE", "STRICT")


def _invalid(field: str, what: str, message: str) -> Cause:
    return Cause("FieldValueInvalid", f'Invalid value: "{what}": {message}', field)


def crd_rule_violations(spec: Mapping[str, Any]) -> list[Cause]:
    """The CEL and structural rules of the PeerAuthentication CRD that `spec` breaks."""
    causes: list[Cause] = []
    selector = spec.get("selector")
    labels = selector.get("matchLabels") if isinstance(selector, Mapping) else None
    if isinstance(labels, Mapping):
        where = "spec.selector.matchLabels"
        if any("*" in str(k) for k in labels):
            causes.append(_invalid(where, "object", "wildcard not allowed in label key match"))
        if any(str(k) == "" for k in labels):
            causes.append(_invalid(where, "object", "key must not be empty"))
        for key, value in labels.items():
            if "*" in str(value):
                causes.append(_invalid(f"{where}[{key}]", "string",
                                       "wildcard not allowed in label value match"))  # fmt: skip
    ports = spec.get("portLevelMtls")
    if isinstance(ports, Mapping):
        if not ports:
            message = (
                "Invalid value: 0: spec.portLevelMtls in body should have at least 1 properties"
            )
            causes.append(Cause("FieldValueInvalid", message, "spec.portLevelMtls"))
        elif not all(str(k).isdigit() and 0 < int(str(k)) <= 65535 for k in ports):
            causes.append(_invalid("spec.portLevelMtls", "object", "port must be between 1-65535"))
    if "portLevelMtls" in spec and not labels:
        causes.append(_invalid("spec", "object", "portLevelMtls requires selector"))
    return causes


def _mode(value: Any) -> str:
    mode = (value or {}).get("mode") if isinstance(value, Mapping) else None
    return "UNSET" if mode is None else str(mode)


def validate_peer_authentication(spec: Mapping[str, Any]) -> tuple[Errors, list[str]]:
    """Istio's webhook errors (empty = valid) and warnings for one PeerAuthentication."""
    errs = Errors()
    warnings: list[str] = []
    selector = spec.get("selector")
    if isinstance(selector, Mapping):
        labels = selector.get("matchLabels") or {}
        for k, v in labels.items():
            if k == "":
                errs.add(f'empty key is not supported in selector: "{k}={v}"')
            if "*" in str(k) or "*" in str(v):
                errs.add(f'wildcard is not supported in selector: "{k}={v}"')
        if not labels:
            warnings.append("workload selector specified without labels")
    mode = _mode(spec.get("mtls"))
    if mode not in MODES:
        errs.add(f'unsupported mtls.mode "{mode}"')
    ports = spec.get("portLevelMtls")
    if isinstance(ports, Mapping):
        for port, entry in ports.items():
            number = int(str(port)) if str(port).isdigit() else 0
            if number == 0:
                errs.add("portLevelMtls port must not be 0")
            if entry is None:
                errs.add(f"portLevelMtls[{number}] must not be null")
                continue
            port_mode = _mode(entry)
            if port_mode not in MODES:
                errs.add(f'unsupported portLevelMtls[{number}].mode "{port_mode}"')
        if ports and selector is None:
            errs.add("portLevelMtls requires a workload selector")
    return errs, warnings


__all__ = ["crd_rule_violations", "validate_peer_authentication"]
