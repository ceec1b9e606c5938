"""Serving: a response's status line, headers and body leave in one write of the transport."""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

from running_api import RunningApi

from meshcert.kube.apiserver.serving import _CoalescingTransport


class _Recording:
    """A transport that records what is written to it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.eof = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(data)

    def write_eof(self) -> None:
        self.eof = True

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return f"info:{name}"


def _coalescing() -> tuple[_CoalescingTransport, _Recording]:
    inner = _Recording()
    return _CoalescingTransport(inner), inner  # type: ignore[arg-type]


def test_writes_of_one_loop_step_leave_together() -> None:
    async def scenario() -> list[list[bytes]]:
        outer, inner = _coalescing()
        outer.write(b"HTTP/1.1 200 OK\r\n\r\n")
        outer.write(memoryview(b"body"))
        seen = [list(inner.writes)]
        await asyncio.sleep(0)
        seen.append(list(inner.writes))
        outer.write(b"next")
        await asyncio.sleep(0)
        seen.append(list(inner.writes))
        return seen

    before, after_step, after_next = asyncio.run(scenario())
    assert before == []
    assert after_step == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    assert after_next == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]


def test_close_and_write_eof_send_what_is_pending_first() -> None:
    async def scenario() -> tuple[_Recording, _Recording]:
        closing, closed = _coalescing()
        closing.write(b"error page")
        closing.close()
        ending, ended = _coalescing()
        ending.write(b"last")
        ending.write_eof()
        await asyncio.sleep(0)
        return closed, ended

    closed, ended = asyncio.run(scenario())
    assert closed.writes == [b"error page"]
    assert closed.closed
    assert ended.writes == [b"last"]
    assert ended.eof


def test_nothing_is_written_to_a_closing_transport() -> None:
    async def scenario() -> _Recording:
        outer, inner = _coalescing()
        outer.write(b"late")
        inner.closed = True
        await asyncio.sleep(0)
        return inner

    assert asyncio.run(scenario()).writes == []


def test_everything_else_is_the_transports() -> None:
    outer, _ = _coalescing()
    assert outer.get_extra_info("peername") == "info:peername"


def test_a_response_arrives_in_one_tls_record(api: RunningApi) -> None:
    """Headers and body of a response in one TLS record: one read returns both."""
    context = ssl.create_default_context(cadata=api.ca_pem.decode())
    with (
        socket.create_connection(("127.0.0.1", api.port)) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(b"GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        first = tls.recv(65536)
    head, _, body = first.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b'"gitVersion"' in body
