"""Warnings Istio's validation webhook gives while it allows a VirtualService.

Source: pkg/config/validation/validation.go (ValidateVirtualService reports unreachable HTTP
rules through analyzeUnreachableHTTPRules as warnings: "virtualService rule %v not used
(%s)"); kubectl prints each as `Warning: virtualService rule #1 not used (only the last rule
can have no matches)`. A rule is named by its `name` in quotes, else `#<index from 0>`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def _rule_name(rule: Mapping[str, Any], index: int) -> str:
    name = rule.get("name")
    return json.dumps(name) if isinstance(name, str) and name else f"#{index}"


def virtual_service_warnings(spec: Mapping[str, Any]) -> list[str]:
    """The unreachable-rule warnings of one VirtualService spec, in rule order."""
    out: list[str] = []

    def unused(name: str, reason: str) -> None:
        out.append(f"virtualService rule {name} not used ({reason})")

    catch_all_seen = False
    seen_matches: set[str] = set()
    for index, rule in enumerate(spec.get("http") or ()):
        if not isinstance(rule, Mapping):
            continue
        matches = rule.get("match") or []
        name = _rule_name(rule, index)
        if not matches:
            if catch_all_seen:
                out.append(
                    f"virtualService rule {name} not used (only the last rule can have no matches)"
                )
            catch_all_seen = True
            continue
        if catch_all_seen:
            out.append(
                f"virtualService rule {name} not used (route without matches defined before)"
            )
            continue
        keys = [json.dumps(m, sort_keys=True) for m in matches]
        if all(key in seen_matches for key in keys):
            unused(name, "all matches used by prior rules")
        seen_matches.update(keys)
    return out


__all__ = ["virtual_service_warnings"]
