"""The `curl` program: one or more transfers through the request simulation, with curl 8's
output (body, -i/-I header blocks, -v trace, progress meter, -w), messages and exit codes.

The simulation computes a virtual duration; curl waits it scaled by the lab's
`mesh.time_scale` (tests set 0), never longer than --max-time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from meshcert.kube.execution import ExecContext, FileSystemError, Sink
from meshcert.mesh.exchanges import HttpRequest, HttpResponse
from meshcert.mesh.simulation.deliveries import Delivery, Failure
from meshcert.mesh.simulation.engine import exchange, lookup

from .cookies import Cookie, merge, parse_jar, parse_set_cookie, render_jar
from .options import CurlOptions, CurlUsageError, parse_curl_args, parse_seconds
from .requests import custom_headers, method_for, request_body, request_headers
from .texts import (
    PROGRESS_HEADER,
    TRY_HELP,
    VERSION_TEXT,
    failure_message,
    header_name,
    progress_line,
    reason,
)
from .tls import VERIFY_ADVICE, TlsSetupError, client_tls, trace
from .tls import failure as tls_failure
from .urls import Url, UrlError, parse_url, resolve
from .writeout import Transfer, render

MAX_REDIRECTS = 50
TIME_SCALE_KEY = "mesh.time_scale"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


class CurlError(Exception):
    """A transfer that failed: curl's exit code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Session:
    """One curl invocation: its options, cookie jar and the time spent so far."""

    ctx: ExecContext
    opts: CurlOptions
    cookies: list[Cookie] = field(default_factory=list)
    literal_cookie: str = ""
    elapsed: float = 0.0
    max_time: float | None = None
    connect_timeout: float | None = None
    resolved: dict[tuple[str, int], str] = field(default_factory=dict)
    connect_to: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    last_status: int = 0

    @property
    def verbose(self) -> bool:
        return self.opts.on("verbose")

    @property
    def show_errors(self) -> bool:
        return not self.opts.on("silent") or self.opts.on("show_error")

    def trace(self, text: str) -> None:
        if self.verbose:
            self.ctx.err(text)

    def wait(self, seconds: float) -> None:
        self.ctx.spend(seconds, float(self.ctx.cluster.extensions.get(TIME_SCALE_KEY, 1.0)))


def _setup(ctx: ExecContext, opts: CurlOptions) -> Session:
    session = Session(ctx, opts)
    max_time = opts.last("max_time")
    if max_time is not None:
        session.max_time = parse_seconds(max_time, "-m") or None
    connect = opts.last("connect_timeout")
    if connect is not None:
        session.connect_timeout = parse_seconds(connect, "--connect-timeout") or None
    for entry in opts.all("resolve"):
        host, _, rest = entry.lstrip("+").partition(":")
        port, _, address = rest.partition(":")
        if not port.isdigit() or not address:
            raise CurlUsageError(f"Couldn't parse CURLOPT_RESOLVE entry '{entry}'")
        session.resolved[(host.lower(), int(port))] = address.strip("[]").split(",")[0]
    for entry in opts.all("connect_to"):
        parts = entry.split(":")
        if len(parts) != 4:
            raise CurlUsageError(f"Couldn't parse CURLOPT_CONNECT_TO entry '{entry}'")
        host, port, to_host, to_port = parts
        session.connect_to[(host.lower(), int(port) if port.isdigit() else 0)] = (
            to_host.lower(),
            int(to_port) if to_port.isdigit() else 0,
        )
    for value in opts.all("cookie"):
        if "=" in value:
            session.literal_cookie = value
        else:
            try:
                text = ctx.read_file(value).decode("utf-8", "replace")
            except FileSystemError:
                continue  # curl silently starts with an empty jar
            session.cookies = parse_jar(text)
    return session


