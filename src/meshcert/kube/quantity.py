"""Resource quantities (`100m`, `1Gi`, `1e3`) parsed and written back in canonical form.

The API server decodes every `resource.Quantity` field and encodes it again, so what a client
reads back is the canonical text, not what it sent: `1000m` reads `1`, `1024Mi` reads `1Gi`,
`0.5` reads `500m`, `1.5Gi` reads `1536Mi`. The rules are those of k8s.io/apimachinery
pkg/api/resource (quantity.go `ParseQuantity` and `CanonicalizeBytes`, amount.go, suffix.go):

- a value is kept exactly as an integer mantissa times a power of ten (no floats anywhere);
  finer than nano it rounds away from zero to whole nanos (`0.1n` -> `1n`);
- the suffix kind is remembered: binary (`Ki`..`Ei`), decimal SI (`n`..`E`, none) or decimal
  exponent (`e3`); binary values above 2^63-1 are capped there;
- the canonical text has no fraction and the largest suffix that loses nothing; a binary value
  under 1024 in magnitude, or one with a fraction, is written in decimal SI;
- a string already in canonical form is kept byte for byte (the parser's fast path), which is
  why `+100m` and `1e3` read back as sent.

Malformed text fails with the parser's own messages, which the API server answers as the
body's decoding error.
"""

from __future__ import annotations

from functools import lru_cache

FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
NUMERIC_WRONG = "unable to parse numeric part of quantity"
SUFFIX_WRONG = "unable to parse quantity's suffix"

