"""Go's own spellings of values, for error texts that must read as istiod's do.

istiod is a Go program: its errors quote strings with strconv.Quote (`%q`), print JSON numbers
as encoding/json writes them, and parse and print durations with the time package. These are
those rules (Go src/strconv/quote.go, src/encoding/json/encode.go `floatEncoder`,
src/time/format.go `ParseDuration` and `quote`, src/time/time.go `Duration.String`), written
for the values a mesh config can hold.
"""

from __future__ import annotations

import re

_SHORT_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}
_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_MAX = 1 << 63
_ATOI = re.compile(r"[+-]?[0-9]+")


def quote(text: str) -> str:
    """strconv.Quote: printable characters as they are, the others escaped."""
    out = ['"']
    for char in text:
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def json_string(text: str) -> str:
    """A string as Go's json.Marshal writes it (HTML characters escaped, as its default is)."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char in "\b\f\n\r\t":
            out.append(_SHORT_ESCAPES[char])
        elif ord(char) < 0x20 or char in "<>&\u2028\u2029":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def json_number(value: int | float) -> str:
    """A number as Go's json.Marshal writes it: shortest digits, exponent form below 1e-6 and
    from 1e21 on, `e-07` cleaned to `e-7`."""
    if isinstance(value, int):
        return str(value)
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    from decimal import Decimal  # only for a fraction

    digits = Decimal(repr(value))
    if 1e-6 <= abs(value) < 1e21:
        return format(digits.normalize(), "f")
    sign, figures, exponent = digits.normalize().as_tuple()
    assert isinstance(exponent, int)
    places = "".join(map(str, figures))
    power = len(places) - 1 + exponent
    mantissa = places[0] + ("." + places[1:] if len(places) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}".replace(
        "e-0", "e-"
    )


def atoi_error(text: str) -> str | None:
    """strconv.Atoi's error for `text`, None when it is a base-10 integer in int64's range."""
    if not _ATOI.fullmatch(text):
        return f"strconv.Atoi: parsing {quote(text)}: invalid syntax"
    if not -_MAX <= int(text) < _MAX:
        return f"strconv.Atoi: parsing {quote(text)}: value out of range"
    return None


def parse_duration(text: str) -> int:
    """time.ParseDuration, in nanoseconds; ValueError with Go's message when Go refuses it."""
    original, rest, negative, total = text, text, False, 0
    if rest[:1] in ("-", "+"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise ValueError(f"time: invalid duration {_time_quote(original)}")
    while rest:
        if not (rest[0] == "." or (rest[0].isascii() and rest[0].isdigit())):
            raise ValueError(f"time: invalid duration {_time_quote(original)}")
        whole, rest, ok = _leading_int(rest)
        if not ok:
            raise ValueError(f"time: invalid duration {_time_quote(original)}")
        fraction, scale, had_fraction = 0, 1.0, False
        if rest[:1] == ".":
            fraction, scale, after = _leading_fraction(rest[1:])
            had_fraction, rest = len(after) != len(rest) - 1, after
        if len(whole) == 0 and not had_fraction:
            raise ValueError(f"time: invalid duration {_time_quote(original)}")
        end = 0
        while end < len(rest) and not (rest[end] == "." or "0" <= rest[end] <= "9"):
            end += 1
        if end == 0:
            raise ValueError(f"time: missing unit in duration {_time_quote(original)}")
        unit_name, rest = rest[:end], rest[end:]
        unit = _UNITS.get(unit_name)
        if unit is None:
            raise ValueError(
                f"time: unknown unit {_time_quote(unit_name)} in duration {_time_quote(original)}"
            )
        value = int(whole or "0")
        if value > _MAX // unit:
            raise ValueError(f"time: invalid duration {_time_quote(original)}")
        value *= unit
        if fraction > 0:
            value += int(float(fraction) * (float(unit) / scale))
            if value > _MAX:
                raise ValueError(f"time: invalid duration {_time_quote(original)}")
        total += value
        if total > _MAX:
            raise ValueError(f"time: invalid duration {_time_quote(original)}")
    if negative:
        return -total
    if total > _MAX - 1:
        raise ValueError(f"time: invalid duration {_time_quote(original)}")
    return total


def duration_string(nanos: int) -> str:
    """time.Duration.String: `1h0m0s`, `1.5s`, `2ms`, `0s`."""
    if nanos == 0:
        return "0s"
    sign, size = ("-" if nanos < 0 else ""), abs(nanos)
    if size < 1_000:
        return f"{sign}{size}ns"
    if size < 1_000_000:
        return f"{sign}{_fraction(size, 3)}\u00b5s"
    if size < 1_000_000_000:
        return f"{sign}{_fraction(size, 6)}ms"
    seconds = _fraction(size % 60_000_000_000, 9) + "s"
    minutes = size // 60_000_000_000
    if minutes:
        seconds = f"{minutes % 60}m{seconds}"
        if minutes // 60:
            seconds = f"{minutes // 60}h{seconds}"
    return sign + seconds


def _fraction(value: int, places: int) -> str:
    whole, part = divmod(value, 10**places)
    digits = str(part).rjust(places, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


def _leading_int(text: str) -> tuple[str, str, bool]:
    end, value = 0, 0
    while end < len(text) and "0" <= text[end] <= "9":
        if value > _MAX // 10:
            return "", text, False
        value = value * 10 + int(text[end])
        if value > _MAX:
            return "", text, False
        end += 1
    return text[:end], text[end:], True


def _leading_fraction(text: str) -> tuple[int, float, str]:
    end, value, scale, overflow = 0, 0, 1.0, False
    while end < len(text) and "0" <= text[end] <= "9":
        if not overflow:
            if value > (_MAX - 1) // 10:
                overflow = True
            else:
                candidate = value * 10 + int(text[end])
                if candidate > _MAX:
                    overflow = True
                else:
                    value, scale = candidate, scale * 10
        end += 1
    return value, scale, text[end:]


def _time_quote(text: str) -> str:
    """The time package's own quote: bytes outside printable ASCII as \\xNN."""
    out = ['"']
    for char in text:
        if ord(char) >= 0x80 or char < " ":
            out.extend(f"\\x{byte:02x}" for byte in char.encode())
        else:
            out.append("\\" + char if char in '"\\' else char)
    out.append('"')
    return "".join(out)
