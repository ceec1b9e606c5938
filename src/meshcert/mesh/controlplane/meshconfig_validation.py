"""The semantic checks istiod runs on a mesh config that decoded, and their messages.

After decoding, `mesh.ApplyMeshConfig` (istio/istio pkg/config/mesh/mesh.go) returns the error
of `agent.ValidateMeshConfig` (pkg/config/validation/agent/validation.go) unprefixed, run on
the decoded text laid over `DefaultMeshConfig()`: a top-level field given replaces the
default (a message wholesale), `defaultConfig` is laid field by field over
`DefaultProxyConfig()`, trust domain aliases are de-duplicated and sorted. Checked, in its
order:

- `proxyListenPort` in 1..65535 (`proxyInboundListenPort` is not checked);
- `connectTimeout` at least 1ms, whole milliseconds, at most 1h; `protocolDetectionTimeout`
  0s or whole milliseconds;
- `defaultConfig` (`ValidateMeshConfigProxyConfig`): config and binary paths, service
  cluster, drain duration, discovery address, the tracer's address, tracing TLS settings,
  statsd / metrics / access log service addresses, admin and status ports, control plane
  auth policy and the cryptomb private key provider;
- `localityLbSetting` (distribute weights and localities, failover regions);
- `serviceSettings` hosts, `trustDomain` and `trustDomainAliases`;
- `meshMTLS.ecdhCurves` (not supported).

The error is go-multierror's: one plain error as its text; from a list (which every check of
defaultConfig, serviceSettings, trust domain and mesh TLS returns, even of one)
`N error(s) occurred:` and a `\\t* ` line per error. Warnings (unknown ECDH curves, extension
providers) are only logged by istiod and are not errors here.
"""

from __future__ import annotations

import re
from typing import Any

from .go_text import atoi_error, duration_string, parse_duration, quote
from .meshconfig_schema import json_name

Errors = str | list[str] | None  # a plain error, a multierror's list, or none

_SECOND, _MILLI = 1_000_000_000, 1_000_000
_DNS_LABEL = re.compile(r"[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?")
_WILDCARD_LABEL = re.compile(r"\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?")
_TOPOLOGY_LABELS = (
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.istio.io/subzone",
)
_AUTH_POLICIES = {0: "NONE", 1: "MUTUAL_TLS", 1000: "INHERIT"}  # its String() names
_PROXY_DEFAULTS: dict[str, Any] = {  # DefaultProxyConfig(), pkg/config/mesh/mesh.go
    "configPath": "./etc/istio/proxy",
    "binaryPath": "/usr/local/bin/envoy",
    "serviceCluster": "istio-proxy",
    "drainDuration": "45s",
    "proxyAdminPort": 15000,
    "controlPlaneAuthPolicy": "MUTUAL_TLS",
    "discoveryAddress": "istiod.istio-system.svc:15012",
    # older releases also default to a zipkin tracer at zipkin.istio-system:9411, an address
    # that passes; with or without it, no answer changes
    "statusPort": 15020,
}


def validation_error(mesh: dict[str, Any]) -> str | None:
    """`agent.ValidateMeshConfig`'s error for a decoded mesh config, None when it passes."""
    errors: Errors = None
    port = _int(_get(mesh, "proxy_listen_port"), 15001)
    if (error := _port_error(port)) is not None:
        errors = _append(errors, f"invalid proxy listen port: {error}")
    timeout = _duration(_get(mesh, "connect_timeout"), "10s")
    if (error := _connect_timeout_error(timeout)) is not None:
        errors = _append(errors, f"invalid connect timeout: {error}")
    detection = _duration(_get(mesh, "protocol_detection_timeout"), "0s")
    if detection != 0 and detection % _MILLI != 0:
        errors = _append(
            errors,
            "invalid protocol detection timeout: only durations to ms precision are supported",
        )
    errors = _append(errors, _proxy_config_errors(_proxy_config(mesh)) or None)
    errors = _append(errors, _locality_errors(_get(mesh, "locality_lb_setting")))
    errors = _append(errors, _service_settings_errors(mesh) or None)
    errors = _append(errors, _trust_domain_errors(mesh) or None)
    mtls = _get(mesh, "mesh_mTLS")
    if isinstance(mtls, dict) and _get(mtls, "ecdh_curves"):
        errors = _append(errors, ["mesh TLS does not support ECDH curves configuration"])
    if errors is None or isinstance(errors, str):
        return errors
    return multierror(errors)