def curl(ctx: ExecContext) -> int:
    """`curl [options] URL...`"""
    try:
        opts = parse_curl_args(ctx.argv[1:])
        if opts.on("version"):
            ctx.out(VERSION_TEXT)
            return 0
        if opts.on("help"):
            ctx.out("Usage: curl [options...] <url>\n")
            return 0
        if not opts.urls:
            ctx.err("curl: no URL specified\n" + TRY_HELP)
            return 2
        session = _setup(ctx, opts)
    except CurlUsageError as exc:
        ctx.err(f"curl: {exc.message}\n{TRY_HELP}")
        return 2
    code = 0
    retries = _retries(opts)
    for index, url in enumerate(opts.urls):
        fixed = opts.last("retry_delay")
        left, delay = retries, int(fixed) if fixed and fixed.isdigit() else 1
        while True:
            code, status = _run_transfer(session, url, index)
            problem = _transient(code, status, opts.on("retry_connrefused"))
            if not problem or left <= 0:
                break
            if not opts.on("silent"):
                plural = "retry" if left == 1 else "retries"
                ctx.err(f"Warning: Problem : {problem}. Will retry in {delay} second"
                        f"{'s' if delay != 1 else ''}. {left} {plural} left.\n")  # fmt: skip
            session.wait(float(delay))
            session.elapsed += delay
            left -= 1
            if not fixed:
                delay = min(delay * 2, 600)
    jar = opts.last("cookie_jar")
    if jar:
        try:
            ctx.open_output(jar).write(render_jar(session.cookies).encode())
        except FileSystemError:
            ctx.err(f"curl: (26) Failed to open {jar} for writing\n")
    return code


TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504, 522, 524})


def _retries(opts: CurlOptions) -> int:
    value = opts.last("retry")
    if value is None:
        return 0
    if not value.isdigit():
        raise CurlUsageError("option --retry: expected a proper numerical parameter")
    return int(value)


def _transient(code: int, status: int, connrefused: bool) -> str:
    """What curl --retry calls the problem ("" = not transient): timeouts, HTTP 408, 429,
    5xx gateway errors; refused connections only with --retry-connrefused (curl(1))."""
    if code == 28:
        return "timeout"
    if code == 7 and connrefused:
        return "connection refused"
    if code in (0, 22) and status in TRANSIENT_STATUS:
        return "HTTP error"
    return ""


def _run_transfer(session: Session, url_text: str, index: int) -> tuple[int, int]:
    """One transfer: (exit code, HTTP status or 0)."""
    code = _run_one(session, url_text, index)
    return code, session.last_status


def _run_one(session: Session, url_text: str, index: int) -> int:
    ctx, opts = session.ctx, session.opts
    transfer = Transfer(url=url_text)
    output_name = opts.last("output")
    progress = not opts.on("silent") and (output_name is not None or not ctx.tty)
    if progress:
        ctx.err(PROGRESS_HEADER)
    try:
        sink: Sink = ctx.open_output(output_name) if output_name is not None else ctx.stdout
    except FileSystemError:
        return _fail(session, transfer, 23, "Failure writing output to destination", progress)
    try:
        _transfer(session, url_text, transfer, sink, index)
    except CurlError as exc:
        return _fail(session, transfer, exc.code, exc.message, progress)
    except FileSystemError:
        return _fail(session, transfer, 23, "Failure writing output to destination", progress)
    if progress:
        ctx.err(progress_line(transfer.size_download, transfer.size_upload, transfer.time_total))
    _write_out(session, transfer)
    session.last_status = transfer.status
    return 0


def _fail(session: Session, transfer: Transfer, code: int, message: str, progress: bool) -> int:
    transfer.exitcode = code
    transfer.errormsg = message
    session.last_status = transfer.status
    if progress:
        session.ctx.err(progress_line(0, 0, transfer.time_total))
    if session.show_errors:
        session.ctx.err(f"curl: ({code}) {message}\n")
        if code == 60:
            session.ctx.err(VERIFY_ADVICE)
    _write_out(session, transfer)
    return code


def _write_out(session: Session, transfer: Transfer) -> None:
    fmt = session.opts.last("write_out")
    if fmt is None:
        return
    if fmt.startswith("@"):
        try:
            fmt = session.ctx.read_file(fmt[1:]).decode("utf-8", "replace")
        except FileSystemError:
            return
    out, err = render(fmt, transfer)
    session.ctx.out(out)
    session.ctx.err(err)


