"""Helm values: `-f` files merged in order, then `--set` (helm's strvals syntax: comma
separated `path=value`, `a.b[0].c` paths, `{x,y}` lists, `\\,` and `\\.` escapes; true, false,
numbers and null typed) and `--set-string` (always strings)."""

from __future__ import annotations

import re
from typing import Any

from meshcert.mesh.install.operator import merge

Values = dict[str, Any]
_INDEX = re.compile(r"^(?P<key>.*)\[(?P<i>\d+)\]$")


class ValuesError(Exception):
    pass


def _split(text: str, sep: str) -> list[str]:
    parts, current, escaped, depth = [], "", False, 0
    for ch in text:
        if escaped:
            current += ch if ch in (sep, "\\") else "\\" + ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
            current += ch
        elif ch == "}":
            depth -= 1
            current += ch
        elif ch == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def typed(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if re.fullmatch(r"-?\d+", text) and (text == "0" or not text.lstrip("-").startswith("0")):
        return int(text)
    if text.startswith("{") and text.endswith("}"):
        return [typed(item) for item in _split(text[1:-1], ",") if item != ""]
    return text


def apply_set(values: Values, expression: str, *, as_string: bool = False) -> None:
    for assignment in _split(expression, ","):
        if not assignment:
            continue
        path, sep, raw = assignment.partition("=")
        if not sep:
            raise ValuesError(f'key "{path}" has no value')
        value: Any = raw if as_string else typed(raw)
        node: Any = values
        parts = _split(path, ".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            match = _INDEX.match(part)
            if match:
                items = node.setdefault(match.group("key"), [])
                index = int(match.group("i"))
                while len(items) <= index:
                    items.append({} if not last else None)
                if last:
                    items[index] = value
                else:
                    if not isinstance(items[index], dict):
                        items[index] = {}
                    node = items[index]
                continue
            if last:
                node[part] = value
            else:
                nxt = node.get(part)
                if not isinstance(nxt, dict):
                    nxt = node[part] = {}
                node = nxt


def merge_values(base: Values, overlay: Values) -> Values:
    out = merge(base, overlay)
    return out if isinstance(out, dict) else {}
