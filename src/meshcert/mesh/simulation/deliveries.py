"""What a client gets back from one exchange: a response, or how the connection failed.

Connection-level failures are what a client library sees below HTTP: the name did not
resolve, the connection was refused or timed out, the peer reset it, closed it without a
reply, or the TLS handshake failed. curl turns each into its own exit code and message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from meshcert.mesh.exchanges import HttpResponse

if TYPE_CHECKING:
    from meshcert.mesh.security.certificates_tls import Handshake


class Failure(Enum):
    """How an exchange ended without an HTTP response."""

    RESOLVE = "resolve"  # the name did not resolve (curl 6)
    REFUSED = "refused"  # connection refused (curl 7)
    CONNECT_TIMEOUT = "connect-timeout"  # nothing answered the SYN (curl 28)
    RESET = "reset"  # connection reset by peer (curl 56)
    EMPTY = "empty"  # closed without a reply (curl 52)
    TLS = "tls"  # the TLS handshake failed (curl 35)
    TIMEOUT = "timeout"  # the client's own time limit ran out first (curl 28)


@dataclass(frozen=True)
class Delivery:
    """The outcome of one exchange as the client sees it.

    `via_envoy`: the response was produced or relayed by an Envoy (its header names are
    lower-case and it carries `server: envoy`). `duration` is virtual seconds; for TIMEOUT it
    is the client's limit. `http2` tells the response came over HTTP/2 (ALPN on HTTPS).
    `handshake`: the TLS handshake with the server when the lab models it (a gateway
    terminating TLS): what was negotiated, or how it failed (with Failure.TLS).
    """

    response: HttpResponse | None
    failure: Failure | None = None
    remote_ip: str = ""
    remote_port: int = 0
    duration: float = 0.0
    via_envoy: bool = False
    http2: bool = False
    handshake: Handshake | None = None

    @property
    def ok(self) -> bool:
        return self.response is not None

    @classmethod
    def relayed(cls, response: HttpResponse, remote_ip: str, remote_port: int) -> Delivery:
        """`Delivery(response, None, remote_ip, remote_port, response.duration,
        via_envoy=True)`: a response an Envoy produced or relayed. Built without the frozen
        dataclass's field-by-field `__init__`: every request through a sidecar makes two."""
        out = object.__new__(cls)
        out.__dict__.update(response=response, failure=None, remote_ip=remote_ip,
                            remote_port=remote_port, duration=response.duration, via_envoy=True,
                            http2=False, handshake=None)  # fmt: skip
        return out


__all__ = ["Delivery", "Failure"]