def _transfer(session: Session, url_text: str, transfer: Transfer, sink: Sink, index: int) -> None:
    ctx, opts = session.ctx, session.opts
    try:
        url = parse_url(url_text)
    except UrlError as exc:
        raise CurlError(exc.code, exc.message) from None
    body = request_body(ctx, opts)
    if body is not None and opts.on("get"):
        sep = "&" if "?" in url.path else "?"
        url = Url(url.scheme, url.host, url.port, f"{url.path}{sep}{body.decode()}",
                  url.userinfo, url.explicit_port)  # fmt: skip
        body = None
    custom = custom_headers(ctx, opts.all("header"))
    method = method_for(opts, body)
    redirects = 0
    while True:
        transfer.url = url.text()
        transfer.method = method
        transfer.scheme = url.scheme
        headers = request_headers(opts, url, custom, body, session.cookies, session.literal_cookie)
        delivery = _one_exchange(session, url, method, headers, body or b"", transfer, index)
        response = delivery.response
        assert response is not None
        _show_response(session, delivery, response, transfer, sink, method)
        location = response.header("location")
        if not (opts.on("location") and location and response.status in REDIRECT_CODES):
            break
        redirects += 1
        if redirects > int(opts.last("max_redirs") or MAX_REDIRECTS):
            raise CurlError(47, f"Maximum ({redirects - 1}) redirects followed")
        session.trace(f"* Issue another request to this URL: '{location}'\n")
        url = resolve(url, location)
        transfer.num_redirects = redirects
        if response.status in (301, 302, 303) and method == "POST":
            method, body = "GET", None
    if opts.on("fail") and transfer.status >= 400:
        raise CurlError(22, f"The requested URL returned error: {transfer.status}")


def _one_exchange(
    session: Session,
    url: Url,
    method: str,
    headers: list[tuple[str, str]],
    body: bytes,
    transfer: Transfer,
    index: int,
) -> Delivery:
    ctx = session.ctx
    connect_host, connect_port = url.host, url.port
    target = session.connect_to.get((url.host, url.port)) or session.connect_to.get((url.host, 0))
    if target is not None:
        connect_host = target[0] or url.host
        connect_port = target[1] or url.port
        session.trace(f"* Connecting to hostname: {connect_host}\n")
    address = session.resolved.get((connect_host, connect_port))
    if address is not None:
        session.trace(f"* Added {url.host}:{url.port}:{address} to DNS cache\n")
        session.trace(f"* Hostname {url.host} was found in DNS cache\n")
    elif _is_ip(connect_host):
        address = connect_host
    else:
        with ctx.cluster.lock:
            address = lookup(ctx.cluster, ctx.pod, connect_host)
        if address is None:
            session.trace(f"* Could not resolve host: {connect_host}\n* shutting down "
                          f"connection #{index}\n")  # fmt: skip
            raise CurlError(6, f"Could not resolve host: {connect_host}")
        session.trace(f"* Host {connect_host}:{connect_port} was resolved.\n* IPv6: (none)\n"
                      f"* IPv4: {address}\n")  # fmt: skip
    session.trace(f"*   Trying {address}:{connect_port}...\n")
    remaining = None if session.max_time is None else session.max_time - session.elapsed
    hello = None
    if url.scheme == "https":
        try:
            hello = client_tls(ctx, session.opts, url.host)
        except TlsSetupError as exc:
            session.trace(f"* {exc.message}\n* closing connection #{index}\n")
            raise CurlError(exc.code, exc.message) from None
    request = HttpRequest(
        method=method,
        authority=next((v for n, v in headers if n == "Host"), url.authority),
        path=_escape_path(url.path),
        scheme=url.scheme,
        headers=tuple((n, v) for n, v in headers if n != "Host"),
        body=body,
        tls=hello,
    )
    with ctx.cluster.lock:
        delivery = exchange(
            ctx.cluster,
            ctx.pod,
            request,
            address,
            connect_port,
            timeout=remaining,
            connect_timeout=session.connect_timeout,
            container=ctx.container,
        )
    waited = delivery.duration
    if remaining is not None:
        waited = min(waited, remaining)
    session.wait(waited)
    session.elapsed += waited
    transfer.time_total = session.elapsed
    transfer.time_namelookup = 0.000012
    transfer.remote_ip = delivery.remote_ip or address
    transfer.remote_port = url.port
    transfer.size_upload = len(body)
    handshake = delivery.handshake
    if handshake is not None and hello is not None and handshake.failure:
        code, message = tls_failure(handshake, url.host, url.port)
        session.trace(f"* Connected to {url.host} ({address}) port {url.port}\n")
        session.trace(trace(handshake, hello))
        session.trace(f"* {message}\n* closing connection #{index}\n")
        raise CurlError(code, message)
    if delivery.failure is not None:
        elapsed_ms = int(waited * 1000) + (1 if delivery.failure is Failure.TIMEOUT else 0)
        if delivery.failure is Failure.CONNECT_TIMEOUT and session.connect_timeout:
            elapsed_ms = int(session.connect_timeout * 1000) + 1
        limited = delivery.failure is Failure.CONNECT_TIMEOUT and bool(session.connect_timeout)
        code, message = failure_message(delivery.failure, url.host, url.port, elapsed_ms,
                                        limited)  # fmt: skip
        if delivery.failure is Failure.REFUSED:
            local = (ctx.pod.get("status") or {}).get("podIP") or "0.0.0.0"
            session.trace(f"* connect to {address} port {url.port} from {local} port "
                          f"{40000 + index} failed: Connection refused\n")  # fmt: skip
        session.trace(f"* {message}\n* closing connection #{index}\n")
        raise CurlError(code, message)
    transfer.time_connect = min(0.000100, waited)
    transfer.time_starttransfer = waited
    session.trace(f"* Connected to {url.host} ({address}) port {url.port}\n")
    if handshake is not None and hello is not None:
        session.trace(trace(handshake, hello))
        session.trace("* using HTTP/2\n" if delivery.http2 else "* using HTTP/1.x\n")
    elif url.scheme == "https":
        session.trace("* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384 / x25519 / "
                      "RSASSA-PSS\n* ALPN: server accepted h2\n" if delivery.http2 else
                      "* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384\n")  # fmt: skip
    else:
        session.trace("* using HTTP/1.x\n")
    version = "HTTP/2" if delivery.http2 and handshake is not None else "HTTP/1.1"
    request_lines = [f"{method} {request.path} {version}", *(f"{n}: {v}" for n, v in headers)]
    transfer.size_request = sum(len(x) + 2 for x in request_lines) + 2
    session.trace("".join(f"> {line}\r\n" for line in request_lines) + "> \r\n")
    session.trace("* Request completely sent off\n")
    return delivery


