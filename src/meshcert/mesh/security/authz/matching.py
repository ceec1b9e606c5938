"""How one AuthorizationPolicy clause, rule and policy match a request or a connection.

Each key matches as the Envoy matcher Istio generates for it (pilot/pkg/security/authz/model
generator.go, pilot/pkg/security/authz/matcher):

- plain string values (`StringMatcher`): `*` = any non-empty value (regex `.+`), `abc*` =
  prefix, `*abc` = suffix, otherwise exact; headers and hosts use the header form, where `*`
  means present; hosts compare case-insensitively with the whole `:authority` as sent (a port
  is not stripped: `example.com` does not match `example.com:8000`, use `example.com:*`);
- `principals` / `source.principal`: the peer's SPIFFE ID without `spiffe://`, only on an mTLS
  connection; `namespaces` / `source.namespace`: regex `.*/ns/<value>/.*` over that ID;
  `serviceAccounts`: `ns/sa` (or `sa` in the policy's namespace) as regex
  `spiffe://.+/ns/NS/(.+/|)sa/SA(/.+)?`;
- `requestPrincipals` / `request.auth.principal`: `iss/sub` of the verified JWT, the issuer and
  subject matched separately at the last `/`; `request.auth.claims[a][b]`, `audiences` (aud),
  `presenter` (azp): a string claim, or any element of a list claim;
- `ipBlocks` / `source.ip`: the connection's peer address; `remoteIpBlocks` / `remote.ip`: the
  original client from X-Forwarded-For (see `remote_ip`); `destination.ip`: the workload's
  address; single addresses or CIDR ranges;
- `ports` / `destination.port`: the workload port the connection arrived on;
- `paths`: the normalized path without the query (`{*}` one segment, `{**}` any number of
  segments, Envoy's uri_template); `methods`: exact, case-sensitive.

On TCP (model.go checkError): a rule of an ALLOW policy that uses an HTTP-only key matches
nothing (less is allowed); in DENY and AUDIT policies the HTTP-only clauses are dropped, so
the rule matches more (more is denied). Keys the lab does not model (`connection.sni`,
`experimental.envoy.filters.*`) are treated the same way on HTTP and TCP, never as a match the
real proxy might not make; the validation webhook warns about them.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from meshcert.mesh.exchanges import HttpRequest

from .policies import Clause, Policy, Rule

SPIFFE = "spiffe://"
HTTP_ONLY = frozenset({"host", "method", "path", "request.auth.principal"})
HTTP_ONLY_PREFIXES = ("request.",)  # headers, auth, experimental.inline.headers
UNMODELLED = ("connection.sni", "experimental.envoy.filters.")
TCP_KEYS = frozenset(
    {
        "source.principal",
        "source.namespace",
        "source.serviceAccount",
        "source.ip",
        "remote.ip",
        "destination.ip",
        "destination.port",
    }
)


@dataclass(frozen=True)
class Attributes:
    """What the proxy knows when it decides. `principal` is the peer's SPIFFE ID without the
    scheme ("" without mTLS); `request` is None on TCP; `jwt_principal` and `claims` come from
    RequestAuthentication ("" and {} without a verified token)."""

    source_ip: str
    remote_ip: str
    destination_ip: str
    destination_port: int
    principal: str = ""
    request: HttpRequest | None = None
    path: str = ""
    jwt_principal: str = ""
    claims: Mapping[str, Any] = field(default_factory=dict)
    trust_domains: tuple[str, ...] = ("cluster.local",)
    ztunnel: bool = False


class Unusable(Exception):
    """The clause cannot be built for this traffic (an HTTP-only key on TCP, or a key the
    lab does not model): Istio's generator error."""


ZTUNNEL_KEYS = frozenset(
    {
        "source.principal",
        "source.namespace",
        "source.serviceAccount",
        "source.ip",
        "destination.ip",
        "destination.port",
    }
)


