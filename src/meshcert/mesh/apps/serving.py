"""What an app sees when a request reaches it, and the registry of apps by container image."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Protocol

from meshcert.mesh.exchanges import HttpRequest, HttpResponse
from meshcert.mesh.security.certificates_tls import ServerTls
from meshcert.mesh.simulation.deliveries import Delivery
from meshcert.mesh.simulation.messages import new_response

Obj = Mapping[str, Any]
# (url, headers, timeout seconds or None) -> what the GET got back
Fetch = Callable[[str, tuple[tuple[str, str], ...], float | None], Delivery]


@dataclass(frozen=True)
class Call:
    """One request arriving at an app container.

    `peer` is the address the app sees the connection from (127.0.0.6 behind a sidecar's
    inbound listener, else the client's IP); `fetch` makes an outbound call as this pod;
    `log` appends a line to the app container's log; `read_file` reads the files mounted into
    the container (configMap and secret volumes), None when there is none at that path.
    """

    pod: Obj
    container: Obj
    request: HttpRequest
    port: int
    peer: str
    now: datetime
    fetch: Fetch
    log: Callable[[str], None]
    env_of: Callable[[], Mapping[str, str]] = field(default=dict)
    read_file: Callable[[str], bytes | None] = field(default=lambda path: None)

    @classmethod
    def made(cls, pod: Obj, container: Obj, request: HttpRequest, port: int, peer: str,
             now: datetime, fetch: Fetch, log: Callable[[str], None],
             env_of: Callable[[], Mapping[str, str]],
             read_file: Callable[[str], bytes | None]) -> Call:  # fmt: skip
        """`Call(...)` with every field given, built without the frozen dataclass's
        field-by-field `__init__` (one per request that reaches an app)."""
        out = object.__new__(cls)
        out.__dict__.update(pod=pod, container=container, request=request, port=port, peer=peer,
                            now=now, fetch=fetch, log=log, env_of=env_of,
                            read_file=read_file)  # fmt: skip
        return out

    @property
    def env(self) -> Mapping[str, str]:
        """The container's environment (computed on demand: it is not free)."""
        return self.env_of()

    @property
    def pod_name(self) -> str:
        return str((self.pod.get("metadata") or {}).get("name", ""))

    @property
    def namespace(self) -> str:
        return str((self.pod.get("metadata") or {}).get("namespace", ""))

    @property
    def command(self) -> list[str]:
        return [str(x) for x in (self.container.get("command") or [])] + [
            str(x) for x in (self.container.get("args") or [])
        ]


class HttpApp(Protocol):
    def __call__(self, call: Call) -> HttpResponse: ...


class TcpApp(Protocol):
    def __call__(self, call: Call, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class App:
    """An image's behaviour: an HTTP handler, a TCP handler, or neither (nothing listens).

    `tls`: for an app that terminates TLS itself (nginx): (read_file, port, sni) -> the TLS
    server it presents on that port, a reason it cannot (the connection closes), or None when
    the port does not speak TLS.

    `ports`: where the image's server listens whatever the pod spec declares (None: on the
    container ports the spec declares, or on any port when it declares none). `ports_of`: the
    ports the server binds from its command line (tcp-echo's first argument), if it says.
    """

    name: str
    http: HttpApp | None = None
    tcp: TcpApp | None = None
    listens: bool = True
    ports: tuple[int, ...] | None = None
    ports_of: Callable[[list[str]], tuple[int, ...]] | None = None
    tls: Callable[[Callable[[str], bytes | None], int, str], ServerTls | str | None] | None = None

    def listens_on(self, port: int, container: Obj) -> bool:
        if not self.listens:
            return False
        command = [str(x) for x in (container.get("command") or [])]
        command += [str(x) for x in (container.get("args") or [])]
        bound = _bound_ports(command)
        if self.ports_of is not None:
            bound += self.ports_of([str(x) for x in container.get("args") or []])
        if self.ports is not None or bound:
            return port in (*(self.ports or ()), *bound)
        declared = [p.get("containerPort") for p in container.get("ports") or []]
        return not declared or port in declared


def _bound_ports(command: list[str]) -> tuple[int, ...]:
    """Ports named by `-b host:port` / `--bind host:port` (gunicorn) in a command line."""
    out: list[int] = []
    for flag, value in itertools.pairwise(command):
        if flag in ("-b", "--bind") and value.rsplit(":", 1)[-1].isdigit():
            out.append(int(value.rsplit(":", 1)[-1]))
    return tuple(out)


_DATES: dict[int, str] = {}


def http_date(now: datetime) -> str:
    """The `date` header value (IMF-fixdate), cached per second."""
    second = int(now.timestamp())
    found = _DATES.get(second)
    if found is None:
        if len(_DATES) > 64:
            _DATES.clear()
        found = _DATES[second] = format_datetime(now, usegmt=True)
    return found


def respond(
    call: Call,
    status: int,
    body: bytes | str,
    content_type: str = "text/plain; charset=utf-8",
    headers: tuple[tuple[str, str], ...] = (),
    *,
    server: str = "",
    duration: float = 0.001,
) -> HttpResponse:
    """A response with the headers most servers send (server, date, type, length first)."""
    data = body.encode() if isinstance(body, str) else body
    base: tuple[tuple[str, str], ...] = (
        ("date", http_date(call.now)), ("content-type", content_type),
        ("content-length", str(len(data))))  # fmt: skip
    if server:
        base = (("server", server), *base)
    return new_response(status, (*base, *headers) if headers else base, data, duration=duration)


def json_body(value: object) -> str:
    """JSON as Python's `json.dumps(indent=2)` writes it, with a final newline (httpbin)."""
    return json.dumps(value, indent=2) + "\n"


__all__ = [
    "App",
    "Call",
    "Fetch",
    "HttpApp",
    "TcpApp",
    "http_date",
    "json_body",
    "respond",
]
