"""nginx (`docker.io/library/nginx`): the web server istio.io's "Ingress Gateway without TLS
Termination" task deploys to terminate TLS itself behind a PASSTHROUGH gateway
(docs/tasks/traffic-management/ingress/ingress-sni-passthrough).

It reads its configuration from the files mounted into the container (a ConfigMap over
/etc/nginx, a Secret with the certificate) as nginx would, and serves:

- on a `listen ... ssl` port: TLS with the `ssl_certificate` chain (the key must match), ALPN
  `http/1.1` (and `h2` with `http2 on`), protocols from `ssl_protocols`; plain HTTP arriving
  there gets nginx's 400 "The plain HTTP request was sent to HTTPS port";
- `GET /` (and `/index.html`): the welcome page, `Server: nginx/<version>`; a `return` in the
  server or an exact `location =` answers with its code; anything else 404.

The page markup is the lab's own, with the title and heading the docs show ("Welcome to
nginx!"); status lines, headers and error page layout are nginx's.
"""

from __future__ import annotations

from collections.abc import Callable

from meshcert.mesh.exchanges import HttpResponse
from meshcert.mesh.security.certificates_tls import ServerTls
from meshcert.mesh.security.certificates_verification import (
    PemError,
    keys_match,
    load_certificates,
)

from . import nginx_config
from .nginx_config import ConfigError, Server
from .serving import Call, respond

VERSION = "1.29.3"
SERVER = f"nginx/{VERSION}"
WELCOME = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>This nginx serves the lab's default page: the server is installed and answering.</p>
</body>
</html>
"""
REASONS = {301: "Moved Permanently", 302: "Found", 400: "Bad Request", 403: "Forbidden",
           404: "Not Found", 405: "Not Allowed", 500: "Internal Server Error",
           503: "Service Temporarily Unavailable"}  # fmt: skip
PLAIN_TO_TLS = "The plain HTTP request was sent to HTTPS port"
ReadFile = Callable[[str], bytes | None]


def configured_servers(read_file: ReadFile) -> tuple[Server, ...] | ConfigError:
    """The servers of the mounted configuration, the image's default site, or why nginx
    would refuse to start."""
    for path in (nginx_config.CONFIG_PATH, nginx_config.DEFAULT_SITE):
        data = read_file(path)
        if data is None:
            continue
        try:
            return nginx_config.servers(data.decode("utf-8", "replace"), path)
        except ConfigError as exc:
            return exc
    return (Server((nginx_config.Listen(80, default=True),)),)


def server_tls(read_file: ReadFile, port: int, sni: str) -> ServerTls | str | None:
    """What nginx presents to a ClientHello for `sni` on `port`: its TLS settings, the reason
    it cannot (a string: the connection closes), or None when the port is not a TLS port."""
    found = configured_servers(read_file)
    if isinstance(found, ConfigError):
        return f"[emerg] {found}"
    server = nginx_config.pick(found, port, sni)
    listen = server.listen_on(port) if server is not None else None
    if server is None or listen is None or not listen.ssl:
        return None
    if not server.certificate:
        return (
            f'[error] no "ssl_certificate" is defined for the "listen ... ssl" directive '
            f"on port {port}"
        )
    cert = read_file(server.certificate)
    key = read_file(server.key) if server.key else None
    if cert is None or key is None:
        missing = server.certificate if cert is None else server.key
        return f'[emerg] cannot load certificate "{missing}": No such file or directory'
    try:
        chain = tuple(load_certificates(cert))
    except PemError:
        return (
            f'[emerg] cannot load certificate "{server.certificate}": '
            "PEM_read_bio_X509_AUX() failed"
        )
    if not keys_match(chain[0], key.decode("utf-8", "replace")):
        return (f'[emerg] SSL_CTX_use_PrivateKey("{server.key}") failed '
                "(SSL: error:05800074:x509 certificate routines::key values mismatch)")  # fmt: skip
    versions = [v for v in server.protocols if v in ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")]
    order = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
    ranked = sorted(versions or ["TLSv1.2", "TLSv1.3"], key=order.index)
    alpn = ("h2", "http/1.1") if server.http2 else ("http/1.1",)
    return ServerTls("SIMPLE", chain, (), ranked[0], ranked[-1], alpn)


def _page(call: Call, status: int, text: str = "") -> HttpResponse:
    reason = REASONS.get(status, "")
    title = f"{status} {reason}".strip()
    extra = f"<center>{text}</center>\r\n" if text else ""
    body = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n{extra}<hr><center>{SERVER}</center>\r\n"
            "</body>\r\n</html>\r\n")  # fmt: skip
    headers: tuple[tuple[str, str], ...] = (("connection", "close"),) if status == 400 else ()
    return respond(call, status, body, "text/html", headers, server=SERVER)


def _returned(call: Call, code: int, text: str) -> HttpResponse:
    if code in (301, 302, 303, 307, 308):
        response = _page(call, code)
        return HttpResponse(response.status, (*response.headers, ("location", text)),
                            response.body, duration=response.duration)  # fmt: skip
    if text:
        return respond(call, code, text, "application/octet-stream", server=SERVER)
    return _page(call, code)


def nginx(call: Call) -> HttpResponse:
    found = configured_servers(call.read_file)
    if isinstance(found, ConfigError):  # the lab serves nothing; a real nginx exits
        return _page(call, 503)
    host = (call.request.authority or "").rsplit(":", 1)[0]
    server = nginx_config.pick(found, call.port, host)
    if server is None:
        return _page(call, 404)
    listen = server.listen_on(call.port)
    if listen is not None and listen.ssl and call.request.scheme != "https":
        return _page(call, 400, PLAIN_TO_TLS)
    path = call.request.uri_path
    if path in server.locations:
        return _returned(call, *server.locations[path])
    if server.returns is not None:
        return _returned(call, *server.returns)
    if call.request.method not in ("GET", "HEAD"):
        return _page(call, 405 if path in ("/", "/index.html") else 404)
    if path in ("/", "/index.html"):
        return respond(call, 200, WELCOME, "text/html", (("accept-ranges", "bytes"),),
                       server=SERVER)  # fmt: skip
    return _page(call, 404)


__all__ = ["SERVER", "configured_servers", "nginx", "server_tls"]
