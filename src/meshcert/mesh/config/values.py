"""Scalar values of Istio resources: durations and percentages.

Durations are written as Go durations (`10s`, `0.5s`, `1m30s`, `100ms`); Istio's decoder accepts
them where the proto says google.protobuf.Duration (pkg/util/protomarshal, time.ParseDuration).
"""

from __future__ import annotations

import re
from typing import Any

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class DurationError(ValueError):
    """A duration string that does not parse."""


def parse_duration(value: Any) -> float:
    """Seconds in a Go duration string (`1.5s`, `1m30s`); numbers are seconds. Raises
    DurationError on anything else."""
    if isinstance(value, bool):
        raise DurationError(f"invalid duration {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value:
        raise DurationError(f"invalid duration {value!r}")
    text = value.strip()
    sign = 1.0
    if text[:1] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    pos = 0
    total = 0.0
    while pos < len(text):
        m = _PART.match(text, pos)
        if m is None:
            raise DurationError(f'time: invalid duration "{value}"')
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise DurationError(f'time: invalid duration "{value}"')
    return sign * total


def duration_or(value: Any, default: float | None) -> float | None:
    """`parse_duration(value)`, or `default` when missing or malformed (validation rejects
    malformed values at apply time; the view is lenient)."""
    if value is None:
        return default
    try:
        return parse_duration(value)
    except DurationError:
        return default


def percentage(value: Any, default: float) -> float:
    """`{value: 50}` (Percent) or a bare number, as a percentage 0-100."""
    if isinstance(value, dict):
        value = value.get("value", default)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


__all__ = ["DurationError", "duration_or", "parse_duration", "percentage"]
