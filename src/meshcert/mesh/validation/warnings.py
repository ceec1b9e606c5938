"""Warnings Istio's validation webhook gives while it allows a VirtualService.

Source: pkg/config/validation/validation.go (ValidateVirtualService reports unreachable HTTP
rules through analyzeUnreachableHTTPRules as warnings: "virtualService rule %v not used
(%s)"); kubectl prints each as `Warning: virtualService rule #1 not used (only the last rule
can have no matches)`. A rule is named by its `name` in quotes, else `#<index from 0>`.
Matches that repeat an earlier one, or whose URI prefix an earlier prefix match covers, are
reported as "virtualService rule %v match %v is not used (duplicate/overlapping match in rule
%v)" (VirtualServiceIneffectiveMatch; the overlap check is coveredValidation's, istio/istio
pull 32701).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def _rule_name(rule: Mapping[str, Any], index: int) -> str:
    name = rule.get("name")
    return json.dumps(name) if isinstance(name, str) and name else f"#{index}"


def _as_json(match: Mapping[str, Any]) -> str:
    """A match's identity for duplicate detection: everything but its name."""
    return json.dumps({k: v for k, v in match.items() if k != "name"}, sort_keys=True)


def _exact_or_prefix(value: Any) -> str:
    """assignExactOrPrefix: `exact:V`, `prefix:V`, or "" (regex, absent)."""
    if not isinstance(value, Mapping):
        return ""
    if value.get("exact"):
        return f"exact:{value['exact']}"
    if value.get("prefix"):
        return f"prefix:{value['prefix']}"
    return ""


@dataclass(frozen=True)
class _PrefixMatch:
    """genMatchHTTPRoutes: a match with a URI prefix and the fields the overlap check reads."""

    route: str
    match: str
    prefix: str
    port: int
    method: str
    authority: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    without_headers: Mapping[str, str]

    @classmethod
    def of(cls, route: str, index: int, match: Mapping[str, Any]) -> _PrefixMatch | None:
        uri = match.get("uri")
        prefix = uri.get("prefix") if isinstance(uri, Mapping) else None
        if not isinstance(prefix, str) or not prefix:
            return None
        name = match.get("name")
        port = match.get("port")

        def values(field: str) -> dict[str, str]:
            found = match.get(field)
            items = found.items() if isinstance(found, Mapping) else ()
            return {str(k): _exact_or_prefix(v) for k, v in items}

        return cls(
            route=route,
            match=json.dumps(name) if isinstance(name, str) and name else f"#{index}",
            prefix=prefix,
            port=port if isinstance(port, int) else 0,
            method=_exact_or_prefix(match.get("method")) or "exact:GET",
            authority=_exact_or_prefix(match.get("authority")),
            headers=values("headers"),
            query=values("queryParams"),
            without_headers=values("withoutHeaders"),
        )

    def covers(self, later: _PrefixMatch) -> bool:
        """coveredValidation(self, later): this earlier match takes all of `later`'s requests."""

        def within(mine: str, theirs: str) -> bool:
            return mine == theirs or mine.startswith(theirs)

        def maps_within(mine: Mapping[str, str], theirs: Mapping[str, str]) -> bool:
            return len(mine) == len(theirs) and all(
                k in theirs and within(v, theirs[k]) for k, v in mine.items()
            )

        return (
            later.prefix.startswith(self.prefix)
            and later.port == self.port
            and within(self.method, later.method)
            and within(self.authority, later.authority)
            and maps_within(self.headers, later.headers)
            and maps_within(self.query, later.query)
            and maps_within(self.without_headers, later.without_headers)
        )


def virtual_service_warnings(spec: Mapping[str, Any]) -> list[str]:
    """The unreachable-rule and ineffective-match warnings of one VirtualService spec, in
    Istio's order (analyzeUnreachableHTTPRules, then the TCP and TLS rules)."""
    out: list[str] = []

    def unused(name: str, reason: str) -> None:
        message = f"virtualService rule {name} not used ({reason})"
        if message not in out:  # the apiserver sends each distinct warning once
            out.append(message)

    def ineffective(name: str, match: str, duplicate: str) -> None:
        message = (
            f"virtualService rule {name} match {match} is not used "
            f"(duplicate/overlapping match in rule {duplicate})"
        )
        if message not in out:
            out.append(message)

    _http_rules(spec.get("http") or (), unused, ineffective)
    for kind in ("tcp", "tls"):
        _l4_rules(spec.get(kind) or (), unused, ineffective)
    return out


def _http_rules(rules: Any, unused: Any, ineffective: Any) -> None:
    seen: dict[str, int] = {}
    names: dict[int, str] = {}
    empty_seen = -1
    prefixes: list[_PrefixMatch] = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        name = names[index] = _rule_name(rule, index)
        matches = [m for m in rule.get("match") or () if isinstance(m, Mapping)]
        if not matches:
            if empty_seen >= 0:
                unused(name, "only the last rule can have no matches")
            empty_seen = index
            continue
        duplicates = 0
        for number, match in enumerate(matches):
            if empty_seen >= 0:
                unused(name, "route without matches defined before")
                continue
            key = _as_json(match)
            if key in seen:
                match_name = match.get("name")
                shown = json.dumps(match_name) if isinstance(match_name, str) and match_name \
                    else f"#{number}"  # fmt: skip
                ineffective(name, shown, names[seen[key]])
                duplicates += 1
                continue
            seen[key] = index
            found = _PrefixMatch.of(name, number, match)
            if found is not None:
                prefixes.append(found)
        if duplicates == len(matches):
            unused(name, "all matches used by prior rules")
    for i, earlier in enumerate(prefixes):
        for later in prefixes[i + 1 :]:
            if later.prefix == earlier.prefix or not earlier.covers(later):
                continue
            covering = f"{earlier.match} of prefix {earlier.prefix} on {earlier.route}"
            ineffective(later.route, f"{later.match} of prefix {later.prefix}", covering)


def _l4_rules(rules: Any, unused: Any, ineffective: Any) -> None:
    """analyzeUnreachableTCPRules / TLSRules: TCP and TLS rules have no names."""
    seen: dict[str, int] = {}
    empty_seen = -1
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        matches = [m for m in rule.get("match") or () if isinstance(m, Mapping)]
        if not matches:
            if empty_seen >= 0:
                unused(f"#{index}", "only the last rule can have no matches")
            empty_seen = index
            continue
        duplicates = 0
        for number, match in enumerate(matches):
            if empty_seen >= 0:
                unused(f"#{index}", "route without matches defined before")
                continue
            key = json.dumps(match, sort_keys=True)
            if key in seen:
                ineffective(f"#{index}", f"#{number}", f"#{seen[key]}")
                duplicates += 1
            else:
                seen[key] = index
        if duplicates == len(matches):
            unused(f"#{index}", "all matches used by prior rules")


__all__ = ["virtual_service_warnings"]
