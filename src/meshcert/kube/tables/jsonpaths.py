"""The JSONPath subset that CRD printer columns use: `.a.b`, `[0]`, `[*]`, `[?(@.k=="v")]`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""\.(?P<field>[A-Za-z0-9_\-/]+)
      | \[(?P<index>-?\d+)\]
      | \[(?P<star>\*)\]
      | \[['"](?P<quoted>[^'"]+)['"]\]
      | \[\?\(@\.(?P<key>[A-Za-z0-9_\-.]+)\s*==\s*['"](?P<value>[^'"]*)['"]\)\]
      | \.(?P<wildcard>\*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Step:
    kind: str  # field | index | all | filter
    name: str = ""
    index: int = 0
    value: str = ""


class JsonPath:
    """A parsed path; `find` returns every value it reaches, in document order.

    Missing keys and out-of-range indexes reach nothing (kubectl's `AllowMissingKeys`).
    """

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self._steps = _parse(expression)

    def find(self, document: Any) -> list[Any]:
        current = [document]
        for step in self._steps:
            current = [found for node in current for found in _apply(step, node)]
        return current


def _parse(expression: str) -> tuple[_Step, ...]:
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    steps: list[_Step] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"unrecognized column definition {expression!r}")
        if match["field"] is not None:
            steps.append(_Step("field", name=match["field"]))
        elif match["quoted"] is not None:
            steps.append(_Step("field", name=match["quoted"]))
        elif match["index"] is not None:
            steps.append(_Step("index", index=int(match["index"])))
        elif match["star"] is not None or match["wildcard"] is not None:
            steps.append(_Step("all"))
        else:
            steps.append(_Step("filter", name=match["key"], value=match["value"]))
        position = match.end()
    return tuple(steps)


def _apply(step: _Step, node: Any) -> list[Any]:
    if step.kind == "field":
        if isinstance(node, Mapping) and step.name in node:
            return [node[step.name]]
        return []
    if step.kind == "index":
        if isinstance(node, list) and -len(node) <= step.index < len(node):
            return [node[step.index]]
        return []
    if step.kind == "all":
        if isinstance(node, list):
            return list(node)
        if isinstance(node, Mapping):
            return list(node.values())
        return []
    if not isinstance(node, list):
        return []
    return [item for item in node if _lookup(item, step.name) == step.value]


def _lookup(item: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(item, Mapping) or part not in item:
            return None
        item = item[part]
    return item if isinstance(item, str) else None
