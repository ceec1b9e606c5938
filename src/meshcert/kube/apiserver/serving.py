"""HTTPS serving with uvicorn: one app on any number of loopback ports in one event loop."""

from __future__ import annotations

import asyncio
import socket
import ssl
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from . import bodies, plain
from .app import ApiApp
from .plain import PlainAnswer, PlainApi, PlainRequest


def new_event_loop() -> asyncio.AbstractEventLoop:
    """The event loop to serve labs from: uvloop's (libuv, its TLS transport compiled) when it
    is installed, which needs about a third less CPU per request than asyncio's; else asyncio's.
    """
    try:
        import uvloop
    except ImportError:  # pragma: no cover - a dependency; asyncio's loop works the same
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def ssl_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    """A server context from PEM bytes (the ssl module loads chains only from files)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])
    with tempfile.TemporaryDirectory(prefix="meshcert-tls-") as tmp:
        cert, key = Path(tmp) / "tls.crt", Path(tmp) / "tls.key"
        cert.write_bytes(cert_pem)
        key.touch(mode=0o600)
        key.write_bytes(key_pem)
        ctx.load_cert_chain(cert, key)
    return ctx


class _CoalescingTransport:
    """A connection's transport as uvicorn sees it: writes made in one step of the event loop
    (a response's status line and headers, then its body) leave as one TLS record and one
    `send`, instead of two of each. The client is woken once per response, not twice, and
    the server makes half the TLS writes and system calls. Everything else is the transport's.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending.append(bytes(data))

    def flush(self) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
        self._pending.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _PendingPlain:
    """A plain call whose body is still arriving."""

    __slots__ = ("body", "keep_alive", "method", "path", "query", "size")

    def __init__(self, method: str, path: str, query: bytes, keep_alive: bool) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.keep_alive = keep_alive
        self.body: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size <= bodies.MAX_BODY:  # past the limit only the count goes on (413)
            self.body.append(chunk)


class _HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over a `_CoalescingTransport`, answering plain API calls
    itself (`ApiApp.is_plain`, `ApiApp.answer`): straight from the parser's callbacks, with one
    write, no ASGI cycle and no task. Everything else (streams, upgrades, a request pipelined
    behind an unfinished one) goes the ASGI way as before.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        app = self.config.app
        self._api: PlainApi | None = app if isinstance(app, PlainApi) else None
        self._plain: _PendingPlain | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_CoalescingTransport(transport))  # type: ignore[arg-type]

    def on_headers_complete(self) -> None:
        if self._api is not None and self._starts_plain():
            return
        super().on_headers_complete()

    def _starts_plain(self) -> bool:
        assert self._api is not None
        parser = self.parser
        if self.expect_100_continue or parser.should_upgrade() or self.pipeline:
            return False
        if self.cycle is not None and not self.cycle.response_complete:
            return False
        method = parser.get_method().decode("ascii")
        parsed = httptools.parse_url(self.url)
        path = parsed.path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        query = parsed.query or b""
        length = b""
        for name, value in self.headers:
            if name == b"content-length":
                length = value
                break
        if not self._api.is_plain(method, path, query, length.decode("latin-1")):
            return False
        keep_alive = parser.get_http_version() == "1.1" and parser.should_keep_alive()
        self._plain = _PendingPlain(method, path, query, keep_alive)
        return True

    def on_body(self, body: bytes) -> None:
        if self._plain is not None:
            self._plain.add(body)
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        pending = self._plain
        if pending is None:
            super().on_message_complete()
            return
        self._plain = None
        assert self._api is not None
        body = b"".join(pending.body)
        request = PlainRequest(
            pending.method,
            pending.path,
            plain.parse_query(pending.query),
            plain.header_dict(self.headers),
            body,
            int(self.server[1] or 0) if self.server else 0,
            pending.size,
        )
        answer = self._api.answer(request)
        self._write_answer(answer, pending.method == "HEAD", pending.keep_alive)

    def _write_answer(self, answer: PlainAnswer, head: bool, keep_alive: bool) -> None:
        parts = [STATUS_LINE[answer.status]]
        for name, value in self.server_state.default_headers:
            parts += [name, b": ", value, b"\r\n"]
        if answer.content_type is not None:
            parts += [b"content-type: ", answer.content_type.encode("latin-1"), b"\r\n"]
        if answer.status not in (204, 304):
            parts += [b"content-length: ", str(len(answer.body)).encode("ascii"), b"\r\n"]
        for key, text in answer.headers.items():
            parts += [key.lower().encode("latin-1"), b": ", text.encode("latin-1"), b"\r\n"]
        if not keep_alive:
            parts.append(b"connection: close\r\n")
        parts.append(b"\r\n")
        if not head and answer.status not in (204, 304):
            parts.append(answer.body)
        transport = self.transport
        transport.write(b"".join(parts))
        self.server_state.total_requests += 1
        if not keep_alive:
            transport.close()
        elif not transport.is_closing():
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )


class ApiServer:
    """Serves `app` over HTTPS; ports can be added and removed while it runs."""

    def __init__(
        self, app: ApiApp, cert_pem: bytes, key_pem: bytes, host: str = "127.0.0.1"
    ) -> None:
        self.app = app
        self.host = host
        self.ssl = ssl_context(cert_pem, key_pem)
        self._servers: dict[int, tuple[Any, asyncio.Task[None]]] = {}

    @property
    def ports(self) -> list[int]:
        return sorted(self._servers)

    async def start_port(self, port: int = 0) -> int:
        """Listen on `port` (0: any free port) and return the bound port."""
        # IPPROTO_TCP (not 0) so that asyncio turns TCP_NODELAY on for accepted connections;
        # without it a response's second write waits for the client's delayed ACK (~40 ms).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.bind((self.host, port))
        except OSError:
            sock.close()
            raise
        sock.listen(1024)
        sock.setblocking(False)
        bound = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            http=_HttpProtocol,
            ws="websockets-sansio",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=75,
            ws_ping_interval=None,
            timeout_graceful_shutdown=2,
        )
        config.load()
        config.ssl = self.ssl
        server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)
        await server.startup(sockets=[sock])
        task = asyncio.create_task(server.main_loop())
        self._servers[bound] = (server, task)
        return bound

    async def stop_port(self, port: int) -> None:
        entry = self._servers.pop(port, None)
        if entry is None:
            return
        server, task = entry
        server.should_exit = True
        await task
        # Idle connections close at once; open watches and exec streams get the graceful
        # timeout, then their transports are aborted so that nothing outlives the server.
        await server.shutdown()
        for connection in list(server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()
        await asyncio.sleep(0)

    async def stop(self) -> None:
        for port in list(self._servers):
            await self.stop_port(port)
