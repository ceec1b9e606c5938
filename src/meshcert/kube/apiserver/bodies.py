"""Request bodies: size limit, JSON / YAML / protobuf decoding, parser errors with positions."""

from __future__ import annotations

import json
from typing import Any

import yaml

from .. import json_bytes
from ..errors import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

MAX_BODY = 3 * 1024 * 1024
PROTOBUF = "application/vnd.kubernetes.protobuf"


def check_size(length: int) -> None:
    if length > MAX_BODY:
        raise RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BODY}")


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def decode(body: bytes, content_type: str) -> Any:
    """The decoded body; BadRequest with the position of the first syntax error."""
    check_size(len(body))
    mt = media_type(content_type)
    if mt == PROTOBUF:
        from .. import protobuf

        return protobuf.decode_body(body)
    if not body.strip():
        raise BadRequest("the body of the request was empty")
    if mt in ("application/yaml", "application/apply-patch+yaml", "text/yaml"):
        try:
            return yaml.safe_load(body)
        except yaml.YAMLError as exc:
            raise BadRequest(f"error converting YAML to JSON: {_yaml_message(exc)}") from None
    if mt in (
        "",
        "application/json",
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/strategic-merge-patch+json",
        "*/*",
    ):
        try:
            return json_bytes.loads(body)
        except UnicodeDecodeError:
            raise BadRequest("the body of the request is not valid UTF-8") from None
        except json.JSONDecodeError as exc:
            raise BadRequest(
                f"couldn't decode the request body: {exc.msg} at line {exc.lineno}, "
                f"column {exc.colno} (offset {exc.pos})"
            ) from None
    raise UnsupportedMediaType(
        f"the body of the request was in an unknown format - accepted media types include: "
        f"application/json, application/yaml, {PROTOBUF}"
    )


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"yaml: line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return f"yaml: {problem}"


def encode(value: Any) -> bytes:
    """Compact JSON, UTF-8, as the apiserver writes it."""
    return json_bytes.dumps(value)
