"""How the apiserver's printers spell values: ages, timestamps, label sets, selectors, JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

_MICROSECOND = timedelta(microseconds=1)


def parse_timestamp(value: object) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime; None when missing or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def human_duration(elapsed: timedelta) -> str:
    """Kubernetes' `duration.HumanDuration`: about two significant figures (3m2s, 4h5m, 2d3h)."""
    micros = elapsed // _MICROSECOND
    seconds = micros // 1_000_000 if micros >= 0 else -((-micros) // 1_000_000)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def age(timestamp: object, now: datetime) -> str:
    """`translateTimestampSince`: the human age of a timestamp, `<unknown>` when it is unset."""
    moment = parse_timestamp(timestamp)
    if moment is None:
        return "<unknown>"
    return human_duration(_aware(now) - moment)


def rfc3339(timestamp: object) -> str:
    """A timestamp as Go's `time.RFC3339` in UTC; Go's zero time when unset."""
    moment = parse_timestamp(timestamp)
    if moment is None:
        return "0001-01-01T00:00:00Z"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def format_labels(labels: object) -> str:
    """`labels.FormatLabels`: `k=v` pairs sorted by key and joined by commas, `<none>` if empty."""
    if not isinstance(labels, Mapping) or not labels:
        return "<none>"
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


_OPERATORS = {"In": " in ", "NotIn": " notin ", "Exists": "", "DoesNotExist": ""}


def label_selector_string(selector: object) -> str | None:
    """A metav1.LabelSelector as `labels.Selector.String()`; None when an operator is invalid.

    Requirements sort by key; `In`/`NotIn` values sort too (`app in (a,b)`). A missing or empty
    selector prints as the empty string, as `labels.Nothing()` and `labels.Everything()` do.
    """
    if not isinstance(selector, Mapping):
        return ""
    requirements: list[tuple[str, str]] = []
    match_labels = selector.get("matchLabels") or {}
    for key, value in match_labels.items():
        requirements.append((key, f"{key}={value}"))
    for expression in selector.get("matchExpressions") or []:
        key = str(expression.get("key", ""))
        operator = expression.get("operator")
        if operator not in _OPERATORS:
            return None
        if operator == "Exists":
            requirements.append((key, key))
        elif operator == "DoesNotExist":
            requirements.append((key, f"!{key}"))
        else:
            values = sorted(str(v) for v in expression.get("values") or [])
            requirements.append((key, f"{key}{_OPERATORS[operator]}({','.join(values)})"))
    requirements.sort(key=lambda requirement: requirement[0])
    return ",".join(text for _, text in requirements)


def format_label_selector(selector: object) -> str:
    """`metav1.FormatLabelSelector`: the selector string, `<none>` if empty, `<error>` if bad."""
    text = label_selector_string(selector)
    if text is None:
        return "<error>"
    return text or "<none>"


def go_json(value: Any) -> str:
    """Compact JSON as Go's `json.Marshal` writes it: sorted keys, HTML characters escaped."""
    text = json.dumps(_integral_floats(value), separators=(",", ":"), sort_keys=True)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _integral_floats(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats(v) for v in value]
    return value


def go_print(value: Any) -> str:
    """A JSON scalar as Go's `fmt.Print` writes it (`true`, `80`, `1.5`, `1e+06`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def _go_float(value: float) -> str:
    """`strconv.FormatFloat(v, 'g', -1, 64)`: shortest digits, exponent form past 1e+06."""
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}[repr(value)]
    if value == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    mantissa = "".join(str(d) for d in digits)
    point = len(mantissa) + exponent  # position of the decimal point in the digit string
    exp10 = point - 1
    prefix = "-" if sign else ""
    if exp10 < -4 or exp10 >= 6:
        head, tail = mantissa[0], mantissa[1:]
        body = f"{head}.{tail}" if tail else head
        return f"{prefix}{body}e{'+' if exp10 >= 0 else '-'}{abs(exp10):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{mantissa}"
    if point >= len(mantissa):
        return f"{prefix}{mantissa}{'0' * (point - len(mantissa))}"
    return f"{prefix}{mantissa[:point]}.{mantissa[point:]}"
