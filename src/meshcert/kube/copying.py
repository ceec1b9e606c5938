"""Deep copies of API objects.

Objects are JSON-shaped trees (dicts, lists, strings, numbers, booleans, None) without cycles,
so a plain recursive copy is enough; it is about three times faster than `copy.deepcopy`,
which the write path calls many times per request (the request's object, controllers' edits,
managedFields bookkeeping).
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def clone(value: T) -> T:
    """A deep copy of a JSON-shaped value (dicts and lists copied, leaves shared)."""
    return _clone(value)  # type: ignore[no-any-return]


def _clone(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _clone(item) for key, item in value.items()}
    if kind is list:
        return [_clone(item) for item in value]
    return value


__all__ = ["clone"]