def multierror(errors: list[str]) -> str:
    """go-multierror's ListFormatFunc."""
    if len(errors) == 1:
        return f"1 error occurred:\n\t* {errors[0]}\n\n"
    points = "\n\t".join(f"* {error}" for error in errors)
    return f"{len(errors)} errors occurred:\n\t{points}\n\n"


def proxy_address_error(address: str) -> str | None:
    """`ValidateProxyAddress`: host:port, the port in range, the host a name or an IP."""
    split = _split_host_port(address)
    if isinstance(split, str):
        return f"unable to split {quote(address)}: {split}"
    host, port = split
    if (error := atoi_error(port)) is not None:
        return f"port ({port}) is not a number: {error}"
    if (error := _port_error(int(port))) is not None:
        return error
    if _fqdn_error(host) is not None and not _is_ip(host):
        return f"{quote(host)} is not a valid hostname or an IP address"
    return None


def _append(errors: Errors, more: Errors) -> Errors:
    """multierror.Append as AppendValidation uses it: nothing added to nothing is nothing, one
    error alone stays as it is, lists are flattened."""
    if more is None:
        return errors
    if errors is None:
        return more
    head = errors if isinstance(errors, list) else [errors]
    return head + (more if isinstance(more, list) else [more])


def _get(message: dict[str, Any], name: str) -> Any:
    """A field as jsonpb reads it: its JSON name wins over its proto name; null is unset."""
    value = message.get(name)
    if json_name(name) in message:
        value = message[json_name(name)]
    return value


def _int(value: Any, default: int) -> int:
    """A decoded integer; a quoted one counts (jsonpb strips the quotes), `"null"` is 0."""
    if value is None:
        return default
    if isinstance(value, str):
        text = value.strip(" \t\r\n")
        return 0 if text == "null" else int(text)
    return int(value)


def _duration(value: Any, default: str) -> int:
    return parse_duration(value if isinstance(value, str) else default)


def _proxy_config(mesh: dict[str, Any]) -> dict[str, Any]:
    """DefaultProxyConfig() with the given defaultConfig's fields laid over it."""
    merged = dict(_PROXY_DEFAULTS)
    given = _get(mesh, "default_config")
    if isinstance(given, dict):
        for key, value in given.items():
            if value is not None and isinstance(key, str):
                name = json_name(key)
                if name == key or name not in given:
                    merged[name] = value
    if merged.get("tracingServiceName") is not None:
        merged.pop("serviceCluster", None)  # one oneof: the later field wins
    return merged


def _proxy_config_errors(config: dict[str, Any]) -> list[str]:
    """`ValidateMeshConfigProxyConfig`."""
    errors: list[str] = []
    if config.get("configPath") == "":
        errors.append("config path must be set")
    if config.get("binaryPath") == "":
        errors.append("binary path must be set")
    if config.get("serviceCluster") == "":
        errors.append("service cluster must be specified")
    errors.extend(_drain_errors(_duration(config.get("drainDuration"), "0s")))
    discovery = config.get("discoveryAddress")
    if discovery == "":
        errors.append("discovery address must be set to the proxy discovery service")
    elif isinstance(discovery, str) and (error := proxy_address_error(discovery)) is not None:
        errors.append(f"invalid discovery address: {error}")
    errors.extend(_tracing_errors(config.get("tracing")))
    for key, label in (
        ("statsdUdpAddress", "statsd udp address"),
        ("envoyMetricsServiceAddress", "envoy metrics service address"),
    ):
        address = config.get(key)
        if isinstance(address, str) and address and (error := proxy_address_error(address)):
            errors.append(f"invalid {label} {quote(address)}: {error}")
    for key, label in (
        ("envoyMetricsService", "envoy metrics service address"),
        ("envoyAccessLogService", "envoy access log service address"),
    ):
        service = config.get(key)
        address = _get(service, "address") if isinstance(service, dict) else None
        if isinstance(address, str) and address and (error := proxy_address_error(address)):
            errors.append(f"invalid {label} {quote(address)}: {error}")
    if (error := _port_error(_int(config.get("proxyAdminPort"), 0))) is not None:
        errors.append(f"invalid proxy admin port: {error}")
    policy = config["controlPlaneAuthPolicy"]
    name = policy if isinstance(policy, str) else _AUTH_POLICIES.get(int(policy), str(policy))
    if name not in ("NONE", "MUTUAL_TLS"):
        errors.append(
            f"invalid authentication policy: unrecognized control plane auth policy {quote(name)}"
        )
    if (error := _port_error(_int(config.get("statusPort"), 0))) is not None:
        errors.append(f"invalid status port: {error}")
    errors.extend(_private_key_provider_errors(config.get("privateKeyProvider")))
    return errors