_BINARY = "BinarySI"
_DECIMAL = "DecimalSI"
_EXPONENT = "DecimalExponent"

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9}
_DECIMAL_SUFFIXES.update({"T": 12, "P": 15, "E": 18})
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {e: s for s, e in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_POWER = {p // 10: s for s, p in _BINARY_SUFFIXES.items()}
_DIGITS = frozenset("0123456789")
_SUFFIX_LETTERS = frozenset("eEinumkKMGTP")
_MAX_INT64 = 2**63 - 1
_NANO = -9
_MAX_INT64_DIGITS = 18  # decimal digits that always fit an int64


class QuantityError(ValueError):
    """A quantity that does not parse; the message is apimachinery's."""


def canonical(value: object) -> str:
    """The canonical text of a quantity given as JSON decodes it (string, integer or number).

    Raises QuantityError for malformed text and for values of other JSON types (the decoder
    hands their raw text to the same parser, which refuses it).
    """
    if isinstance(value, str):
        return canonical_text(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QuantityError(FORMAT_WRONG)
    return canonical_text(json_number_text(value))


def json_number_text(number: int | float) -> str:
    """How a Go client's JSON encoder writes `number`: the text the server parses.

    Go writes floats positionally between 1e-6 and 1e21 and with an exponent outside, in the
    shortest form that reads back the same, which Python's repr also gives.
    """
    if isinstance(number, int):
        return str(number)
    if number != number or number in (float("inf"), float("-inf")):
        raise QuantityError(FORMAT_WRONG)
    size = abs(number)
    if number.is_integer() and size < 1e21:
        return str(int(number))
    text = repr(number)
    if 1e-6 <= size < 1e21 and ("e" in text or "E" in text):
        from decimal import Decimal

        text = format(Decimal(text), "f")
    return text


@lru_cache(maxsize=4096)
def canonical_text(text: str) -> str:
    """The canonical form of quantity `text` (already stripped of surrounding blanks)."""
    if not text:
        raise QuantityError(FORMAT_WRONG)
    if text == "0":
        return text
    negative, number, whole, fraction, suffix = _split(text)
    base_format, exponent = _interpret(suffix)
    fast = _fast_path(negative, whole, fraction, base_format, exponent)
    if fast is None:
        mantissa, power = _amount(number, base_format, exponent)
    elif fast[2]:
        return text
    else:
        mantissa, power = fast[0], fast[1]
    return _format(mantissa, power, base_format)


def _split(text: str) -> tuple[bool, str, str, str, str]:
    """(negative, numeric text with sign, whole digits, fraction digits, suffix).

    Leading zeros of the whole part are dropped (an empty whole part reads as "0"). Anything
    after the suffix letters other than a signed exponent is the format error.
    """
    end = len(text)
    pos = 0
    negative = False
    if text[0] in "+-":
        negative = text[0] == "-"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return negative, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    whole = text[start:pos] or "0"
    if pos >= end:
        return negative, text, whole, "", ""
    fraction = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        fraction = text[start:pos]
        if pos >= end:
            return negative, text, whole, fraction, ""
    number = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(FORMAT_WRONG)
    return negative, number, whole, fraction, text[suffix_start:]


def _interpret(suffix: str) -> tuple[str, int]:
    """(format, exponent): a power of ten for the decimal formats, of two for binary."""
    found = _DECIMAL_SUFFIXES.get(suffix)
    if found is not None:
        return _DECIMAL, found
    found = _BINARY_SUFFIXES.get(suffix)
    if found is not None:
        return _BINARY, found
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[0] in "+-" else digits
        if body and body.isdigit() and body.isascii():
            parsed = int(digits)
            if -(2**63) <= parsed < 2**63:
                # Go keeps the low 32 bits of the parsed exponent.
                wrapped = (parsed + 2**31) % 2**32 - 2**31
                return _EXPONENT, wrapped
    raise QuantityError(SUFFIX_WRONG)


def _fast_path(
    negative: bool, whole: str, fraction: str, fmt: str, exponent: int
) -> tuple[int, int, bool] | None:
    """(mantissa, power of ten, text kept) when the parser's int64 fast path takes the value.

    It takes values of at most 18 digits no finer than nano. It keeps the text it was given
    for a decimal value whose scale is a multiple of three and whose digits neither start
    with 0 nor end in 000, and for a binary value whose digits are not a multiple of 8.
    """
    if fmt == _BINARY:
        if fraction:
            return None
        precision = 15 - len(whole) - exponent * 3 // 10 - 1
        scale = 0
    else:
        precision = _MAX_INT64_DIGITS - len(whole) - len(fraction)
        scale = exponent - len(fraction)
    if precision < 0 or scale < _NANO:
        return None
    shifted = whole + fraction
    digits = int(shifted)
    sign = -1 if negative else 1
    if fmt == _BINARY:
        value = digits << exponent
        if value > _MAX_INT64:
            return None
        return sign * value, 0, digits & 7 != 0
    keep = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
    return sign * digits, scale, keep


def _amount(number: str, fmt: str, exponent: int) -> tuple[int, int]:
    """The exact value as (mantissa, power of ten), rounded away from zero to whole nanos;
    binary values capped at 2^63-1 in magnitude."""
    sign = -1 if number.startswith("-") else 1
    body = number.lstrip("+-")
    whole, _, fraction = body.partition(".")
    if not (whole or fraction) or not (whole + fraction).isdigit():
        raise QuantityError(NUMERIC_WRONG)
    mantissa = int(whole + fraction) if (whole or fraction) else 0
    power = -len(fraction)
    if fmt == _BINARY:
        mantissa <<= exponent
    else:
        power += exponent
    if mantissa and power < _NANO:
        drop = _NANO - power
        if drop > len(str(mantissa)):
            mantissa = 1
        else:
            step = 10**drop
            mantissa = -(-mantissa // step)
        power = _NANO
    if fmt == _BINARY and not _below(mantissa, power, _MAX_INT64 + 1):
        mantissa, power = _MAX_INT64, 0
    return sign * mantissa, power


def _below(mantissa: int, power: int, limit: int) -> bool:
    """|mantissa * 10^power| < limit, exactly (power is at most 0 for binary values)."""
    size = abs(mantissa)
    if power >= 0:
        return size * int(10**power) < limit
    return size < limit * int(10**-power)


def _format(mantissa: int, power: int, fmt: str) -> str:
    if mantissa == 0:
        return "0"
    if fmt == _BINARY:
        if _below(mantissa, power, 1024):
            fmt = _DECIMAL
        elif power < 0:
            step = 10**-power
            whole, rest = divmod(abs(mantissa), step)
            if rest:
                fmt = _DECIMAL  # a fraction would be lost: written in decimal instead
            else:
                return _binary_text(whole if mantissa > 0 else -whole)
        else:
            return _binary_text(mantissa * 10**power)
    sign = "-" if mantissa < 0 else ""
    digits = abs(mantissa)
    while digits % 10 == 0:
        digits //= 10
        power += 1
    spare = power % 3  # down to a multiple of three, as Go's remainder arithmetic does
    digits *= 10**spare
    power -= spare
    if fmt == _DECIMAL:
        suffix = _DECIMAL_BY_EXPONENT.get(power)
        if suffix is not None:
            return f"{sign}{digits}{suffix}"
    return f"{sign}{digits}e{power}" if power else f"{sign}{digits}"


def _binary_text(value: int) -> str:
    sign = "-" if value < 0 else ""
    size = abs(value)
    times = 0
    while size % 1024 == 0 and times < 6:
        size //= 1024
        times += 1
    return f"{sign}{size}{_BINARY_BY_POWER.get(times, '')}"


__all__ = [
    "FORMAT_WRONG",
    "NUMERIC_WRONG",
    "SUFFIX_WRONG",
    "QuantityError",
    "canonical",
    "canonical_text",
    "json_number_text",
]
