"""httpbin (`docker.io/kennethreitz/httpbin`, Istio's samples/httpbin): the endpoints istio.io
tasks call, answering as httpbin's Flask app does (title-cased header names, JSON indented by
two, headers of its proxies hidden unless `?show_env=1`). With `--access-logfile -` in its
command, gunicorn writes one access line per request to the container log (the mirroring task).

Source: postmanlabs/httpbin httpbin/core.py and helpers.py (ENV_HEADERS, get_dict).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl

from meshcert.mesh.exchanges import HttpResponse

from .serving import Call, json_body, respond

SERVER = "gunicorn/19.9.0"
CORS = (("access-control-allow-origin", "*"), ("access-control-allow-credentials", "true"))
MAX_DELAY = 10.0
TEAPOT = """
    -=[ teapot ]=-

       _...._
     .'  _ _ `.
    | ."` ^ `". _,
    \\_;`"---"`|//
      |       ;/
      \\_     _/
        `\"\"\"`
"""
# Headers httpbin drops from what it shows (helpers.py ENV_HEADERS).
HIDDEN = frozenset(
    {
        "x-varnish", "x-request-start", "x-heroku-queue-depth", "x-real-ip", "x-forwarded-proto",
        "x-forwarded-protocol", "x-forwarded-ssl", "x-heroku-queue-wait-time", "x-forwarded-for",
        "x-heroku-dynos-in-use", "x-forwarded-port", "x-request-id", "via", "total-route-time",
        "connect-time",
    }
)  # fmt: skip


def title(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def shown_headers(call: Call) -> dict[str, str]:
    show_env = "show_env" in dict(parse_qsl(call.request.query))
    out: dict[str, str] = {"Host": call.request.authority}
    for name, value in call.request.headers:
        if name in ("content-length",) and not call.request.body:
            continue
        if name in HIDDEN and not show_env:
            continue
        key = title(name)
        out[key] = f"{out[key]},{value}" if key in out and key != "Host" else value
    return dict(sorted(out.items()))


def origin(call: Call) -> str:
    forwarded = call.request.header("x-forwarded-for")
    if forwarded:
        return ", ".join(p.strip() for p in forwarded.split(","))
    return call.peer


def _url(call: Call) -> str:
    proto = call.request.header("x-forwarded-proto") or call.request.scheme
    return f"{proto}://{call.request.authority}{call.request.path}"


def _args(call: Call) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for key, value in parse_qsl(call.request.query, keep_blank_values=True):
        present = out.get(key)
        if present is None:
            out[key] = value
        else:
            out[key] = [*present, value] if isinstance(present, list) else [present, value]
    return out


def _get_dict(call: Call, *keys: str) -> dict[str, object]:
    body = call.request.body
    form: dict[str, str] = {}
    data = ""
    json_value: object = None
    ctype = call.request.header("content-type") or ""
    if body and ctype.startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
    elif body:
        data = body.decode("utf-8", "replace")
        if ctype.startswith("application/json"):
            import json

            try:
                json_value = json.loads(data)
            except ValueError:
                json_value = None
    values: dict[str, object] = {
        "args": _args(call),
        "data": data,
        "files": {},
        "form": form,
        "headers": shown_headers(call),
        "json": json_value,
        "method": call.request.method,
        "origin": origin(call),
        "url": _url(call),
    }
    return {k: values[k] for k in keys}


def _json(call: Call, value: object, status: int = 200, duration: float = 0.001) -> HttpResponse:
    return respond(call, status, json_body(value), "application/json", CORS, server=SERVER,
                   duration=duration)  # fmt: skip


def _access_log(call: Call, response: HttpResponse) -> None:
    """gunicorn's default access format `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s"
    "%(a)s"`, written when the command has `--access-logfile -`."""
    if not call.container.get("command") and not call.container.get("args"):
        return
    if "--access-logfile" not in call.command:
        return
    stamp = call.now.strftime("%d/%b/%Y:%H:%M:%S +0000")
    size = len(response.body) if response.body else "-"
    referer = call.request.header("referer") or "-"
    agent = call.request.header("user-agent") or "-"
    call.log(
        f'{call.peer} - - [{stamp}] "{call.request.method} {call.request.path} HTTP/1.1" '
        f'{response.status} {size} "{referer}" "{agent}"'
    )


def httpbin(call: Call) -> HttpResponse:
    response = _route(call)
    _access_log(call, response)
    return response


def _route(call: Call) -> HttpResponse:
    path = call.request.uri_path
    method = call.request.method
    parts = [p for p in path.split("/") if p]
    head = parts[0] if parts else ""
    if path == "/":
        html = "<!DOCTYPE html>\n<html>\n<head><title>httpbin.org</title></head>\n<body>httpbin"
        return respond(call, 200, html + "</body>\n</html>\n", "text/html; charset=utf-8", CORS,
                       server=SERVER)  # fmt: skip
    if path == "/headers":
        return _json(call, {"headers": shown_headers(call)})
    if path == "/ip":
        return _json(call, {"origin": origin(call)})
    if path == "/user-agent":
        return _json(call, {"user-agent": call.request.header("user-agent")})
    if path == "/get":
        if method not in ("GET", "HEAD", "OPTIONS"):
            return _not_allowed(call)
        return _json(call, _get_dict(call, "args", "headers", "origin", "url"))
    if head in ("post", "put", "patch", "delete") and len(parts) == 1:
        if method != head.upper():
            return _not_allowed(call)
        return _json(call, _get_dict(call, "args", "data", "files", "form", "headers", "json",
                                     "origin", "url"))  # fmt: skip
    if head == "anything":
        return _json(call, _get_dict(call, "args", "data", "files", "form", "headers", "json",
                                     "method", "origin", "url"))  # fmt: skip
    if head == "status" and len(parts) == 2:
        codes = parts[1].split(",")
        code = codes[0].split(":")[0]
        if not code.isdigit():
            return respond(call, 400, "Invalid status code", "text/html; charset=utf-8", CORS,
                           server=SERVER)  # fmt: skip
        status = int(code)
        headers: tuple[tuple[str, str], ...] = CORS
        if status == 418:
            return respond(call, 418, TEAPOT, "text/html; charset=utf-8",
                           (("x-more-info", "http://tools.ietf.org/html/rfc2324"), *CORS),
                           server=SERVER)  # fmt: skip
        if status in (301, 302, 303, 305, 307):
            headers = (*CORS, ("location", "/redirect/1"))
        return respond(call, status, b"", "text/html; charset=utf-8", headers, server=SERVER)
    if head == "delay" and len(parts) == 2:
        try:
            seconds = min(float(parts[1]), MAX_DELAY)
        except ValueError:
            return _not_found(call)
        return _json(call, _get_dict(call, "args", "data", "files", "form", "headers", "origin",
                                     "url"), duration=seconds)  # fmt: skip
    if head == "cookies" and len(parts) == 1:
        jar = call.request.header("cookie") or ""
        cookies = dict(p.strip().split("=", 1) for p in jar.split(";") if "=" in p)
        return _json(call, {"cookies": cookies})
    if head == "base64" and len(parts) == 2:  # the URL-safe base64 value, decoded
        try:
            decoded = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        except (binascii.Error, ValueError):
            decoded = b"Incorrect Base64 data try: SFRUUEJJTiBpcyBhd2Vzb21l"
        return respond(call, 200, decoded, "text/html; charset=utf-8", CORS, server=SERVER)
    if head == "response-headers":
        extra = tuple((k.lower(), v) for k, v in parse_qsl(call.request.query))
        body = json_body(dict(parse_qsl(call.request.query)))
        return respond(call, 200, body, "application/json", (*CORS, *extra), server=SERVER)
    return _not_found(call)


def _not_found(call: Call) -> HttpResponse:
    html = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>404 Not Found</title>\n'
        "<h1>Not Found</h1>\n<p>The requested URL was not found on the server.  If you entered "
        "the URL manually please check your spelling and try again.</p>\n"
    )
    return respond(call, 404, html, "text/html", CORS, server=SERVER)


def _not_allowed(call: Call) -> HttpResponse:
    html = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n'
        "<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n"
        "<p>The method is not allowed for the requested URL.</p>\n"
    )
    return respond(call, 405, html, "text/html", (*CORS, ("allow", "GET, HEAD, OPTIONS")),
                   server=SERVER)  # fmt: skip


__all__ = ["httpbin", "origin", "shown_headers", "title"]