def unusable(key: str, tcp: bool, ztunnel: bool = False) -> bool:
    """Whether a clause on `key` cannot be built: HTTP-only keys on TCP; at ztunnel every key
    but the L4 ones (pilot/pkg/serviceregistry/kube/controller/ambient/authorization.go:
    hosts, methods, paths, remoteIpBlocks, requestPrincipals and non-L4 `when` keys)."""
    if ztunnel:
        return key not in ZTUNNEL_KEYS
    if key.startswith(UNMODELLED) or key == "connection.sni":
        return True
    if not tcp:
        return False
    return key in HTTP_ONLY or key.startswith(HTTP_ONLY_PREFIXES)


# value matchers ---------------------------------------------------------------------------


def string_match(pattern: str, value: str | None, *, ignore_case: bool = False) -> bool:
    """Istio's StringMatcher: `*` any non-empty, `abc*` prefix, `*abc` suffix, else exact."""
    if value is None:
        return False
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    if pattern == "*":
        return value != ""
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    return value == pattern


def header_match(pattern: str, value: str | None, *, ignore_case: bool = False) -> bool:
    """Istio's HeaderMatcher: `*` = the header is present, else a StringMatcher."""
    if pattern == "*":
        return value is not None
    return string_match(pattern, value, ignore_case=ignore_case)


@functools.lru_cache(maxsize=4096)
def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def ip_match(block: str, address: str) -> bool:
    net, addr = _network(block), _address(address)
    return net is not None and addr is not None and addr in net


@functools.lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _principal_uri(attrs: Attributes) -> str | None:
    return SPIFFE + attrs.principal if attrs.principal else None


def principal_match(value: str, attrs: Attributes) -> bool:
    """`principals`: StringMatcherWithPrefix(value, "spiffe://") over the peer's URI SAN.
    A principal whose trust domain is the mesh's, an alias or `cluster.local` stands for the
    trust domain and every alias (pilot/pkg/security/trustdomain ReplaceTrustDomainAliases;
    istio.io docs/tasks/security/authorization/authz-td-migration)."""
    uri = _principal_uri(attrs)
    if uri is None:
        return False
    if value == "*":
        return True
    candidates = [value]
    td, sep, rest = value.partition("/")
    if sep and (td in attrs.trust_domains or td == "cluster.local"):
        candidates = [f"{alias}/{rest}" for alias in attrs.trust_domains]
    return any(string_match(SPIFFE + c if not c.startswith("*") else c, uri) for c in candidates)


def namespace_match(value: str, attrs: Attributes) -> bool:
    uri = _principal_uri(attrs)
    if uri is None:
        return False
    body = value.replace("*", ".*")
    return _regex(f".*/ns/{body}/.*").fullmatch(uri) is not None


def service_account_match(value: str, attrs: Attributes, policy_namespace: str) -> bool:
    uri = _principal_uri(attrs)
    if uri is None:
        return False
    ns, sep, sa = value.partition("/")
    if not sep:
        ns, sa = policy_namespace, value
    pattern = f"spiffe://.+/ns/{re.escape(ns)}/(.+/|)sa/{re.escape(sa)}(/.+)?"
    return _regex(pattern).fullmatch(uri) is not None


def request_principal_match(value: str, attrs: Attributes) -> bool:
    """generator.go requestPrincipalGenerator: issuer and subject matched separately."""
    if not attrs.jwt_principal:
        return False
    iss = str(attrs.claims.get("iss", "")) if attrs.claims else ""
    sub = str(attrs.claims.get("sub", "")) if attrs.claims else ""
    if not iss and not sub:
        iss, _, sub = attrs.jwt_principal.rpartition("/")
    if value == "*":
        return bool(iss) and bool(sub)
    cut = value.rfind("/")
    v_iss, v_sub = (value[:cut], value[cut + 1 :]) if cut >= 0 else (value, "")
    if value.startswith("*"):
        if cut >= 0:
            ok_iss = bool(iss) if v_iss == "*" else iss.endswith(v_iss[1:])
            return ok_iss and sub == v_sub
        return bool(iss) and sub.endswith(value[1:])
    if value.endswith("*"):
        if cut >= 0:
            ok_sub = bool(sub) if v_sub == "*" else sub.startswith(v_sub[:-1])
            return iss == v_iss and ok_sub
        return iss.startswith(value[:-1]) and bool(sub)
    return iss == v_iss and sub == v_sub


