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
    kind = type(value)
    if kind is dict:
        return _clone_dict(value)  # type: ignore[arg-type,return-value]
    if kind is list:
        return _clone_list(value)  # type: ignore[arg-type,return-value]
    return value


# Most values in an object are leaves: testing a child's type before recursing (rather than on
# entry) saves a call per leaf, which halves the copy's cost.


def _clone_dict(value: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _clone_dict(item)
        if type(item) is dict
        else _clone_list(item)
        if type(item) is list
        else item
        for key, item in value.items()
    }


def _clone_list(value: list[Any]) -> list[Any]:
    return [
        _clone_dict(item)
        if type(item) is dict
        else _clone_list(item)
        if type(item) is list
        else item
        for item in value
    ]


__all__ = ["clone"]
