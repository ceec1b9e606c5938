"""HTTPS serving with uvicorn: one app on any number of loopback ports in one event loop."""

from __future__ import annotations

import asyncio
import socket
import ssl
import tempfile
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .app import ApiApp


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


class _HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over a `_CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_CoalescingTransport(transport))  # type: ignore[arg-type]


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
