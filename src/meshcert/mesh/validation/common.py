"""Field checks shared by the Istio validators: DNS names and wildcards, ports, labels,
durations, percentages, exportTo, regexes and gateway references.

Source: pkg/config/validation/agent/validation.go (ValidateFQDN, ValidateWildcardDomain,
ValidatePort, ValidateDuration, ValidateIPSubnet), pkg/config/labels (IsDNS1123Label,
IsWildcardDNS1123Label, Instance.Validate), pkg/config/validation/validation.go
(validateExportTo, validateStringMatchRegexp, validateGatewayNames,
validateNamespaceSlashWildcardHostname, validatePercentage).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from ..config.matching import re2_options
from ..config.values import DurationError, parse_duration
from .errors import Errors, go_float, go_quote

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_WILDCARD_LABEL = re.compile(r"^(\*|(\*|\*-)?[a-z0-9]([-a-z0-9]*[a-z0-9])?)$")
_LABEL_KEY_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
PROTOCOLS = frozenset(
    {"tcp", "udp", "grpc", "grpc-web", "http", "http_proxy", "http2", "https", "tls", "mongo",
     "redis", "mysql"}
)  # fmt: skip


def is_dns1123_label(value: str) -> bool:
    return len(value) <= 63 and bool(_DNS1123_LABEL.match(value))


def _labels(domain: str) -> str | None:
    parts = domain.split(".")
    top = parts[-1]
    if top.isdigit():
        return (
            f"domain name {go_quote(domain)} invalid "
            f"(top level domain {go_quote(top)} cannot be all-numeric)"
        )
    for i, label in enumerate(parts):
        if i == len(parts) - 1 and label == "":
            return None
        if not is_dns1123_label(label):
            return f"domain name {go_quote(domain)} invalid (label {go_quote(label)} invalid)"
    return None


def _preconditions(name: str) -> str | None:
    if len(name) > 255:
        return f"domain name {go_quote(name)} too long (max 255)"
    if not name:
        return "empty domain name not allowed"
    return None


def validate_fqdn(fqdn: str) -> str | None:
    return _preconditions(fqdn) or _labels(fqdn)


def validate_wildcard_domain(domain: str) -> str | None:
    """A FQDN whose first label may be a wildcard (`*`, `*.example.com`)."""
    problem = _preconditions(domain)
    if problem:
        return problem
    first, _, rest = domain.partition(".")
    if not (len(first) <= 63 and _WILDCARD_LABEL.match(first)):
        return f"domain name {go_quote(domain)} invalid (label {go_quote(first)} invalid)"
    if rest:
        return _labels(rest)
    return None


def is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def validate_ip_subnet(subnet: str) -> str | None:
    if subnet.count("/") == 1:
        try:
            ipaddress.ip_network(subnet, strict=False)
        except ValueError:
            return f"{subnet} is not a valid CIDR block"
        return None
    return None if is_ip(subnet) else f"{subnet} is not a valid IP"


def validate_port(port: Any) -> str | None:
    if isinstance(port, int) and 1 <= port <= 65535:
        return None
    return f"port number {port} must be in the range 1..65535"


def validate_duration(value: Any) -> str | None:
    """agent.ValidateDuration: at least 1ms, millisecond precision."""
    try:
        seconds = parse_duration(value)
    except DurationError as exc:
        return str(exc)
    nanos = round(seconds * 1e9)
    if nanos < 1_000_000:
        return "duration must be greater than 1ms"
    if nanos % 1_000_000:
        return "only durations to ms precision are supported"
    return None


def validate_percentage(value: Any) -> str | None:
    """validatePercentage of a Percent message ({value: n})."""
    if not isinstance(value, dict):
        return None
    v = value.get("value", 0)
    if not isinstance(v, int | float):
        return None
    if v < 0.0 or v > 100.0 or (0.0 < v < 0.0001):
        return f"percentage {go_float(v)} is neither 0.0, nor in range [0.0001, 100.0]"
    return None


def validate_labels(labels: Mapping[str, Any] | None) -> Errors:
    """labels.Instance.Validate."""
    errs = Errors()
    for key, value in (labels or {}).items():
        key = str(key)
        prefix, _, name = key.rpartition("/")
        if (prefix and validate_fqdn(prefix)) or not _LABEL_KEY_NAME.match(name) or len(name) > 63:
            errs.add(f"invalid tag key: {go_quote(key)}")
        if not _LABEL_VALUE.match(str(value)) or len(str(value)) > 63:
            errs.add(f"invalid tag value: {go_quote(str(value))}")
    return errs


def validate_export_to(namespace: str, export_to: Any, service_entry: bool = False) -> Errors:
    errs = Errors()
    if not export_to:
        return errs
    seen: set[str] = set()
    for e in export_to:
        e = str(e)
        key = namespace if e == "." else e
        if key in seen:
            if key != e:
                errs.add(f"duplicate entries in exportTo: . and current namespace {namespace}")
            else:
                errs.add(f"duplicate entries in exportTo for entry {e}")
            continue
        if (service_entry and e == "~") or key in ("*", "~") or is_dns1123_label(key):
            seen.add(key)
        else:
            errs.add(
                f"only .,*, or a valid DNS 1123 label is allowed as exportTo entry, found {key}"
            )
    if "*" in seen and len(export_to) > 1:
        errs.add("cannot have both public (*) and non-public exportTo values for a resource")
    if "~" in seen and len(export_to) > 1:
        errs.add("cannot export service entry to no one (~) and someone")
    return errs


_GO_REGEX_CODES = {
    "no argument for repetition operator": "missing argument to repetition operator",
    "missing )": "missing closing )",
    "missing ]": "missing closing ]",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "invalid escape sequence": "invalid escape sequence",
    "unexpected )": "unexpected )",
    "bad repetition operator": "invalid nested repetition operator",
    "invalid character class range": "invalid character class range",
    "invalid character class": "invalid character class",
    "invalid repetition size": "invalid repeat count",
    "invalid named capture group": "invalid named capture",
    "trailing \\": "trailing backslash at end of expression",
}


def regex_error(pattern: str) -> str | None:
    """Go's regexp.Compile error text for `pattern` (RE2 syntax), or None when it compiles."""
    import re2  # loaded on first use (see config.matching.compile_regex)

    try:
        re2.compile(pattern, re2_options())
    except re2.error as exc:
        raw = exc.args[0] if exc.args else ""
        text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
        code, _, arg = text.partition(": ")
        go_code = _GO_REGEX_CODES.get(code, code)
        if go_code == "trailing backslash at end of expression":
            return f"error parsing regexp: {go_code}: ``"
        if code in ("missing )", "unexpected )"):
            arg = pattern
        return f"error parsing regexp: {go_code}: `{arg}`"
    return None