def _drain_errors(drain: int) -> list[str]:
    """`ValidateDrainDuration`."""
    if (error := _duration_error(drain)) is not None:
        return [f"invalid drain duration: {error}"]
    if drain % _SECOND != 0:
        return ["drain time only supports durations to seconds precision"]
    return []


def _duration_error(nanos: int) -> str | None:
    """`ValidateDuration`."""
    if nanos < _MILLI:
        return "duration must be greater than 1ms"
    if nanos % _MILLI != 0:
        return "only durations to ms precision are supported"
    return None


def _connect_timeout_error(nanos: int) -> str | None:
    """`ValidateConnectTimeout`: a valid duration within 1ms..1h."""
    if (error := _duration_error(nanos)) is not None:
        return error
    hour = 3600 * _SECOND
    if nanos > hour or nanos < _MILLI:
        low, high = duration_string(_MILLI), duration_string(hour)
        return f"time {duration_string(nanos)} must be >{low} and <{high}"
    return None


def _port_error(port: int) -> str | None:
    if 1 <= port <= 65535:
        return None
    return f"port number {port} must be in the range 1..65535"


def _tracing_errors(tracing: Any) -> list[str]:
    if not isinstance(tracing, dict):
        return []
    errors: list[str] = []
    tracer = None
    for name in ("zipkin", "lightstep", "datadog", "stackdriver", "open_census_agent"):
        if _get(tracing, name) is not None:
            tracer = name  # a oneof: the last one given is the one kept
    settings = _get(tracing, tracer) if tracer else None
    address = _get(settings, "address") if isinstance(settings, dict) else None
    address = address if isinstance(address, str) else ""
    if tracer == "lightstep":
        assert isinstance(settings, dict)
        inner = []
        if address == "":
            inner.append("address is required")
        if (error := proxy_address_error(address)) is not None:
            inner.append(f"invalid lightstep address: {error}")
        if not _get(settings, "access_token"):
            inner.append("access token is required")
        errors.extend(f"invalid lightstep config: {error}" for error in inner)
    elif tracer in ("zipkin", "datadog"):
        error = proxy_address_error(address.replace("$(HOST_IP)", "127.0.0.1", 1))
        if error is not None:
            errors.append(f"invalid {tracer} config: {error}")
    tls = _get(tracing, "tls_settings")
    if isinstance(tls, dict):
        errors.extend(f"invalid tracing TLS config: {error}" for error in _tls_errors(tls))
    return errors


def _tls_errors(tls: dict[str, Any]) -> list[str]:
    """`ValidateTLS` of ClientTLSSettings."""
    mode = _get(tls, "mode")
    mode = {0: "DISABLE", 1: "SIMPLE", 2: "MUTUAL", 3: "ISTIO_MUTUAL"}.get(mode, mode)
    ca = _get(tls, "ca_certificates") or ""
    credential = _get(tls, "credential_name") or ""
    sans = _get(tls, "subject_alt_names")
    errors = []
    if _get(tls, "insecure_skip_verify") is True:
        if mode == "SIMPLE" and (ca or credential or sans):
            errors.append(
                "cannot specify CaCertificates or CredentialName or SubjectAltNames when "
                "InsecureSkipVerify is set true"
            )
        if mode == "MUTUAL" and (ca or sans):
            errors.append(
                "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is "
                "set true"
            )
    if mode in ("SIMPLE", "MUTUAL") and credential:
        files = ("client_certificate", "ca_certificates", "private_key", "ca_crl")
        if any(_get(tls, name) for name in files):
            errors.append(
                "cannot specify client certificates or CA certificate or CA CRL If credentialName "
                "is set"
            )
        return errors
    if mode == "MUTUAL":
        if not _get(tls, "client_certificate"):
            errors.append("client certificate required for mutual tls")
        if not _get(tls, "private_key"):
            errors.append("private key required for mutual tls")
    return errors


