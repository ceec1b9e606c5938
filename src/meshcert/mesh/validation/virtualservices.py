"""Istio's webhook validation of VirtualServices.

Source: pkg/config/validation/validation.go (ValidateVirtualService, validateHTTPRouteDestinations,
validateRouteDestinations, validateHTTPFaultInjection, validateDestination, validateHTTPRetry,
validateHTTPRedirect, validateHTTPDirectResponse, validateHTTPMirrors, validateHTTPRewrite,
validateTLSRoute, validateTCPRoute) and pkg/config/validation/virtualservice.go
(validateHTTPRoute, validateHTTPRouteConflict, validateHTTPRouteMatchRequest). Warnings
(unreachable rules, deprecated fields) do not deny and are not reported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from .. import hosts
from .common import (
    is_dns1123_label,
    is_ip,
    validate_duration,
    validate_export_to,
    validate_gateway_names,
    validate_ip_subnet,
    validate_labels,
    validate_percentage,
    validate_port,
    validate_string_match,
    validate_string_match_regexp,
    validate_string_regexp,
    validate_wildcard_domain,
)
from .errors import Errors, go_quote

RETRY_ON = frozenset(
    {"5xx", "gateway-error", "reset", "connect-failure", "retriable-4xx", "refused-stream",
     "retriable-status-codes", "cancelled", "deadline-exceeded", "internal",
     "resource-exhausted", "unavailable"}
)  # fmt: skip
GRPC_STATUS = frozenset(
    {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
     "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
     "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
     "UNAUTHENTICATED"}
)  # fmt: skip


def _header_name(name: str) -> str | None:
    return "header name cannot be empty" if not name else None


def _operation_name(name: str, authority_ok: bool) -> str | None:
    if not name:
        return "header name cannot be empty"
    lowered = name.lower()
    if authority_ok and lowered in (":authority", "host"):
        return None
    if lowered.startswith(":") or lowered == "host":
        return f"invalid header {go_quote(name)}: header cannot be manipulated"
    return None


def _headers(headers: Any) -> Errors:
    errs = Errors()
    if not isinstance(headers, Mapping):
        return errs
    request = headers.get("request") or {}
    response = headers.get("response") or {}
    for key in ("add", "set"):
        for name in request.get(key) or {}:
            errs.add(_operation_name(str(name), True))
        for name in response.get(key) or {}:
            errs.add(_operation_name(str(name), False))
    for name in request.get("remove") or []:
        errs.add(_operation_name(str(name), False))
    for name in response.get("remove") or []:
        errs.add(_operation_name(str(name), False))
    return errs


def validate_destination(dest: Any) -> Errors:
    errs = Errors()
    if not isinstance(dest, Mapping):
        return errs
    host = str(dest.get("host") or "")
    if host == "*":
        errs.add(f"invalid destination host {host}")
    else:
        errs.add(validate_wildcard_domain(host))
    subset = dest.get("subset")
    if subset and not is_dns1123_label(str(subset)):
        errs.add(f"subset name is invalid: {subset}")
    port = dest.get("port")
    if isinstance(port, Mapping):
        errs.add(validate_port(port.get("number", 0)))
    return errs


def _weights(items: Any, http: bool) -> Errors:
    errs = Errors()
    total = 0
    items = items or []
    for item in items:
        if item is None:
            errs.multi_add("weight may not be nil")
            continue
        if not isinstance(item.get("destination"), Mapping):
            errs.multi_add("destination is required")
        if http:
            errs.add(_headers(item.get("headers")))
        errs.add(validate_destination(item.get("destination")))
        weight = item.get("weight", 0) or 0
        if isinstance(weight, int) and weight < 0:
            errs.add(f"weight {weight} < 0")
        total += weight if isinstance(weight, int) else 0
    if len(items) > 1 and total == 0:
        errs.add("total destination weight = 0")
    return errs


def _fault(fault: Any) -> Errors:
    errs = Errors()
    if not isinstance(fault, Mapping):
        return errs
    abort, delay = fault.get("abort"), fault.get("delay")
    if abort is None and delay is None:
        errs.multi_add("HTTP fault injection must have an abort and/or a delay")
    if isinstance(abort, Mapping):
        errs.add(validate_percentage(abort.get("percentage")))
        if "grpcStatus" in abort:
            status = str(abort["grpcStatus"])
            if status not in GRPC_STATUS:
                errs.add(
                    f"gRPC status {go_quote(status)} is not supported. See "
                    "https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of "
                    "supported codes, for example 'NOT_FOUND'"
                )
        elif "http2Error" in abort:
            errs.add("HTTP/2 abort fault injection not supported yet")
        elif "httpStatus" in abort:
            errs.add(_http_status(abort["httpStatus"]))
    if isinstance(delay, Mapping):
        errs.add(validate_percentage(delay.get("percentage")))
        if "fixedDelay" in delay:
            errs.add(validate_duration(delay["fixedDelay"]))
        elif "exponentialDelay" in delay:
            errs.add(validate_duration(delay["exponentialDelay"]))
            errs.multi_add("exponentialDelay not supported yet")
    return errs


def _http_status(status: Any) -> str | None:
    if not isinstance(status, int) or status < 200 or status > 600:
        return f"HTTP status {status} is not in range 200-599"
    return None


def _retry(retries: Any) -> Errors:
    errs = Errors()
    if not isinstance(retries, Mapping):
        return errs
    attempts = retries.get("attempts", 0) or 0
    if isinstance(attempts, int) and attempts < 0:
        errs.multi_add("attempts cannot be negative")
    if attempts == 0 and (
        "perTryTimeout" in retries or retries.get("retryOn") or "retryRemoteLocalities" in retries
    ):
        errs.add("http retry policy configured when attempts are set to 0 (disabled)")
    if "perTryTimeout" in retries:
        errs.add(validate_duration(retries["perTryTimeout"]))
    if retries.get("retryOn"):
        for policy in str(retries["retryOn"]).split(","):
            known_status = policy.isdigit() and _is_status(int(policy))
            if not known_status and policy not in RETRY_ON:
                errs.add(f"{go_quote(policy)} is not a valid retryOn policy")
    if "backoff" in retries:
        errs.add(validate_duration(retries["backoff"]))
    return errs


def _is_status(code: int) -> bool:
    try:
        HTTPStatus(code)
    except ValueError:
        return False
    return True


def _redirect(redirect: Any) -> str | None:
    if not isinstance(redirect, Mapping):
        return None
    if not (
        redirect.get("uri")
        or redirect.get("authority")
        or "port" in redirect
        or "derivePort" in redirect
        or redirect.get("scheme")
    ):
        return "redirect must specify URI, authority, scheme, or port"
    code = redirect.get("redirectCode", 0) or 0
    if code and not 300 <= code <= 399:
        return f"{code} is not a valid redirect code, must be 3xx"
    scheme = redirect.get("scheme")
    if scheme and scheme not in ("http", "https"):
        return 'invalid redirect scheme, must be "http" or "https"'
    port = redirect.get("port", 0) or 0
    if port:
        return validate_port(port)
    return None


def _direct_response(direct: Any) -> Errors:
    errs = Errors()
    if not isinstance(direct, Mapping):
        return errs
    body = direct.get("body") or {}
    size = len(str(body.get("string") or body.get("bytes") or "")) if isinstance(body, dict) else 0
    if size > 1024 * 1024:
        errs.add(
            "large direct_responses may impact control plane performance, must be less than 1MB"
        )
    errs.add(_http_status(direct.get("status", 0)))
    return errs


def _mirrors(mirrors: Any) -> Errors:
    errs = Errors()
    for mirror in mirrors or []:
        if mirror is None:
            errs.add("mirror cannot be null")
            continue
        if not isinstance(mirror.get("destination"), Mapping):
            errs.add("destination is required for mirrors")
            continue
        errs.add(validate_destination(mirror["destination"]))
        pct = (mirror.get("percentage") or {}).get("value")
        if isinstance(pct, int | float):
            if pct > 100:
                errs.add(f"mirror percentage must have a max value of 100 (it has {pct:f})")
            if pct < 0:
                errs.add(f"mirror percentage must have a min value of 0 (it has {pct:f})")
    return errs


def _rewrite(rewrite: Any) -> str | None:
    if not isinstance(rewrite, Mapping):
        return None
    regex = rewrite.get("uriRegexRewrite")
    if rewrite.get("uri") and regex is not None:
        return "rewrite may only contain one of URI or UriRegexRewrite"
    if not rewrite.get("uri") and regex is None and not rewrite.get("authority"):
        return (
            "rewrite must specify at least one of URI, UriRegexRewrite, or authority. "
            "Only one of URI or UriRegexRewrite may be specified"
        )
    if isinstance(regex, Mapping):
        if not regex.get("match") or not regex.get("rewrite"):
            problem: str | None = (
                "UriRegexRewrite requires both Rewrite and Match fields to be specified"
            )
        else:
            problem = validate_string_regexp(
                str(regex["match"]), "HTTPRewrite.UriRegexRewrite.Match"
            )
        if problem:
            return f"UriRegexRewrite has errors\n{problem}"
    return None


def _authority_rewrite(rewrite: Any, headers: Any) -> str | None:
    current = str((rewrite or {}).get("authority") or "") if isinstance(rewrite, Mapping) else ""
    request = (headers or {}).get("request") or {} if isinstance(headers, Mapping) else {}
    for key in ("set", "add"):
        for name, value in (request.get(key) or {}).items():
            if str(name).lower() not in (":authority", "host"):
                continue
            if current:
                return (
                    "authority header cannot be set multiple times: have "
                    f"{go_quote(current)}, attempting to set {go_quote(str(value))}"
                )
            current = str(value)
    return None


def _conflicts(http: Mapping[str, Any], route_type: str) -> Errors:
    errs = Errors()
    name = str(http.get("name") or "")
    if route_type == "root":
        if "redirect" in http:
            errs.add(f"root HTTP route {name} must not specify redirect")
        if "route" in http:
            errs.add(f"root HTTP route {name} must not specify route")
        return errs
    if route_type == "delegate" and "delegate" in http:
        errs.add("delegate HTTP route cannot contain delegate")
    route = http.get("route") or []
    if "redirect" in http:
        if route:
            errs.add("HTTP route cannot contain both route and redirect")
        if "fault" in http:
            errs.add("HTTP route cannot contain both fault and redirect")
        if "rewrite" in http:
            errs.add("HTTP route rule cannot contain both rewrite and redirect")
        if "directResponse" in http:
            errs.add("HTTP route rule cannot contain both direct_response and redirect")
    elif "directResponse" in http:
        if route:
            errs.add("HTTP route cannot contain both route and direct_response")
        if "fault" in http:
            errs.add("HTTP route cannot contain both fault and direct_response")
        if "rewrite" in http:
            errs.add("HTTP route rule cannot contain both rewrite and direct_response")
    elif not route:
        errs.add("HTTP route, redirect or direct_response is required")
    if "mirror" in http and http.get("mirrors"):
        errs.add("HTTP route cannot contain both mirror and mirrors")
    return errs


def _matches(http: Mapping[str, Any]) -> Errors:
    errs = Errors()
    for match in http.get("match") or []:
        if not isinstance(match, Mapping):
            continue
        for name, header in (match.get("headers") or {}).items():
            if header is None:
                errs.add(f"header match {name} cannot be null")
            errs.add(_header_name(str(name)))
            errs.add(validate_string_match(header, "headers"))
        for name, header in (match.get("withoutHeaders") or {}).items():
            errs.add(_header_name(str(name)))
            if isinstance(header, Mapping) and header.get("regex") != "*":
                errs.add(validate_string_match(header, "withoutHeaders"))
        errs.add(validate_string_match_regexp(match.get("uri"), "uri"))
        for key in ("scheme", "method", "authority"):
            errs.add(validate_string_match(match.get(key), key))
        for param in (match.get("queryParams") or {}).values():
            errs.add(validate_string_match(param, "queryParams"))
    for match in http.get("match") or []:
        if not isinstance(match, Mapping):
            continue
        if match.get("port"):
            errs.add(validate_port(match["port"]))
        errs.add(validate_labels(match.get("sourceLabels")))
        errs.add(validate_gateway_names(match.get("gateways")))
        ns = match.get("sourceNamespace")
        if ns and not is_dns1123_label(str(ns)):
            errs.add(f"sourceNamespace match {ns} is invalid")
    return errs


def validate_http_route(http: Mapping[str, Any], delegate: bool) -> Errors:
    route_type = "delegate" if delegate else ("root" if "delegate" in http else "independent")
    errs = Errors().add(_conflicts(http, route_type))
    errs.add(_matches(http))
    errs.add(_headers(http.get("headers")))
    errs.add(_fault(http.get("fault")))
    if "mirrorPercent" in http:
        value = http["mirrorPercent"]
        if isinstance(value, int) and value > 100:
            errs.add(f"mirror_percent must have a max value of 100 (it has {value})")
    if "mirrorPercentage" in http:
        value = (http["mirrorPercentage"] or {}).get("value", 0)
        if isinstance(value, int | float):
            if value > 100:
                errs.add(f"mirror_percentage must have a max value of 100 (it has {value:f})")
            if value < 0:
                errs.add(f"mirror_percentage must have a min value of 0 (it has {value:f})")
    errs.add(validate_destination(http.get("mirror")))
    errs.add(_mirrors(http.get("mirrors")))
    errs.add(_redirect(http.get("redirect")))
    errs.add(_direct_response(http.get("directResponse")))
    errs.add(_retry(http.get("retries")))
    errs.add(_rewrite(http.get("rewrite")))
    errs.add(_authority_rewrite(http.get("rewrite"), http.get("headers")))
    errs.add(_weights(http.get("route"), http=True))
    if "timeout" in http:
        errs.add(validate_duration(http["timeout"]))
    return errs


def _l4_match(match: Any, tls: bool, spec: Mapping[str, Any], gateway: bool) -> Errors:
    errs = Errors()
    if match is None:
        return errs.add("TLS match may not be null" if tls else "tcp match may not be nil")
    if tls:
        sni = match.get("sniHosts") or []
        if not sni:
            errs.add("TLS match must have at least one SNI host")
        for host in sni:
            errs.add(_sni_host(str(host), spec))
    for subnet in match.get("destinationSubnets") or []:
        errs.add(validate_ip_subnet(str(subnet)))
    if match.get("port"):
        errs.add(validate_port(match["port"]))
    errs.add(validate_labels(match.get("sourceLabels")))
    errs.add(validate_gateway_names(match.get("gateways")))
    return errs


def _sni_host(sni: str, spec: Mapping[str, Any]) -> str | None:
    problem = validate_wildcard_domain(sni)
    if problem:
        return None if is_ip(sni) else problem
    vs_hosts = [str(h) for h in spec.get("hosts") or []]
    if any(hosts.matches(h, sni) for h in vs_hosts):
        return None
    return (
        f"SNI host {go_quote(sni)} is not a compatible subset of any of the virtual service "
        f"hosts: [{', '.join(vs_hosts)}]"
    )


def validate_virtual_service(namespace: str, spec: Mapping[str, Any]) -> Errors:
    """The errors Istio's webhook reports for a VirtualService spec."""
    errs = Errors()
    vs_hosts = [str(h) for h in spec.get("hosts") or []]
    gateways = [str(g) for g in spec.get("gateways") or []]
    if not vs_hosts:
        if gateways:
            errs.add("delegate virtual service must have no gateways specified")
        if spec.get("tls"):
            errs.add("delegate virtual service must have no tls route specified")
        if spec.get("tcp"):
            errs.add("delegate virtual service must have no tcp route specified")
    applies_to_gateway = bool(gateways) and "mesh" not in gateways
    applies_to_mesh = not gateways or not applies_to_gateway
    if gateways:
        errs.add(validate_gateway_names(gateways))
    if not applies_to_gateway:
        for http in spec.get("http") or []:
            for match in (http or {}).get("match") or []:
                for section in ("headers", "withoutHeaders"):
                    for key in (match or {}).get(section) or {}:
                        if str(key).startswith("@request.auth.claims"):
                            errs.add(
                                f"JWT claim based routing (key: {key}) is only supported for "
                                f"gateway, found no gateways: [{' '.join(gateways)}]"
                            )
    all_valid = True
    for host in vs_hosts:
        problem = validate_wildcard_domain(host)
        if problem:
            if not is_ip(host):
                errs.add(problem)
                all_valid = False
        elif applies_to_mesh and host == "*":
            errs.add(
                "wildcard host * is not allowed for virtual services bound to the mesh gateway"
            )
            all_valid = False
    if all_valid:
        for i, a in enumerate(vs_hosts):
            for b in vs_hosts[i + 1 :]:
                if hosts.intersect(a, b):
                    errs.add(f"duplicate hosts in virtual service: {a} & {b}")
    if not (spec.get("http") or spec.get("tcp") or spec.get("tls")):
        errs.add("http, tcp or tls must be provided in virtual service")
    for http in spec.get("http") or []:
        if http is None:
            errs.add("http route may not be null")
            continue
        errs.add(validate_http_route(http, delegate=not vs_hosts))
    for tls in spec.get("tls") or []:
        if tls is None:
            continue
        if not tls.get("match"):
            errs.add("TLS route must have at least one match condition")
        for match in tls.get("match") or []:
            errs.add(_l4_match(match, True, spec, applies_to_gateway))
        if not tls.get("route"):
            errs.add("TLS route is required")
        errs.add(_weights(tls.get("route"), http=False))
    for tcp in spec.get("tcp") or []:
        if tcp is None:
            continue
        for match in tcp.get("match") or []:
            errs.add(_l4_match(match, False, spec, applies_to_gateway))
        if not tcp.get("route"):
            errs.add("TCP route is required")
        errs.add(_weights(tcp.get("route"), http=False))
    errs.add(validate_export_to(namespace, spec.get("exportTo")))
    return errs


__all__ = ["validate_destination", "validate_http_route", "validate_virtual_service"]
