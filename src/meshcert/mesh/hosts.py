"""Host names as Istio reads them: short-name resolution, wildcards and `namespace/host` pairs.

Sources: pilot/pkg/model/config.go (ResolveShortnameToFQDN), pkg/config/host/name.go (Matches,
SubsetOf, wildcard rules) and networking/v1alpha3/sidecar.proto, gateway.proto (`ns/dnsName`).
"""

from __future__ import annotations

from collections.abc import Iterator

DOMAIN_SUFFIX = "cluster.local"


def is_ip(value: str) -> bool:
    """An IPv4 or IPv6 literal (no CIDR)."""
    if ":" in value:
        return all(c in "0123456789abcdefABCDEF:." for c in value) and value.count(":") >= 2
    parts = value.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def resolve(host: str, namespace: str, domain: str = DOMAIN_SUFFIX) -> str:
    """The FQDN Istio makes of a host written in a resource of `namespace`.

    A name without dots becomes `<host>.<namespace>.svc.<domain>`; anything with a dot, `*`,
    a `*.`-wildcard or an IP is kept as written. Always lower-cased. (ResolveShortnameToFQDN)
    """
    host = host.strip().lower()
    if not host or host == "*" or "." in host or is_ip(host):
        return host
    return f"{host}.{namespace}.svc.{domain}"


def resolve_gateway(name: str, namespace: str) -> str:
    """`gw` -> `<namespace>/gw`; `ns/gw` and `mesh` kept. (ResolveShortnameToFQDN's gateway form)"""
    name = name.strip()
    if name == "mesh" or "/" in name:
        return name
    if "." in name:
        # Old form `gw.ns.svc.cluster.local`: the gateway `gw` in namespace `ns`.
        parts = name.split(".")
        return f"{parts[1]}/{parts[0]}"
    return f"{namespace}/{name}"


def is_wildcard(host: str) -> bool:
    return host.startswith("*")


def matches(pattern: str, host: str) -> bool:
    """Whether the concrete-or-wildcard `host` falls under `pattern` (host.Name.SubsetOf).

    `*` covers everything; `*.example.com` covers `a.example.com` and `*.b.example.com` but not
    `example.com`.
    """
    if pattern == host or pattern == "*":
        return True
    if pattern.startswith("*"):
        suffix = pattern[1:]
        if host.startswith("*"):
            return host[1:].endswith(suffix)
        return host.endswith(suffix)
    return False


def intersect(a: str, b: str) -> bool:
    """Whether two host patterns share at least one name (host.Name.Matches)."""
    return matches(a, b) or matches(b, a)


def wildcard_keys(host: str) -> Iterator[str]:
    """The wildcard patterns that could cover a concrete `host`, most specific first:
    `a.b.c` -> `*.b.c`, `*.c`, `*`. Lets indexes find wildcard entries without scanning."""
    rest = host
    while True:
        dot = rest.find(".")
        if dot < 0:
            break
        rest = rest[dot + 1 :]
        yield "*." + rest
    yield "*"


def split_namespaced(value: str, own_namespace: str) -> tuple[str, str]:
    """`ns/host` -> (ns, host) with `.` meaning `own_namespace`; no slash = any namespace `*`.
    (Gateway.servers.hosts, Sidecar.egress.hosts)"""
    if "/" in value:
        ns, _, host = value.partition("/")
        if ns == ".":
            ns = own_namespace
        return ns, host.lower()
    return "*", value.lower()


def strip_port(authority: str) -> str:
    """`host:port` -> `host`, leaving IPv6 literals alone."""
    if authority.startswith("["):
        end = authority.find("]")
        return authority[1:end] if end > 0 else authority
    host, sep, port = authority.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host
    return authority


__all__ = [
    "DOMAIN_SUFFIX",
    "intersect",
    "is_ip",
    "is_wildcard",
    "matches",
    "resolve",
    "resolve_gateway",
    "split_namespaced",
    "strip_port",
    "wildcard_keys",
]