def _private_key_provider_errors(provider: Any) -> list[str]:
    """`validatePrivateKeyProvider` for the providers the lab's schema knows (cryptomb); one
    naming another provider is left alone."""
    if not isinstance(provider, dict):
        return []
    prefix = "invalid private key provider configuration: "
    given = {key for key, value in provider.items() if value is not None}
    if not given:
        return [
            prefix + "private key provider configuration is required",
            prefix + "unknown private key provider",
        ]
    cryptomb = _get(provider, "cryptomb")
    if given != {"cryptomb"} or not isinstance(cryptomb, dict):
        return []
    delay = _get(cryptomb, "poll_delay")
    if delay is None:
        return [prefix + "pollDelay is required"]
    if parse_duration(delay) == 0:
        return [prefix + "pollDelay must be non zero"]
    return []


def _locality_errors(setting: Any) -> Errors:
    """`ValidateLocalityLbSetting` (its errors; its outlier detection warning is not one)."""
    if not isinstance(setting, dict):
        return None
    distribute = _get(setting, "distribute") or []
    failover = _get(setting, "failover") or []
    priority = _get(setting, "failover_priority") or []
    if distribute and failover:
        return "can not simultaneously specify 'distribute' and 'failover'"
    if failover and priority:
        for label in priority:
            if label in _TOPOLOGY_LABELS:
                return (
                    "can not simultaneously set 'failover' and topology label "
                    f"'{label}' in 'failover_priority'"
                )
    errors: Errors = None
    sources = []
    for rule in distribute:
        rule = rule or {}
        sources.append(_get(rule, "from") or "")
        weights = _get(rule, "to") or {}
        total = 0
        for weight in weights.values():
            weight = _int(weight, 0)
            if weight <= 0 or weight > 100:
                return _append(errors, "locality weight must be in range [1, 100]")
            total += weight
        if total != 100:
            return _append(errors, f"total locality weight {total} != 100")
        errors = _append(errors, _localities_error([str(key) for key in weights]))
    errors = _append(errors, _localities_error(sources))
    for rule in failover:
        rule = rule or {}
        source, target = _get(rule, "from") or "", _get(rule, "to") or ""
        if source == target:
            errors = _append(errors, "locality lb failover settings must specify different regions")
        if "/" in source or "/" in target:
            errors = _append(errors, "locality lb failover only specify region")
        if "*" in source or "*" in target:
            errors = _append(errors, "locality lb failover region should not contain '*' wildcard")
    return errors


def _localities_error(localities: list[str]) -> str | None:
    """`validateLocalities`: wildcards only at the end, no empty parts, no overlaps."""
    seen: dict[str, dict[str, dict[str, bool]]] = {}
    for locality in localities:
        stars = locality.count("*")
        if stars and (stars > 1 or not locality.endswith("*")):
            return (
                f"locality {locality} wildcard '*' number can not exceed 1 and must be in the end"
            )
        overlap = f"locality {locality} overlap with previous specified ones"
        if "*" in seen:
            return overlap
        parts = locality.split("/", 2)
        if any(part == "" for part in parts):
            return f"locality {locality} must not contain empty region/zone/subzone info"
        region = parts[0]
        zone = parts[1] if len(parts) > 1 else ""
        if len(parts) == 1:
            if region in seen:
                return overlap
            seen[region] = {"*": {"*": True}}
        elif len(parts) == 2:
            if region in seen and ("*" in seen[region] or zone in seen[region]):
                return overlap
            seen.setdefault(region, {})[zone] = {"*": True}
        else:
            zones = seen.setdefault(region, {})
            if "*" in zones:
                return overlap
            subzones = zones.setdefault(zone, {})
            if subzones.get("*") or subzones.get(parts[2]):
                return overlap
            subzones[parts[2]] = True
    return None


