"""The messages of the request simulation: an HTTP request as a client sends it and the response
it gets back, with what Envoy adds (response flags for access logs, the virtual duration)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meshcert.mesh.security.certificates_tls import ClientTls


def _lower(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    if all(name == name.lower() for name, _ in headers):
        return headers  # already lower-case: the common case when copies are made
    return tuple((name.lower(), value) for name, value in headers)


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request. Header names are lower-case (HTTP/2 and Envoy see them so); `path`
    holds the query string; `authority` is the Host header as the client sent it. `tls`: what
    the client offers in its TLS handshake on an https request (None: the defaults, SNI from
    the authority)."""

    method: str
    authority: str
    path: str = "/"
    scheme: str = "http"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    tls: ClientTls | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", _lower(self.headers))

    def header(self, name: str) -> str | None:
        """The first value of header `name` (any case), or None."""
        wanted = name.lower()
        return next((v for n, v in self.headers if n == wanted), None)

    def with_header(self, name: str, value: str) -> HttpRequest:
        """A copy with header `name` set to `value` (replacing every earlier value)."""
        wanted = name.lower()
        kept = tuple((n, v) for n, v in self.headers if n != wanted)
        return self.with_lowered_headers((*kept, (wanted, value)))

    def without_header(self, name: str) -> HttpRequest:
        wanted = name.lower()
        return self.with_lowered_headers(tuple((n, v) for n, v in self.headers if n != wanted))

    def with_lowered_headers(self, headers: tuple[tuple[str, str], ...]) -> HttpRequest:
        """A copy with `headers` (names already lower-case): `dataclasses.replace` without
        its second pass over the headers (the hot path copies requests several times a hop)."""
        out = object.__new__(HttpRequest)
        fields = out.__dict__
        fields.update(self.__dict__)
        fields["headers"] = headers
        return out

    @property
    def host(self) -> str:
        """The authority without its port."""
        host, _, port = self.authority.rpartition(":")
        return (
            host
            if host and port.isdigit() and not self.authority.endswith("]")
            else (self.authority)
        )

    @property
    def uri_path(self) -> str:
        """The path without the query string."""
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.path.split("?", 1)[1] if "?" in self.path else ""


@dataclass(frozen=True)
class HttpResponse:
    """One HTTP response as the client receives it.

    `flags` are Envoy's response flags (`NR`, `UH`, `UF`, `UO`, `URX`, `DI`, `FI`, ...) for the
    access log; `duration` is the virtual time in seconds from request to last byte.
    """

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    flags: tuple[str, ...] = ()
    duration: float = 0.0
    upstream: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", _lower(self.headers))

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for n, v in self.headers if n == wanted), None)


__all__ = ["HttpRequest", "HttpResponse"]
