"""Label selectors (equality- and set-based, string and structured forms) and field selectors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import BadRequest

_OPS_SET = ("in", "notin")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "==", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        if self.op in ("gt", "lt"):
            if not present or value is None:
                return False
            try:
                left, right = int(value), int(self.values[0])
            except ValueError:
                return False
            return left > right if self.op == "gt" else left < right
        raise AssertionError(self.op)


@dataclass(frozen=True)
class LabelSelector:
    """A conjunction of requirements; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


_TOKEN = re.compile(r"\s*(!=|==|=|,|\(|\)|!|[^\s,()=!]+)")


def parse_label_selector(text: str) -> LabelSelector:
    """Parse the string form: `app=x,tier!=web,env in (a,b),!legacy,track`."""
    tokens = [t for t in _TOKEN.findall(text or "") if t.strip()]
    reqs: list[Requirement] = []
    i = 0

    def bad(msg: str) -> BadRequest:
        return BadRequest(f"unable to parse requirement: {msg}")

    while i < len(tokens):
        tok = tokens[i]
        if tok == ",":
            i += 1
            continue
        if tok == "!":
            if i + 1 >= len(tokens):
                raise bad("missing key after '!'")
            reqs.append(Requirement(tokens[i + 1], "!"))
            i += 2
            continue
        key = tok
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ","
        if nxt in ("=", "==", "!="):
            if i + 2 >= len(tokens) or tokens[i + 2] == ",":
                value = ""
                i += 2
            else:
                value = tokens[i + 2]
                i += 3
            reqs.append(Requirement(key, "!=" if nxt == "!=" else "=", (value,)))
            continue
        if nxt.lower() in _OPS_SET:
            if i + 2 >= len(tokens) or tokens[i + 2] != "(":
                raise bad(f"found '{tokens[i + 2] if i + 2 < len(tokens) else ''}', expected: '('")
            j = i + 3
            values: list[str] = []
            while j < len(tokens) and tokens[j] != ")":
                if tokens[j] != ",":
                    values.append(tokens[j])
                j += 1
            if j >= len(tokens):
                raise bad("found '', expected: ')'")
            reqs.append(Requirement(key, nxt.lower(), tuple(values)))
            i = j + 1
            continue
        if nxt in ("gt", "lt"):
            reqs.append(Requirement(key, nxt, (tokens[i + 2],)))
            i += 3
            continue
        if nxt == ",":
            reqs.append(Requirement(key, "exists"))
            i += 1
            continue
        raise bad(f"found '{nxt}', expected: in, notin, =, ==, !=, gt, lt")
    return LabelSelector(tuple(reqs))


def selector_from_dict(sel: Mapping[str, Any] | None) -> LabelSelector:
    """A `metav1.LabelSelector` ({matchLabels, matchExpressions}) as a LabelSelector."""
    if not sel:
        return LabelSelector()
    reqs = [Requirement(k, "=", (str(v),)) for k, v in (sel.get("matchLabels") or {}).items()]
    for expr in sel.get("matchExpressions") or []:
        op = str(expr.get("operator", ""))
        key = str(expr.get("key", ""))
        values = tuple(str(v) for v in expr.get("values") or ())
        mapped = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}.get(op)
        if mapped is None:
            raise BadRequest(f'"{op}" is not a valid label selector operator')
        reqs.append(Requirement(key, mapped, values))
    return LabelSelector(tuple(reqs))


def selector_from_labels(labels: Mapping[str, str] | None) -> LabelSelector:
    """A map selector (`Service.spec.selector`, `matchLabels`)."""
    return LabelSelector(tuple(Requirement(k, "=", (v,)) for k, v in (labels or {}).items()))


@dataclass(frozen=True)
class FieldSelector:
    """Field selectors: `metadata.name=x,status.phase!=Running` over dotted paths."""

    terms: tuple[tuple[str, bool, str], ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        for path, equal, value in self.terms:
            actual = field_value(obj, path)
            if (actual == value) != equal:
                return False
        return True

    @property
    def empty(self) -> bool:
        return not self.terms

    def exact_name(self) -> str | None:
        for path, equal, value in self.terms:
            if path == "metadata.name" and equal:
                return value
        return None


def field_value(obj: Mapping[str, Any], path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def parse_field_selector(text: str) -> FieldSelector:
    terms: list[tuple[str, bool, str]] = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "!=" in part:
            k, _, v = part.partition("!=")
            terms.append((k.strip(), False, v.strip()))
        elif "==" in part:
            k, _, v = part.partition("==")
            terms.append((k.strip(), True, v.strip()))
        elif "=" in part:
            k, _, v = part.partition("=")
            terms.append((k.strip(), True, v.strip()))
        else:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
    return FieldSelector(tuple(terms))


Predicate = Callable[[Mapping[str, Any]], bool]
