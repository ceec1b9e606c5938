"""Istio's validation of AuthorizationPolicy (security.istio.io v1 and v1beta1).

Source: pkg/config/validation/validation.go `ValidateAuthorizationPolicy` (with
validateOneOfSelectorType, validateWorkloadSelector, validatePolicyTargetReference) and
pkg/config/security/security.go (ValidateIPs, ValidatePorts, CheckEmptyValues,
CheckServiceAccount, CheckValidPathTemplate, ValidateAttribute). The errors are prefixed
`invalid policy NAME.NAMESPACE:` (multierror.Prefix). Warnings (kubectl prints each as
`Warning: ...`): a selector without labels, and a DENY rule whose `to` (or `from` without
`to`) has only HTTP attributes, which denies all TCP traffic in its scope.

The lab adds warnings of its own, each saying what it does not model: `connection.sni` and
`experimental.envoy.filters.*` conditions, and targetRefs to ServiceEntries and
GatewayClasses (targetRefs to a waypoint Gateway or a Service are enforced at waypoints,
`mesh/simulation/waypoints.py`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import Errors, go_quote

SOURCE_KEYS = (
    "principals",
    "notPrincipals",
    "requestPrincipals",
    "notRequestPrincipals",
    "namespaces",
    "notNamespaces",
    "ipBlocks",
    "notIpBlocks",
    "remoteIpBlocks",
    "notRemoteIpBlocks",
    "serviceAccounts",
    "notServiceAccounts",
)
OPERATION_KEYS = (
    "ports",
    "methods",
    "paths",
    "hosts",
    "notPorts",
    "notMethods",
    "notPaths",
    "notHosts",
)
TARGET_KINDS = {
    ("core", "Service"),
    ("networking.istio.io", "ServiceEntry"),
    ("gateway.networking.k8s.io", "Gateway"),
    ("gateway.networking.k8s.io", "GatewayClass"),
}
ALLOWED_TARGETS = (
    "[core/v1/Service networking.istio.io/v1/ServiceEntry "
    "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass]"
)
VALID_LITERAL = re.compile(r"^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$")
DENY_TCP_WARNING = (
    "configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to "
    "the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify "
    "the port"
)
NOT_IN_LAB = "not supported in the lab"


def _list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [str(v) for v in value]
    return [str(value)]


def check_empty(key: str, values: list[str] | None) -> str | None:
    if values and any(v == "" for v in values):
        return f"empty value not allowed, found in {key}"
    return None


def check_service_account(key: str, values: list[str] | None) -> str | None:
    values = values or []
    if len(values) > 16:
        return "may not have more than 16 values"
    expected = "expected format 'serviceAccount' or 'namespace/serviceAccount'"
    for value in values:
        if value == "":
            return f"empty value not allowed, found in {key}"
        if "*" in value:
            return f"wildcard not allowed, found in {key}"
        if value.count("/") > 1:
            return f"{expected}, found {go_quote(value)} in {key}"
        if len(value) > 320:
            return f"value cannot exceed 320 characters, found {go_quote(value)} in {key}"
        ns, sep, sa = value.partition("/")
        if sep and not ns:
            return f"{expected}, found empty namespace {go_quote(value)} in {key}"
        if sep and not sa:
            return f"{expected}, found empty serviceAccount {go_quote(value)} in {key}"
    return None


def _prefix_error(value: str) -> str:
    addr, _, bits = value.partition("/")
    where = f"netip.ParsePrefix({go_quote(value)})"
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        return f"{where}: ParseAddr({go_quote(addr)}): unable to parse IP"
    if not bits.isdigit() or (len(bits) > 1 and bits.startswith("0")):
        return f"{where}: bad bits after slash: {go_quote(bits)}"
    return f"{where}: prefix length out of range"


def validate_ips(values: list[str] | None) -> Errors:
    errs = Errors()
    for value in values or []:
        if "/" in value:
            try:
                ipaddress.ip_network(value, strict=False)
                ok = value.split("/", 1)[1].isdigit()
            except ValueError:
                ok = False
            if not ok:
                errs.multi_add(f"bad CIDR range ({value}): {_prefix_error(value)}")
        else:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                errs.multi_add(f"bad IP address ({value})")
    return errs


def validate_ports(values: list[str] | None) -> Errors:
    errs = Errors()
    for value in values or []:
        if not value.isdigit():
            errs.multi_add(
                f"bad port ({value}): strconv.ParseUint: parsing {go_quote(value)}: invalid syntax"
            )
        elif int(value) > 65535:
            errs.multi_add(f"bad port ({value}): <nil>")
    return errs


def check_path_template(key: str, values: list[str] | None) -> str | None:
    for raw in values or []:
        template = "{*}" in raw or "{**}" in raw
        path = raw.strip("/")
        any_seen = False
        for glob in path.split("/"):
            if glob == "{*}" and not any_seen:
                continue
            if glob == "{**}" and not any_seen:
                any_seen = True
                continue
            if glob in ("{*}", "{**}"):
                return (
                    f"invalid or unsupported path {path}, found in {key}. "
                    "{**} is not the last operator"
                )
            if "{" in glob or "}" in glob:
                return (
                    f"invalid or unsupported path {path}, found in {key}. "
                    "Contains '{' or '}' beyond a supported path template"
                )
            if template and not VALID_LITERAL.match(glob):
                return (
                    f"invalid or unsupported path {path}, found in {key}. "
                    f"Contains segment {glob} with invalid string literal"
                )
    return None


def _map_key(key: str) -> str | None:
    open_at = key.find("[")
    if key.endswith("]") and 0 < open_at < len(key) - 2:
        return None
    return f"bad key ({key}): should have format a[b]"


def validate_attribute(key: str, values: list[str]) -> str | Errors | None:
    """security.ValidateAttribute."""
    empty = check_empty(key, values)
    if empty:
        return empty
    if key.startswith(
        (
            "request.headers",
            "request.experimental.inline.headers",
            "request.auth.claims",
            "experimental.envoy.filters.",
        )
    ):
        return _map_key(key)
    if key in ("source.ip", "remote.ip", "destination.ip"):
        return validate_ips(values)
    if key == "source.serviceAccount":
        return check_service_account(key, values)
    if key == "destination.port":
        return validate_ports(values)
    if key in (
        "source.namespace",
        "source.principal",
        "request.auth.principal",
        "request.auth.audiences",
        "request.auth.presenter",
        "connection.sni",
    ):
        return None
    if key == "destination.namespace":
        return f"attribute {key} is replaced by the metadata.namespace"
    if key.startswith("destination.labels"):
        return f"attribute {key} is replaced by the workload selector"
    if key in ("destination.name", "destination.user"):
        return f"deprecated attribute {key}: only supported in v1alpha1"
    return f"unknown attribute: {key}"


def _selector(spec: Mapping[str, Any], errs: Errors, warnings: list[str]) -> None:
    selector = spec.get("selector")
    refs = spec.get("targetRefs") or []
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
            warnings.append("workload selector specified without labels")
    for kind in valid_target_kinds(spec, refs, errs):
        if kind not in ("Gateway", "Service"):  # waypoints enforce Service targets
            warnings.append(
                f"{NOT_IN_LAB}: a policy attached to a {kind} applies to waypoints "
                "or gateways the lab does not model; it has no effect here"
            )


def valid_target_kinds(spec: Mapping[str, Any], refs: list[Any], errs: Errors) -> list[str]:
    """The checks every policy kind makes of `targetRef` and `targetRefs` (pkg/config/
    validation validatePolicyTargetReference(s)); the kinds of the references that pass."""
    targets = [spec["targetRef"]] if isinstance(spec.get("targetRef"), Mapping) else []
    targets += [r for r in refs if isinstance(r, Mapping)]
    kinds: list[str] = []
    for ref in targets:
        if not ref.get("name"):
            errs.add("targetRef name must be set")
        if ref.get("namespace"):
            errs.add(
                "targetRef namespace must not be set; cross namespace referencing is not supported"
            )
        group = str(ref.get("group") or "") or "core"
        kind = str(ref.get("kind") or "")
        if (group, kind) not in TARGET_KINDS:
            errs.add(
                f"targetRef must be to one of {ALLOWED_TARGETS} but was "
                f"{ref.get('group') or ''}/{kind}"
            )
        else:
            kinds.append(kind)
    return kinds


def _custom(spec: Mapping[str, Any], errs: Errors) -> None:
    rules = spec.get("rules")
    if not rules:
        errs.add(
            "CUSTOM action without `rules` is meaningless as it will never be triggered, "
            "add an empty rule `{}` if you want it be triggered for every request"
        )
    elif not (spec.get("provider") or {}).get("name"):
        errs.add("`provider.name` must not be empty")
    unsupported = (
        "namespaces",
        "notNamespaces",
        "serviceAccounts",
        "notServiceAccounts",
        "principals",
        "notPrincipals",
        "requestPrincipals",
        "notRequestPrincipals",
    )
    for rule in rules or []:
        if not isinstance(rule, Mapping):
            continue
        for entry in rule.get("from") or []:
            source = (entry or {}).get("source") if isinstance(entry, Mapping) else None
            if isinstance(source, Mapping):
                for field in unsupported:
                    if source.get(field):
                        name = "From." + field[0].upper() + field[1:]
                        errs.add(f"{name} is currently not supported with CUSTOM action")
        for when in rule.get("when") or []:
            if when is None:
                errs.add("when field cannot be nil")
                continue
            key = str((when or {}).get("key") or "")
            if key in ("source.namespace", "source.serviceAccount", "source.principal") or (
                key.startswith("request.auth.")
            ):
                errs.add(f"{key} is currently not supported with CUSTOM action")


def _rule(index: int, rule: Any, action: str, errs: Errors, warnings: list[str]) -> None:
    if rule is None:
        errs.add(f"`rule` must not be nil, found at rule {index}")
        return
    if not isinstance(rule, Mapping):
        return
    froms, tos = rule.get("from"), rule.get("to")
    if froms is not None and len(froms) == 0:
        errs.add(f"`from` must not be empty, found at rule {index}")
    tcp_from = tcp_to = from_exists = to_exists = False
    for entry in froms or []:
        if entry is None:
            errs.add(f"`from` must not be nil, found at rule {index}")
            continue
        source = entry.get("source") if isinstance(entry, Mapping) else None
        if source is None:
            errs.add(f"`from.source` must not be nil, found at rule {index}")
            continue
        from_exists = True
        src = {k: _list(source.get(k)) for k in SOURCE_KEYS}
        peer = ("principals", "notPrincipals", "namespaces", "notNamespaces")
        if any(src[k] for k in peer) and (src["serviceAccounts"] or src["notServiceAccounts"]):
            errs.add(
                f"cannot set serviceAccounts with namespaces or principals, found at rule {index}"
            )
        if not any(src[k] for k in SOURCE_KEYS):
            errs.add(f"`from.source` must not be empty, found at rule {index}")
        for key in ("ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks"):
            errs.add(validate_ips(src[key]))
        for key in SOURCE_KEYS:
            pretty = key[0].upper() + key[1:]
            if key in ("serviceAccounts", "notServiceAccounts"):
                errs.add(check_service_account(pretty, src[key]) if src[key] is not None else None)
            else:
                errs.add(check_empty(pretty, src[key]))
        if any(src[k] is not None for k in SOURCE_KEYS if "equest" not in k):
            tcp_from = True
    if tos is not None and len(tos) == 0:
        errs.add(f"`to` must not be empty, found at rule {index}")
    for entry in tos or []:
        if entry is None:
            errs.add(f"`to` must not be nil, found at rule {index}")
            continue
        operation = entry.get("operation") if isinstance(entry, Mapping) else None
        if operation is None:
            errs.add(f"`to.operation` must not be nil, found at rule {index}")
            continue
        to_exists = True
        op = {k: _list(operation.get(k)) for k in OPERATION_KEYS}
        if not any(op[k] for k in OPERATION_KEYS):
            errs.add(f"`to.operation` must not be empty, found at rule {index}")
        errs.add(validate_ports(op["ports"]), validate_ports(op["notPorts"]))
        for key in OPERATION_KEYS:
            errs.add(check_empty(key[0].upper() + key[1:], op[key]))
        errs.add(
            check_path_template("Paths", op["paths"]),
            check_path_template("NotPaths", op["notPaths"]),
        )
        if op["ports"] is not None or op["notPorts"] is not None:
            tcp_to = True
    for condition in rule.get("when") or []:
        condition = condition if isinstance(condition, Mapping) else {}
        key = str(condition.get("key") or "")
        if not key:
            errs.add("`key` must not be empty")
            continue
        values, not_values = _list(condition.get("values")), _list(condition.get("notValues"))
        if not values and not not_values:
            errs.add(f"at least one of `values` or `notValues` must be set for key {key}")
            continue
        for name, given in (("value", values), ("notValue", not_values)):
            problem = validate_attribute(key, given or [])
            if problem:
                errs.add(f"invalid `{name}` for `key` {key}: {problem}")
        if key == "connection.sni" or key.startswith("experimental.envoy.filters."):
            warnings.append(
                f"{NOT_IN_LAB}: the condition on {key} never matches in the lab "
                "(an ALLOW rule using it allows nothing, a DENY rule ignores it)"
            )
    if action == "DENY" and (
        (from_exists and not to_exists and not tcp_from) or (to_exists and not tcp_to)
    ):
        warnings.append(DENY_TCP_WARNING)


def validate_authorization_policy(
    name: str, namespace: str, spec: Mapping[str, Any]
) -> tuple[Errors, list[str]]:
    """Istio's errors (empty = valid) and warnings for one AuthorizationPolicy."""
    errs = Errors()
    warnings: list[str] = []
    _selector(spec, errs, warnings)
    action = str(spec.get("action") or "ALLOW")
    if action == "CUSTOM":
        _custom(spec, errs)
    if spec.get("provider") is not None and action != "CUSTOM":
        errs.add(f"`provider` must not be with non CUSTOM action, found {action}")
    if action == "DENY" and not spec.get("rules"):
        errs.add(
            "DENY action without `rules` is meaningless as it will never be triggered, "
            "add an empty rule `{}` if you want it be triggered for every request"
        )
    for index, rule in enumerate(spec.get("rules") or []):
        _rule(index, rule, action, errs, warnings)
    if not errs:
        return errs, warnings
    prefix = f"invalid policy {name}.{namespace}:"
    prefixed = Errors([f"{prefix} {item}" for item in errs.items], errs.multi)
    return prefixed, warnings


__all__ = ["DENY_TCP_WARNING", "validate_authorization_policy"]