def _service_settings_errors(mesh: dict[str, Any]) -> list[str]:
    errors = []
    for index, settings in enumerate(_get(mesh, "service_settings") or []):
        hosts = _get(settings, "hosts") if isinstance(settings, dict) else None
        for host in hosts or []:
            host = host or ""
            if (error := _wildcard_domain_error(host)) is not None:
                errors.append(f"serviceSettings[{index}], host `{host}`: {error}")
    return errors


def _trust_domain_errors(mesh: dict[str, Any]) -> list[str]:
    errors = []
    domain = _get(mesh, "trust_domain")
    domain = "cluster.local" if domain is None else domain
    if (error := _trust_domain_error(domain)) is not None:
        errors.append(f"trustDomain: {error}")
    aliases = sorted({alias or "" for alias in _get(mesh, "trust_domain_aliases") or []})
    for index, alias in enumerate(aliases):
        if (error := _trust_domain_error(alias)) is not None:
            errors.append(f"trustDomainAliases[{index}], domain `{alias}` : {error}")
    return errors


def _trust_domain_error(domain: str) -> str | None:
    """`ValidateTrustDomain`."""
    if not domain:
        return "empty domain name not allowed"
    parts = domain.split(".")
    for index, label in enumerate(parts):
        if index == len(parts) - 1 and label == "":
            return None
        if not _is_dns_label(label):
            return f"trust domain name {quote(domain)} invalid"
    return None


def _is_dns_label(label: str) -> bool:
    """istio pkg/config/labels `IsDNS1123Label` (upper case allowed)."""
    return len(label) <= 63 and _DNS_LABEL.fullmatch(label) is not None


def _preconditions_error(name: str) -> str | None:
    if len(name) > 255:
        return f"domain name {quote(name)} too long (max 255)"
    if not name:
        return "empty domain name not allowed"
    return None


def _labels_error(domain: str) -> str | None:
    """`ValidateDNS1123Labels`."""
    parts = domain.split(".")
    if atoi_error(parts[-1]) is None:
        return (
            f"domain name {quote(domain)} invalid "
            f"(top level domain {quote(parts[-1])} cannot be all-numeric)"
        )
    for index, label in enumerate(parts):
        if index == len(parts) - 1 and label == "":
            return None
        if not _is_dns_label(label):
            return f"domain name {quote(domain)} invalid (label {quote(label)} invalid)"
    return None


def _fqdn_error(name: str) -> str | None:
    return _preconditions_error(name) or _labels_error(name)


def _wildcard_domain_error(domain: str) -> str | None:
    """`ValidateWildcardDomain`: a wildcard allowed in the first label only."""
    if (error := _preconditions_error(domain)) is not None:
        return error
    first, _, rest = domain.partition(".")
    if len(first) > 63 or _WILDCARD_LABEL.fullmatch(first) is None:
        return f"domain name {quote(domain)} invalid (label {quote(first)} invalid)"
    return _labels_error(rest) if "." in domain else None


def _is_ip(host: str) -> bool:
    import ipaddress  # only for a host that is not a domain name

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _split_host_port(address: str) -> tuple[str, str] | str:
    """net.SplitHostPort: (host, port), or its AddrError's text."""

    def refused(why: str) -> str:
        return f"address {address}: {why}" if address else why

    last = address.rfind(":")
    if last < 0:
        return refused("missing port in address")
    start, end_from = 0, 0
    if address.startswith("["):
        close = address.find("]")
        if close < 0:
            return refused("missing ']' in address")
        if close + 1 == len(address):
            return refused("missing port in address")
        if close + 1 != last:
            if address[close + 1] == ":":
                return refused("too many colons in address")
            return refused("missing port in address")
        host, start, end_from = address[1:close], 1, close + 1
    else:
        host = address[:last]
        if ":" in host:
            return refused("too many colons in address")
    if "[" in address[start:]:
        return refused("unexpected '[' in address")
    if "]" in address[end_from:]:
        return refused("unexpected ']' in address")
    return host, address[last + 1 :]