def claim_values(claims: Mapping[str, Any], path: list[str]) -> list[str] | None:
    """The string values of a (nested) claim: a string, or the strings of a list."""
    current: Any = claims
    for part in path:
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    if isinstance(current, str):
        return [current]
    if isinstance(current, bool):
        return ["true" if current else "false"]
    if isinstance(current, (int, float)):
        return [str(current)]
    if isinstance(current, list):
        return [str(v) for v in current if isinstance(v, str)]
    return None


def bracket_names(key: str, prefix: str) -> list[str]:
    """`request.auth.claims[a][b]` -> ["a", "b"]."""
    rest = key[len(prefix) :]
    return re.findall(r"\[([^\]]*)\]", rest)


def path_template_match(template: str, path: str) -> bool:
    """Envoy's uri_template as Istio generates it for `{*}` and `{**}` (Istio 1.22+)."""
    regex = _template_regex(template)
    return regex.fullmatch(path) is not None


@functools.lru_cache(maxsize=1024)
def _template_regex(template: str) -> re.Pattern[str]:
    segment = r"[a-zA-Z0-9\-._~%!$&'()+,;:@=]"
    out = []
    for part in re.split(r"(\{\*\*\}|\{\*\})", template):
        if part == "{**}":
            out.append(f"(?:{segment}|/)*")
        elif part == "{*}":
            out.append(f"{segment}+")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def path_match(value: str, path: str) -> bool:
    if "{*}" in value or "{**}" in value:
        return path_template_match(value, path)
    return string_match(value, path)


# clause, rule, policy -----------------------------------------------------------------------


def value_match(key: str, value: str, attrs: Attributes, policy: Policy) -> bool:
    request = attrs.request
    if key == "source.principal":
        return principal_match(value, attrs)
    if key == "source.namespace":
        return namespace_match(value, attrs)
    if key == "source.serviceAccount":
        return service_account_match(value, attrs, policy.namespace)
    if key == "source.ip":
        return ip_match(value, attrs.source_ip)
    if key == "remote.ip":
        return ip_match(value, attrs.remote_ip)
    if key == "destination.ip":
        return ip_match(value, attrs.destination_ip)
    if key == "destination.port":
        return value.isdigit() and int(value) == attrs.destination_port
    if key == "request.auth.principal":
        return request_principal_match(value, attrs)
    if request is None:
        return False
    if key == "host":
        return header_match(value, request.authority, ignore_case=True)
    if key == "method":
        return header_match(value, request.method)
    if key == "path":
        return path_match(value, attrs.path)
    if key.startswith(("request.headers", "request.experimental.inline.headers")):
        names = bracket_names(key, key.split("[", 1)[0])
        if len(names) != 1:
            return False
        found = [v for n, v in request.headers if n == names[0].lower()]
        return header_match(value, ",".join(found) if found else None)
    if key.startswith("request.auth.claims"):
        got = claim_values(attrs.claims, bracket_names(key, "request.auth.claims"))
        return got is not None and any(string_match(value, v) for v in got)
    if key == "request.auth.audiences":
        got = claim_values(attrs.claims, ["aud"])
        return got is not None and any(string_match(value, v) for v in got)
    if key == "request.auth.presenter":
        got = claim_values(attrs.claims, ["azp"])
        return got is not None and any(string_match(value, v) for v in got)
    return False


Predicate = Callable[[Attributes], bool]


