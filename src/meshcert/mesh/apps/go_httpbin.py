"""go-httpbin (`docker.io/mccutchen/go-httpbin`, Istio's samples/httpbin/httpbin.yaml since
1.23): httpbin's endpoints with go-httpbin's shapes. Header values are lists, every header is
shown, origin is the client address; each request writes one log line to the container log
(mccutchen/go-httpbin httpbin/handlers.go, httpbin/middleware.go observe/log format)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl

from meshcert.mesh.exchanges import HttpResponse

from .httpbin import origin, title
from .serving import Call, json_body, respond

CORS = (("access-control-allow-origin", "*"), ("access-control-allow-credentials", "true"))
MAX_DELAY = 10.0


def _headers(call: Call) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"Host": [call.request.authority]}
    for name, value in call.request.headers:
        out.setdefault(title(name), []).append(value)
    return dict(sorted(out.items()))


def _args(call: Call) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in parse_qsl(call.request.query, keep_blank_values=True):
        out.setdefault(key, []).append(value)
    return out


def _url(call: Call) -> str:
    proto = call.request.header("x-forwarded-proto") or call.request.scheme
    return f"{proto}://{call.request.authority}{call.request.path}"


def _request_dict(call: Call, with_body: bool) -> dict[str, object]:
    out: dict[str, object] = {"args": _args(call)}
    if with_body:
        body = call.request.body
        ctype = call.request.header("content-type") or ""
        form: dict[str, list[str]] = {}
        if body and ctype.startswith("application/x-www-form-urlencoded"):
            for key, value in parse_qsl(body.decode("utf-8", "replace")):
                form.setdefault(key, []).append(value)
        out["data"] = "" if form else body.decode("utf-8", "replace")
        out["files"] = {}
        out["form"] = form
    out["headers"] = _headers(call)
    if with_body:
        out["json"] = None
    out["method"] = call.request.method
    out["origin"] = origin(call)
    out["url"] = _url(call)
    return out


def _json(call: Call, value: object, status: int = 200, duration: float = 0.0005) -> HttpResponse:
    return respond(call, status, json_body(value), "application/json; charset=utf-8", CORS,
                   duration=duration)  # fmt: skip


def _route(call: Call) -> HttpResponse:
    path = call.request.uri_path
    parts = [p for p in path.split("/") if p]
    head = parts[0] if parts else ""
    if path == "/headers":
        return _json(call, {"headers": _headers(call)})
    if path == "/ip":
        return _json(call, {"origin": origin(call)})
    if path == "/user-agent":
        return _json(call, {"user-agent": call.request.header("user-agent") or ""})
    if path == "/get":
        return _json(call, _request_dict(call, False))
    if head in ("post", "put", "patch", "delete", "anything"):
        if head != "anything" and call.request.method != head.upper():
            return respond(call, 405, "Method Not Allowed\n", "text/plain; charset=utf-8", CORS)
        return _json(call, _request_dict(call, True))
    if head == "status" and len(parts) == 2:
        code = parts[1].split(",")[0].split(":")[0]
        if not code.isdigit():
            return respond(call, 400, "invalid status code\n", "text/plain; charset=utf-8", CORS)
        status = int(code)
        if status == 418:
            more = (("x-more-info", "http://tools.ietf.org/html/rfc2324"), *CORS)
            return respond(call, 418, "I'm a teapot!", "text/plain; charset=utf-8", more)
        return respond(call, status, b"", "text/plain; charset=utf-8", CORS)
    if head == "delay" and len(parts) == 2:
        try:
            seconds = min(float(parts[1].rstrip("s")), MAX_DELAY)
        except ValueError:
            return respond(call, 400, "invalid duration\n", "text/plain; charset=utf-8", CORS)
        return _json(call, _request_dict(call, True), duration=seconds)
    if head == "base64" and len(parts) in (2, 3):
        return _base64(call, parts[1:])
    if path == "/":
        return respond(call, 200, "<!DOCTYPE html>\n<title>go-httpbin</title>\n",
                       "text/html; charset=utf-8", CORS)  # fmt: skip
    return respond(call, 404, "Not Found\n", "text/plain; charset=utf-8", CORS)


def _base64(call: Call, parts: list[str]) -> HttpResponse:
    """`/base64/{value}` and `/base64/decode/{value}` decode (standard or URL-safe alphabet),
    `/base64/encode/{value}` encodes; the result is text/plain (the authz-custom task routes
    to `/base64/cm91dGUtYWxsb3c=` and reads `route-allow`)."""
    operation, value = ("decode", parts[0]) if len(parts) == 1 else (parts[0], parts[1])
    plain = "text/plain; charset=utf-8"
    if operation == "encode":
        return respond(call, 200, base64.urlsafe_b64encode(value.encode()), plain, CORS)
    if operation != "decode":
        return respond(call, 400, "invalid operation: " + operation + "\n", plain, CORS)
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        try:
            decoded = base64.urlsafe_b64decode(value)
        except (binascii.Error, ValueError):
            return respond(call, 400, "decode failed\n", plain, CORS)
    return respond(call, 200, decoded, plain, CORS)


def go_httpbin(call: Call) -> HttpResponse:
    response = _route(call)
    stamp = call.now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{call.now.microsecond // 100:04d}"
    agent = call.request.header("user-agent") or ""
    call.log(
        f'time="{stamp}" status={response.status} method="{call.request.method}" '
        f'uri="{call.request.path}" size_bytes={len(response.body)} '
        f'duration_ms={response.duration * 1000:.2f} user_agent="{agent}" '
        f"client_ip={origin(call)}"
    )
    return response


__all__ = ["go_httpbin"]
