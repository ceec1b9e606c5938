"""`decode_body`: a Kubernetes protobuf request body as the JSON-shaped object it carries."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import BadRequest, UnsupportedMediaType
from .schema import KINDS, MESSAGES, Field
from .wire import Malformed, carries_no_data, wire_fields

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"


class _Unknown(Exception):
    """A field with data that the schema does not describe."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _text(value: int | bytes, path: str) -> str:
    if not isinstance(value, bytes):
        raise Malformed(f"{path}: expected a length-delimited string")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Malformed(f"{path}: string is not valid UTF-8") from error


def _blob(value: int | bytes, path: str) -> bytes:
    if not isinstance(value, bytes):
        raise Malformed(f"{path}: expected length-delimited bytes")
    return value


def _number(value: int | bytes, path: str) -> int:
    if not isinstance(value, int):
        raise Malformed(f"{path}: expected a varint")
    return value


def _time(data: bytes, path: str) -> str | None:
    seconds = nanos = 0
    for number, _, value in wire_fields(data):
        if number == 1:
            seconds = _signed(_number(value, path))
        elif number == 2:
            nanos = _signed(_number(value, path))
    if seconds == 0 and nanos == 0:
        return None
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(data: bytes, path: str) -> int | str:
    kind, int_value, str_value = 0, 0, ""
    for number, _, value in wire_fields(data):
        if number == 1:
            kind = _number(value, path)
        elif number == 2:
            int_value = _signed(_number(value, path))
        elif number == 3:
            str_value = _text(value, path)
    return str_value if kind == 1 else int_value


def _quantity(data: bytes, path: str) -> str:
    text = ""
    for number, _, value in wire_fields(data):
        if number == 1:
            text = _text(value, path)
    return text


def _map_entry(data: bytes, values: str, path: str) -> tuple[str, Any]:
    key, value_bytes = "", b""
    for number, _, value in wire_fields(data):
        if number == 1:
            key = _text(value, path)
        elif number == 2:
            value_bytes = _blob(value, path)
    if values == "bytes":
        return key, base64.b64encode(value_bytes).decode("ascii")
    if values == "quantity":
        return key, _quantity(value_bytes, f"{path}[{key}]")
    return key, _text(value_bytes, f"{path}[{key}]")


def _value(field: Field, value: int | bytes, path: str) -> Any:
    if field.kind == "string":
        return _text(value, path)
    if field.kind == "int":
        return _signed(_number(value, path))
    if field.kind == "bool":
        return _number(value, path) != 0
    if field.kind == "message":
        return _message(_blob(value, path), field.message, path)
    if field.kind == "time":
        return _time(_blob(value, path), path)
    if field.kind == "intorstring":
        return _int_or_string(_blob(value, path), path)
    if field.kind == "fieldsv1":
        raw = b"".join(_blob(v, path) for n, _, v in wire_fields(_blob(value, path)) if n == 1)
        try:
            return json.loads(raw) if raw else {}
        except ValueError as error:
            raise Malformed(f"{path}: fieldsV1 is not JSON") from error
    raise AssertionError(f"unknown field kind {field.kind}")


def _is_zero(value: Any) -> bool:
    return value is None or value == "" or value == 0 or value is False


def _message(data: bytes, message: str, path: str) -> dict[str, Any]:
    schema = {field.number: field for field in MESSAGES[message]}
    out: dict[str, Any] = {}
    for number, wire, value in wire_fields(data):
        field = schema.get(number)
        if field is None:
            if carries_no_data(wire, value):
                continue
            raise _Unknown(f"protobuf field {number} of {path or 'the object'}")
        where = f"{path}.{field.name}" if path else field.name
        if field.kind == "map":
            key, entry = _map_entry(_blob(value, where), field.values, where)
            out.setdefault(field.name, {})[key] = entry
            continue
        decoded = _value(field, value, where)
        if field.repeated:
            out.setdefault(field.name, []).append(decoded)
        elif field.keep_zero or field.kind == "message" or not _is_zero(decoded):
            out[field.name] = decoded
        else:
            out.pop(field.name, None)
    return out


def _envelope(data: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw) of the runtime.Unknown after the magic prefix."""
    api_version = kind = encoding = ""
    raw = b""
    for number, _, value in wire_fields(data[len(MAGIC) :]):
        if number == 1:
            for inner, _, inner_value in wire_fields(_blob(value, "typeMeta")):
                if inner == 1:
                    api_version = _text(inner_value, "typeMeta.apiVersion")
                elif inner == 2:
                    kind = _text(inner_value, "typeMeta.kind")
        elif number == 2:
            raw = _blob(value, "raw")
        elif number == 3:
            encoding = _text(value, "contentEncoding")
    if encoding:
        raise UnsupportedMediaType(
            f"protobuf bodies with content encoding {encoding!r} are not supported; "
            "send the object as JSON (application/json)"
        )
    return api_version, kind, raw


def decode_body(data: bytes) -> dict[str, Any]:
    """The JSON-shaped object of a Kubernetes protobuf request body.

    Raises BadRequest for bytes that are not a well-formed Kubernetes protobuf envelope, and
    UnsupportedMediaType for kinds (or fields) this decoder does not know; JSON is always
    accepted instead.
    """
    if not data.startswith(MAGIC):
        raise BadRequest(
            "the request body is not Kubernetes protobuf: it does not start with the "
            "k8s\\x00 prefix"
        )
    try:
        api_version, kind, raw = _envelope(data)
        if not kind or not api_version:
            raise BadRequest("the protobuf body names no apiVersion and kind in its typeMeta")
        message = KINDS.get((api_version, kind))
        if message is None:
            raise UnsupportedMediaType(
                f"this API server cannot decode a protobuf {kind} ({api_version}); "
                "send it as JSON (application/json), as `kubectl apply -f` and "
                "`kubectl create -f` do",
                kind=kind,
            )
        body = _message(raw, message, "")
    except Malformed as error:
        raise BadRequest(f"malformed protobuf body: {error}") from error
    except _Unknown as error:
        raise UnsupportedMediaType(
            f"this API server cannot decode {error.path} in a protobuf {kind} ({api_version}); "
            "send the object as JSON (application/json) instead",
            kind=kind,
        ) from error
    return {"apiVersion": api_version, "kind": kind, **body}