def _show_response(
    session: Session,
    delivery: Delivery,
    response: HttpResponse,
    transfer: Transfer,
    sink: Sink,
    method: str,
) -> None:
    opts = session.opts
    # HTTP/2 when TLS negotiated it, or with --http2-prior-knowledge to an Envoy (which
    # accepts h2c; plain --http2 asks for an Upgrade that Envoy does not grant)
    http2 = delivery.http2 or (opts.on("http2_prior") and delivery.via_envoy)
    status_line = (
        f"HTTP/2 {response.status}"
        if http2
        else f"HTTP/1.1 {response.status} {reason(response.status)}"
    )
    names = [(header_name(n, delivery.via_envoy or http2), v) for n, v in response.headers]
    block = "".join(f"{line}\r\n" for line in [status_line, *(f"{n}: {v}" for n, v in names)])
    block += "\r\n"
    session.trace("".join(f"< {line}\r\n" for line in [status_line,
                  *(f"{n}: {v}" for n, v in names)]) + "< \r\n")  # fmt: skip
    transfer.status = response.status
    transfer.headers = tuple(names)
    transfer.http_version = "2" if http2 else "1.1"
    transfer.size_header += len(block.encode())
    transfer.redirect_url = response.header("location") or ""
    for name, value in response.headers:
        if name == "set-cookie":
            cookie = parse_set_cookie(value, _host_of(transfer.url))
            if cookie is not None:
                session.cookies = merge(session.cookies, cookie)
    failing = opts.on("fail") and response.status >= 400
    if (opts.on("include") or opts.on("head")) and not failing:
        sink.write(block.encode())
    dump = opts.last("dump_header")
    if dump is not None:
        target = (
            session.ctx.stdout
            if dump == "-"
            else session.ctx.open_output(dump, append=transfer.num_redirects > 0)
        )
        target.write(block.encode())
    body = b"" if method == "HEAD" or opts.on("head") else response.body
    following = (
        opts.on("location") and response.status in REDIRECT_CODES and response.header("location")
    )
    if not failing and not following:
        sink.write(body)
        transfer.size_download += len(body)
    session.trace(f"* Connection #0 to host {_host_of(transfer.url)} left intact\n")


def _host_of(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]


def _is_ip(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def _escape_path(path: str) -> str:
    return quote(path, safe="/?&=%:@!$'()*+,;~-._[]")


__all__ = ["curl"]
