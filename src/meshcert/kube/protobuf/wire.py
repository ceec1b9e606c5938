"""The protobuf wire format: varints, length-delimited fields, and spotting empty fields."""

from __future__ import annotations

from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class Malformed(Exception):
    """The bytes are not valid protobuf wire format."""


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise Malformed("truncated varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift >= 70:
            raise Malformed("varint longer than 10 bytes")


def wire_fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) for each field of a message, in order.

    Varints and fixed-width values come back as unsigned ints, length-delimited ones as bytes.
    """
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise Malformed("field number 0")
        value: int | bytes
        if wire == VARINT:
            value, position = _varint(data, position)
        elif wire == LENGTH:
            length, position = _varint(data, position)
            if position + length > len(data):
                raise Malformed(f"field {number} runs past the end of the message")
            value, position = data[position : position + length], position + length
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if position + width > len(data):
                raise Malformed(f"field {number} runs past the end of the message")
            value = int.from_bytes(data[position : position + width], "little")
            position += width
        else:
            raise Malformed(f"unsupported wire type {wire} in field {number}")
        yield number, wire, value


def carries_no_data(wire: int, value: int | bytes) -> bool:
    """True for zero scalars and for messages made only of such fields."""
    if isinstance(value, int):
        return value == 0
    if not value:
        return True
    try:
        return all(carries_no_data(w, v) for _, w, v in wire_fields(value))
    except Malformed:
        return False
