"""Rendering a task's text with its drawn parameters: `{{ name }}` placeholders and nothing
else.

Substitution only, in the spirit of `string.Template`: no expressions, filters, loops or
attribute access, so content cannot run code and a prompt reads like its output. The `{{ }}`
delimiter leaves the shell's `$VAR` and `$(...)` in solutions and prompts alone. A placeholder
naming no parameter is an error (caught by the content lint); a string that is exactly one
placeholder takes the parameter's type (`weight: "{{ weight }}"` renders to the integer).
"""

from __future__ import annotations

import re
from typing import Any

from .parameters import Value

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class RenderError(ValueError):
    pass


def render_text(text: str, values: dict[str, Value]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise RenderError(f"unknown parameter {name!r} in {{{{ {name} }}}}")
        return str(values[name])

    return PLACEHOLDER.sub(one, text)


def render(value: Any, values: dict[str, Value]) -> Any:
    """`value` (YAML data) with every string rendered."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value.strip())
        if whole is not None and whole.group(1) in values:
            return values[whole.group(1)]
        return render_text(value, values)
    if isinstance(value, list):
        return [render(v, values) for v in value]
    if isinstance(value, dict):
        return {render_text(str(k), values): render(v, values) for k, v in value.items()}
    return value


def placeholders(value: Any) -> set[str]:
    """Every parameter name `value` refers to."""
    if isinstance(value, str):
        return set(PLACEHOLDER.findall(value))
    if isinstance(value, list | tuple):
        return set().union(*(placeholders(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(placeholders(k) | placeholders(v) for k, v in value.items()))
    return set()


__all__ = ["PLACEHOLDER", "RenderError", "placeholders", "render", "render_text"]