def _value_predicate(key: str, value: str, policy: Policy) -> Predicate:
    """`value_match` for one key and value, with the common keys prepared once."""
    if key == "method" and "*" not in value:
        return lambda a: a.request is not None and a.request.method == value
    if key == "destination.port":
        port = int(value) if value.isdigit() else -1
        return lambda a: a.destination_port == port
    if key == "path" and "{" not in value and value != "*":
        if value.endswith("*"):
            head = value[:-1]
            return lambda a: a.request is not None and a.path.startswith(head)
        if not value.startswith("*"):
            return lambda a: a.request is not None and a.path == value
    if key == "source.namespace" and "*" not in value:
        marker = f"/ns/{value}/"
        return lambda a: bool(a.principal) and marker in "/" + a.principal
    if key == "source.principal" and "*" not in value:
        exact = value
        td, _, rest = value.partition("/")

        def principal(a: Attributes) -> bool:
            if not a.principal:
                return False
            if a.principal == exact:
                return True
            if td in a.trust_domains or td == "cluster.local":
                got_td, _, got_rest = a.principal.partition("/")
                return got_rest == rest and got_td in a.trust_domains
            return False

        return principal
    if key.startswith(("request.headers[", "request.experimental.inline.headers[")):
        names = bracket_names(key, key.split("[", 1)[0])
        if len(names) != 1:
            return lambda a: False
        header = names[0].lower()

        def header_value(a: Attributes) -> bool:
            if a.request is None:
                return False
            found = [v for n, v in a.request.headers if n == header]
            return header_match(value, ",".join(found) if found else None)

        return header_value
    if key in ("source.ip", "remote.ip", "destination.ip"):
        net = _network(value)
        field_name = {"source.ip": "source_ip", "remote.ip": "remote_ip",
                      "destination.ip": "destination_ip"}[key]  # fmt: skip

        def ip(a: Attributes) -> bool:
            addr = _address(getattr(a, field_name))
            return net is not None and addr is not None and addr in net

        return ip
    return lambda a: value_match(key, value, a, policy)


def _any_of(key: str, values: tuple[str, ...], policy: Policy) -> Predicate:
    """Whether any of `values` matches, as one predicate (set lookups for exact methods,
    ports and paths; prefix tuples for paths)."""
    if key == "method" and not any("*" in v for v in values):
        methods = frozenset(values)
        return lambda a: a.request is not None and a.request.method in methods
    if key == "destination.port":
        ports = frozenset(int(v) for v in values if v.isdigit())
        return lambda a: a.destination_port in ports
    if key == "path" and not any("{" in v or v.startswith("*") for v in values):
        exact = frozenset(v for v in values if not v.endswith("*"))
        prefixes = tuple(v[:-1] for v in values if v.endswith("*"))

        def path(a: Attributes) -> bool:
            return a.request is not None and (a.path in exact or a.path.startswith(prefixes))

        return path
    found = tuple(_value_predicate(key, v, policy) for v in values)
    if len(found) == 1:
        return found[0]

    def any_value(a: Attributes) -> bool:
        for predicate in found:  # noqa: SIM110 (a loop is cheaper than any() here)
            if predicate(a):
                return True
        return False

    return any_value


def _clause_predicate(clause: Clause, policy: Policy) -> Predicate:
    positive = _any_of(clause.key, clause.values, policy) if clause.values else None
    negative = _any_of(clause.key, clause.not_values, policy) if clause.not_values else None
    if negative is None:
        assert positive is not None
        return positive
    if positive is None:
        return lambda a: not negative(a)
    return lambda a: positive(a) and not negative(a)


@dataclass(frozen=True)
class Plan:
    """One rule prepared for HTTP or for TCP: `matches(attributes)`, built from the rule's
    predicates (cheap `to` first); never true when an ALLOW rule uses a key that cannot be
    built for this traffic."""

    matches: Predicate


def _never(a: Attributes) -> bool:
    return False


