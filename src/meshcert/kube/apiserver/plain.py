"""Plain API calls: one request in, one answer out, with no stream on either side.

Almost every call kubectl and the client libraries make is plain (get, list, create, patch,
delete, discovery, OpenAPI). The HTTP protocol (`serving`) answers them straight from its
parser: no ASGI cycle, no task, no framework request object, which is most of what a request
cost the server. Streams (watches, pod logs, exec, the workstation's programs) keep the ASGI
path. Both paths answer plain calls with the same code (`ApiApp.answer`).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from . import bodies, workstation


@dataclass(slots=True)
class PlainRequest:
    """What the API reads of a plain request. `path` is the whole path (a lab's `/labs/ID`
    prefix included); header names are lower case, the first of repeated headers counts, as
    with Go's `Header.Get`; the last of repeated query parameters counts."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    port: int = 0
    # Bytes the client sent: more than len(body) when a body over the limit was cut short.
    body_size: int = 0

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


@dataclass(slots=True)
class PlainAnswer:
    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class PlainApi(Protocol):
    """What answers plain calls: `ApiApp`, or a wrapper of it (the benchmarks' timer)."""

    def is_plain(
        self, method: str, path: str, query_string: bytes, content_length: str
    ) -> bool: ...

    def answer(self, request: PlainRequest) -> PlainAnswer: ...


def parse_query(query_string: bytes) -> dict[str, str]:
    if not query_string:
        return {}
    return dict(urllib.parse.parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))


def header_dict(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-case names (uvicorn lowers them already), first value of a repeated header."""
    headers: dict[str, str] = {}
    for name, value in raw:
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return headers


def is_plain(method: str, path: str, query_string: bytes, content_length: str) -> bool:
    """Whether a request is a plain call, from what its request line and headers say.

    Not plain: watches (`?watch=true`, `/watch/` paths), pod logs (they may follow), the
    workstation's programs (they may run long), HEAD, and bodies declared over the size limit
    (answered 413 by the ASGI path before they are read).
    """
    if method == "HEAD":
        return False
    if path.endswith(("/log", workstation.PATH)) or "/watch/" in path:
        return False
    if b"watch" in query_string and parse_query(query_string).get("watch") in ("true", "1"):
        return False
    return not (content_length.isdigit() and int(content_length) > bodies.MAX_BODY)
