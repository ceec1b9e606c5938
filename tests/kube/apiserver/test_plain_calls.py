"""Plain calls answered straight from the HTTP parser: what a client sees on the wire.

The server answers get/list/create/patch/delete without ASGI (`apiserver.plain`, `serving`);
these tests pin the HTTP/1.1 behaviour that path must keep: keep-alive, HTTP/1.0 closing,
pipelined requests answered in order, bodies over the limit, and streams still served.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator

import pytest
from running_api import RunningApi

NAMESPACE = "/api/v1/namespaces/default"


@pytest.fixture
def tls(api: RunningApi) -> Iterator[ssl.SSLSocket]:
    context = ssl.create_default_context(cadata=api.ca_pem.decode())
    raw = socket.create_connection(("127.0.0.1", api.port), timeout=10)
    with context.wrap_socket(raw, server_hostname="127.0.0.1") as wrapped:
        yield wrapped


def _request(api: RunningApi, method: str, path: str, body: bytes = b"", *extra: str) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {api.token}",
        "Accept: application/json",
        *extra,
    ]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _read_response(sock: ssl.SSLSocket, buffer: bytearray) -> tuple[int, dict[str, str], bytes]:
    """One response off the connection (Content-Length framed), the rest left in `buffer`."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection before answering"
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk
        rest += chunk
    buffer[:] = rest[length:]
    return int(status_line.split()[1]), headers, rest[:length]


def test_keep_alive_connection_answers_one_call_after_another(
    api: RunningApi, tls: ssl.SSLSocket
) -> None:
    buffer = bytearray()
    for _ in range(3):
        tls.sendall(_request(api, "GET", NAMESPACE))
        status, headers, body = _read_response(tls, buffer)
        assert status == 200
        assert headers["content-type"] == "application/json"
        assert "date" in headers
        assert json.loads(body)["metadata"]["name"] == "default"


def test_pipelined_calls_are_answered_in_order(api: RunningApi, tls: ssl.SSLSocket) -> None:
    config_map = json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "piped"}}
    ).encode()
    tls.sendall(
        _request(api, "GET", f"{NAMESPACE}/configmaps/piped")
        + _request(api, "POST", f"{NAMESPACE}/configmaps", config_map)
        + _request(api, "GET", f"{NAMESPACE}/configmaps/piped")
    )
    buffer = bytearray()
    statuses = [_read_response(tls, buffer)[0] for _ in range(3)]
    assert statuses == [404, 201, 200]


def test_http_1_0_call_is_answered_and_the_connection_closed(
    api: RunningApi, tls: ssl.SSLSocket
) -> None:
    request = _request(api, "GET", NAMESPACE).replace(b"HTTP/1.1", b"HTTP/1.0", 1)
    tls.sendall(request)
    buffer = bytearray()
    status, headers, _ = _read_response(tls, buffer)
    assert status == 200
    assert headers["connection"] == "close"
    assert tls.recv(1024) == b""


def test_chunked_body_over_the_limit_is_413_and_stores_nothing(
    api: RunningApi, tls: ssl.SSLSocket
) -> None:
    # No Content-Length: the size is only known once the chunks have arrived.
    big = json.dumps(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "huge"},
            "data": {"blob": "x" * (3 * 1024 * 1024 + 10)},
        }
    ).encode()
    head = _request(api, "POST", f"{NAMESPACE}/configmaps", b"", "Transfer-Encoding: chunked")
    chunks = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n"
        for part in (big[i : i + 65536] for i in range(0, len(big), 65536))
    )
    tls.sendall(head + chunks + b"0\r\n\r\n")
    status, _, body = _read_response(tls, bytearray())
    assert status == 413
    assert json.loads(body)["reason"] == "RequestEntityTooLarge"
    assert api.cluster.find(api.cluster.kind("", "configmaps"), "default", "huge") is None


def test_a_watch_is_still_streamed_after_plain_calls(api: RunningApi, tls: ssl.SSLSocket) -> None:
    buffer = bytearray()
    tls.sendall(_request(api, "GET", NAMESPACE))
    assert _read_response(tls, buffer)[0] == 200
    tls.sendall(_request(api, "GET", f"{NAMESPACE}/configmaps?watch=true&timeoutSeconds=1"))
    while b"\r\n\r\n" not in buffer:
        buffer += tls.recv(65536)
    head = bytes(buffer).partition(b"\r\n\r\n")[0].decode().lower()
    assert head.startswith("http/1.1 200")
    assert "transfer-encoding: chunked" in head
    while b'"kube-root-ca.crt"' not in buffer:
        chunk = tls.recv(65536)
        assert chunk
        buffer += chunk


def test_a_bug_is_answered_500_and_the_server_keeps_serving(
    api: RunningApi, tls: ssl.SSLSocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meshcert.kube.apiserver import resources

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(resources, "get", broken)
    buffer = bytearray()
    tls.sendall(_request(api, "GET", f"{NAMESPACE}/configmaps/any"))
    status, _, body = _read_response(tls, buffer)
    assert status == 500
    assert json.loads(body)["message"] == "an error on the server has occurred"
    tls.sendall(_request(api, "GET", f"{NAMESPACE}/configmaps"))  # a list: not the broken verb
    assert _read_response(tls, buffer)[0] == 200