def _all_of(predicates: tuple[Predicate, ...]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:  # the common rule shapes, without a loop's overhead
        first, second = predicates
        return lambda a: first(a) and second(a)
    if len(predicates) == 3:
        first, second, third = predicates
        return lambda a: first(a) and second(a) and third(a)

    def every(a: Attributes) -> bool:
        for predicate in predicates:  # noqa: SIM110 (a loop is cheaper than all() here)
            if not predicate(a):
                return False
        return True

    return every


def _any_entry(entries: tuple[tuple[Predicate, ...], ...]) -> Predicate | None:
    """Any `from` (or `to`) entry whose predicates all hold; None when one entry is empty
    (it matches everything)."""
    if any(not entry for entry in entries):
        return None
    alternatives = tuple(_all_of(entry) for entry in entries)
    if len(alternatives) == 1:
        return alternatives[0]

    def any_of(a: Attributes) -> bool:
        for alternative in alternatives:  # noqa: SIM110 (a loop is cheaper than any() here)
            if alternative(a):
                return True
        return False

    return any_of


def plan(rule: Rule, policy: Policy, tcp: bool, ztunnel: bool = False) -> Plan:
    """Istio's generation of one rule for HTTP or TCP (model.go Generate / checkError), or
    for an ambient workload's ztunnel (ambient/authorization.go handleRule)."""
    lenient = policy.action != "ALLOW"  # DENY, AUDIT, CUSTOM drop what they cannot build

    def usable(clauses: tuple[Clause, ...]) -> tuple[Predicate, ...] | None:
        kept = []
        for clause in clauses:
            if unusable(clause.key, tcp, ztunnel):
                if not lenient:
                    return None
                continue
            kept.append(_clause_predicate(clause, policy))
        return tuple(kept)

    conditions = usable(rule.conditions)
    sources = [usable(s) for s in rule.sources]
    operations = [usable(o) for o in rule.operations]
    if conditions is None or None in sources or None in operations:
        return Plan(_never)
    checks = list(conditions)
    for entries in (operations, sources):
        found = _any_entry(tuple(e or () for e in entries))
        if found is not None:
            checks.append(found)
    return Plan(_all_of(tuple(checks)) if checks else (lambda a: True))


@dataclass(frozen=True)
class Prepared:
    """A policy with its rules prepared for HTTP, for TCP and for ztunnel."""

    policy: Policy
    http: tuple[Plan, ...]
    tcp: tuple[Plan, ...]
    ztunnel: tuple[Plan, ...] = ()

    def first_match(self, a: Attributes) -> int | None:
        plans = self.ztunnel if a.ztunnel else self.http if a.request is not None else self.tcp
        for index, prepared in enumerate(plans):
            if prepared.matches(a):
                return index
        return None


def prepare(policy: Policy) -> Prepared:
    rules = policy.rules
    return Prepared(policy, tuple(plan(r, policy, False) for r in rules),
                    tuple(plan(r, policy, True) for r in rules),
                    tuple(plan(r, policy, True, ztunnel=True) for r in rules))  # fmt: skip


def clause_match(clause: Clause, attrs: Attributes, policy: Policy) -> bool:
    return _clause_predicate(clause, policy)(attrs)


def rule_match(rule: Rule, attrs: Attributes, policy: Policy) -> bool:
    """Whether `rule` of `policy` matches: any `from` entry, any `to` entry and every `when`
    condition, with Istio's TCP and unmodelled-key handling (module docstring)."""
    return plan(rule, policy, attrs.request is None).matches(attrs)


def first_match(policy: Policy, attrs: Attributes) -> int | None:
    """The index of the first rule of `policy` that matches, or None (no rules: None)."""
    return prepare(policy).first_match(attrs)


__all__ = [
    "TCP_KEYS",
    "Attributes",
    "Plan",
    "Prepared",
    "claim_values",
    "clause_match",
    "first_match",
    "header_match",
    "ip_match",
    "path_match",
    "prepare",
    "rule_match",
    "string_match",
    "unusable",
]