def validate_string_regexp(pattern: str, where: str) -> str | None:
    if len(pattern) > 1024:
        return f"{go_quote(where)}: regex is too large, max length allowed is 1024"
    problem = regex_error(pattern)
    if problem is None:
        return None
    return (
        f"{go_quote(where)}: {problem}; Istio uses RE2 style regex-based match "
        "(https://github.com/google/re2/wiki/Syntax)"
    )


def validate_string_match_regexp(match: Any, where: str) -> str | None:
    if not isinstance(match, dict) or "regex" not in match:
        return None
    pattern = str(match.get("regex") or "")
    if not pattern:
        return f"{go_quote(where)}: regex string match should not be empty"
    return validate_string_regexp(pattern, where)


def validate_string_match(match: Any, where: str) -> str | None:
    if isinstance(match, dict) and "prefix" in match and not match.get("prefix"):
        return f"{go_quote(where)}: prefix string match should not be empty"
    return validate_string_match_regexp(match, where)


def validate_gateway_names(names: Any) -> Errors:
    errs = Errors()
    for name in names or []:
        name = str(name)
        parts = name.split("/", 1)
        if len(parts) != 2:
            errs.add(validate_fqdn(name))
            return errs
        if not parts[0] or not parts[1]:
            errs.add("config namespace and gateway name cannot be empty")
        if not is_dns1123_label(parts[0]):
            errs.add(f"invalid value for namespace: {go_quote(parts[0])}")
        if not is_dns1123_label(parts[1]):
            errs.add(f"invalid value for gateway name: {go_quote(parts[1])}")
    return errs


def validate_namespace_slash_host(hostname: str, gateway: bool) -> Errors:
    errs = Errors()
    parts = hostname.split("/", 1)
    if len(parts) != 2:
        if gateway:
            return errs.add(validate_wildcard_domain(hostname))
        return errs.add("host must be of form namespace/dnsName")
    ns, dns = parts
    if not ns or not dns:
        errs.add("config namespace and dnsName in host entry cannot be empty")
    allowed = ("*", ".") if gateway else ("*", ".", "~")
    if ns not in allowed and not is_dns1123_label(ns):
        where = "gateway" if gateway else "sidecar"
        errs.add(f"invalid namespace value {go_quote(ns)} in {where}")
    errs.add(validate_wildcard_domain(dns))
    return errs


def validate_protocol(value: str) -> str | None:
    if value and value.lower() not in PROTOCOLS:
        return f"unsupported protocol: {value}"
    return None


def validate_port_name(name: str) -> str | None:
    return None if is_dns1123_label(name) else f"invalid port name: {name}"


__all__ = [
    "PROTOCOLS",
    "is_dns1123_label",
    "is_ip",
    "regex_error",
    "validate_duration",
    "validate_export_to",
    "validate_fqdn",
    "validate_gateway_names",
    "validate_ip_subnet",
    "validate_labels",
    "validate_namespace_slash_host",
    "validate_percentage",
    "validate_port",
    "validate_port_name",
    "validate_protocol",
    "validate_string_match",
    "validate_string_match_regexp",
    "validate_string_regexp",
    "validate_wildcard_domain",
]
