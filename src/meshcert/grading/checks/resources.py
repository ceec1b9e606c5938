"""Resource checks: an object exists or is absent, and its fields equal, match or contain
values, addressed by JSONPath.

JSONPath through `jsonpath-ng` (its extended parser, for filters such as
`$.spec.http[0].route[?(@.destination.subset=='v2')].weight`): a maintained library that
reads the dialect task authors know from the JSONPath literature. Without `name`, the check
passes when any object of the kind (in the namespace, matching `selector`) satisfies every
field condition, so a candidate may name their objects freely unless the prompt says a name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext.parser import parse
from pydantic import Field, field_validator, model_validator

from ..client import KubeClient, Obj
from .base import CheckBase, GradeContext, Model, Verdict


@lru_cache(maxsize=1024)
def compiled(path: str) -> JSONPath:
    return parse(path)


def same(a: Any, b: Any) -> bool:
    """Equality as YAML authors mean it: numbers by value (20 == 20.0), booleans not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else False
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return bool(a == b)


def contains(haystack: Any, needle: Any) -> bool:
    """A list holds an equal item; a string a substring; a mapping every key of a mapping."""
    if isinstance(haystack, list):
        return any(same(item, needle) or contains_mapping(item, needle) for item in haystack)
    if isinstance(haystack, str):
        return isinstance(needle, str) and needle in haystack
    return contains_mapping(haystack, needle)


def contains_mapping(haystack: Any, needle: Any) -> bool:
    if not (isinstance(haystack, dict) and isinstance(needle, dict)):
        return False
    for key, value in needle.items():
        if key not in haystack:
            return False
        have = haystack[key]
        if isinstance(value, dict):
            if not contains_mapping(have, value):
                return False
        elif not same(have, value):
            return False
    return True


class FieldCondition(Model):
    """One JSONPath and what its matches must be (exactly one of the predicates)."""

    path: str
    equals: Any = None
    matches: str | None = None
    contains: Any = None
    exists: bool | None = None
    count: int | None = Field(default=None, ge=0)
    quantifier: Literal["all", "any"] = "all"

    @field_validator("path")
    @classmethod
    def _parses(cls, path: str) -> str:
        try:
            compiled(path)
        except (JsonPathParserError, Exception) as exc:
            raise ValueError(f"not a JSONPath: {exc}") from exc
        return path

    @field_validator("matches")
    @classmethod
    def _regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            re.compile(pattern)
        return pattern

    @model_validator(mode="after")
    def _one_predicate(self) -> FieldCondition:
        given = [n for n in ("equals", "matches", "contains", "exists", "count")
                 if n in self.model_fields_set]  # fmt: skip
        if len(given) != 1:
            raise ValueError(f"{self.path}: give exactly one of equals, matches, contains, "
                             f"exists, count (got {', '.join(given) or 'none'})")  # fmt: skip
        return self

    def holds(self, obj: Obj) -> tuple[bool, str]:
        values = [m.value for m in compiled(self.path).find(obj)]
        if "exists" in self.model_fields_set:
            ok = bool(values) == bool(self.exists)
            return ok, f"{self.path} {'is set' if values else 'is not set'}"
        if "count" in self.model_fields_set:
            return len(values) == self.count, f"{self.path} has {len(values)} value(s)"
        if not values:
            return False, f"{self.path} is not set"
        if "equals" in self.model_fields_set:
            results = [same(v, self.equals) for v in values]
        elif "matches" in self.model_fields_set:
            assert self.matches is not None
            results = [re.fullmatch(self.matches, _text(v)) is not None for v in values]
        else:
            results = [contains(v, self.contains) for v in values]
        ok = all(results) if self.quantifier == "all" else any(results)
        if not ok and isinstance(self.contains, dict) and len(values) == 1:
            return ok, f"{self.path}: {_gap(values[0], self.contains)}"
        shown = values[0] if len(values) == 1 else values
        return ok, f"{self.path} is {_brief(shown)}"


def _gap(have: Any, want: dict[str, Any]) -> str:
    """What a mapping lacks of `want`: `istio.io/rev is 'blue', not 'green'; x is not set`."""
    if not isinstance(have, dict):
        return f"is {_brief(have)}, not a mapping"
    gaps = []
    for key, value in want.items():
        if key not in have:
            gaps.append(f"{key} is not set")
        elif not (contains_mapping(have[key], value) if isinstance(value, dict)
                  else same(have[key], value)):  # fmt: skip
            gaps.append(f"{key} is {_brief(have[key])}, not {_brief(value)}")
    return "; ".join(gaps)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _brief(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ResourceCheck(CheckBase):
    type: Literal["resource"]
    api_version: str
    kind: str
    namespace: str = ""
    name: str | None = None
    selector: str = ""
    expect: Literal["present", "absent"] = "present"
    fields: tuple[FieldCondition, ...] = ()

    @model_validator(mode="after")
    def _sensible(self) -> ResourceCheck:
        if self.expect == "absent" and self.fields:
            raise ValueError("an absent check has no field conditions")
        return self

    def _what(self) -> str:
        where = f" in namespace {self.namespace}" if self.namespace else ""
        selected = f" matching {self.selector!r}" if self.selector else ""
        return f"{self.kind} {self.name!r}{where}" if self.name else f"{self.kind}{selected}{where}"

    def _candidates(self, client: KubeClient) -> list[Obj]:
        if self.name is not None:
            found = client.get(self.api_version, self.kind, self.namespace, self.name)
            return [found] if found is not None else []
        return client.list(self.api_version, self.kind, self.namespace or None, self.selector)

    def evaluate(self, client: KubeClient, context: GradeContext) -> Verdict:
        objects = self._candidates(client)
        if self.expect == "absent":
            if objects:
                names = ", ".join(o["metadata"]["name"] for o in objects)
                return Verdict(False, f"{self.kind} {names} still exists")
            return Verdict(True, f"no {self._what()}")
        if not objects:
            return Verdict(False, f"there is no {self._what()}")
        first_failure = ""
        for obj in objects:
            failures = []
            for condition in self.fields:
                ok, observed = condition.holds(obj)
                if not ok:
                    failures.append(observed)
            if not failures:
                return Verdict(True, f"{obj['kind']} {obj['metadata']['name']} matches")
            if not first_failure:
                first_failure = f"{obj['kind']} {obj['metadata']['name']}: {failures[0]}"
        return Verdict(False, first_failure)


__all__ = ["FieldCondition", "ResourceCheck"]
