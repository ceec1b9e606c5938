"""The small samples: helloworld, tcp-echo, fortio's echo server, and the plain echo server any
other image answers as.

Sources: samples/helloworld/src/app.py ("Hello version: %s, instance: %s\\n" from
SERVICE_VERSION and HOSTNAME), samples/tcp-echo/src/main.go (each line answered with
"<prefix> <line>", the prefix being the second container argument), fortio's echo handler
(fortio.org/fortio/fhttp: `?status=`, `?delay=`, `?size=`, echoes the body).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from meshcert.mesh.exchanges import HttpResponse

from .serving import Call, respond

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|us)?$")


def helloworld(call: Call) -> HttpResponse:
    path = call.request.uri_path
    if path == "/hello":
        # the examples-helloworld-vN images bake SERVICE_VERSION=vN in (samples/helloworld/src
        # Dockerfile); the container's env overrides it
        image = str(call.container.get("image", ""))
        baked = re.search(r"examples-helloworld-(v\d+)", image)
        version = call.env.get("SERVICE_VERSION", baked.group(1) if baked else "None")
        host = call.env.get("HOSTNAME", call.pod_name)
        text = f"Hello version: {version}, instance: {host}\n"
        return respond(call, 200, text, "text/html; charset=utf-8", server="Werkzeug/3.0.1",
                       duration=0.08)  # fmt: skip
    if path == "/health":
        return respond(call, 200, "Helloworld is healthy", "text/html; charset=utf-8")
    return respond(call, 404, "<!doctype html>\n<title>404 Not Found</title>\n",
                   "text/html; charset=utf-8")  # fmt: skip


def tcp_echo_ports(args: list[str]) -> tuple[int, ...]:
    """The ports tcp-echo listens on: its first argument, comma-separated (`9000,9001,9002`
    in samples/tcp-echo/tcp-echo.yaml, port 9002 not declared in the pod spec)."""
    first = args[0] if args else ""
    return tuple(int(p) for p in first.split(",") if p.strip().isdigit())


def tcp_echo(call: Call, data: bytes) -> bytes:
    """Every line comes back prefixed: `hello world` -> `<prefix> hello world`."""
    args = [str(a) for a in call.container.get("args") or []]
    prefix = args[1] if len(args) > 1 else "hello"
    out = bytearray()
    for line in data.splitlines(keepends=True):
        if line.endswith(b"\n"):
            call.log(f"request: {line.decode('utf-8', 'replace')}".rstrip("\n"))
            out += prefix.encode() + b" " + line
            call.log(f"response: {prefix} {line.decode('utf-8', 'replace')}".rstrip("\n"))
    return bytes(out)


def _seconds(text: str) -> float:
    m = _DURATION.match(text.strip())
    if m is None:
        return 0.0
    value = float(m.group(1))
    return {"ms": value / 1000, "us": value / 1e6, "m": value * 60}.get(m.group(2) or "s", value)


def fortio_server(call: Call) -> HttpResponse:
    """fortio's echo server: the request body back, `?status=N` and `?delay=D` honoured."""
    query = dict(parse_qsl(call.request.query))
    status = 200
    code = query.get("status", "").split(":")[0].split(",")[0]
    if code.isdigit():
        status = int(code)
    delay = _seconds(query.get("delay", "0").split(":")[0].split(",")[0])
    body = call.request.body
    if not body and call.request.uri_path.startswith("/debug"):
        body = f"Φορτίο version 1.69.5 echo debug server up for {call.pod_name}\n".encode()
    return respond(call, status, body, "application/octet-stream", duration=delay + 0.0005)


def echo(call: Call) -> HttpResponse:
    """Any other image: the request line and headers echoed back as text."""
    lines = [f"{call.request.method} {call.request.path} HTTP/1.1",
             f"host: {call.request.authority}"]  # fmt: skip
    lines += [f"{n}: {v}" for n, v in call.request.headers]
    text = "\n".join(lines) + "\n\n"
    return respond(call, 200, text.encode() + call.request.body)


__all__ = ["echo", "fortio_server", "helloworld", "tcp_echo", "tcp_echo_ports"]
