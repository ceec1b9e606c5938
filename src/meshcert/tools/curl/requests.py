"""The request curl builds from its options: method, headers in curl's order, body from the
-d family (with `@file` and `-G`), basic auth and cookies (curl(1); `lib/http.c`)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote

from meshcert.kube.execution import ExecContext

from .cookies import Cookie
from .options import CurlOptions, CurlUsageError
from .texts import USER_AGENT
from .urls import Url


class DataFileError(Exception):
    """A `-d @file` that cannot be read (curl warns and sends nothing for it)."""


def _read_data_file(ctx: ExecContext, name: str) -> bytes:
    try:
        return ctx.stdin if name == "-" else ctx.read_file(name)
    except Exception as exc:  # FileSystemError: curl warns and uses no data
        raise DataFileError(name) from exc


def request_body(ctx: ExecContext, opts: CurlOptions) -> bytes | None:
    """The joined -d family data (None when no data option was given)."""
    if not opts.data:
        return None
    parts: list[bytes] = []
    for kind, value in opts.data:
        if kind == "raw":
            parts.append(value.encode())
        elif kind in ("ascii", "binary") and value.startswith("@"):
            try:
                content = _read_data_file(ctx, value[1:])
            except DataFileError:
                ctx.err(f"Warning: Couldn't read data from file \"{value[1:]}\", this makes "
                        "an empty POST.\n")  # fmt: skip
                content = b""
            if kind == "ascii":
                content = content.replace(b"\r", b"").replace(b"\n", b"")
            parts.append(content)
        elif kind == "urlencode":
            name, eq, text = value.partition("=")
            if eq:
                parts.append(((name + "=") if name else "").encode() + quote(text).encode())
            else:
                parts.append(quote(value).encode())
        else:
            parts.append(value.encode())
    return b"&".join(parts)


@dataclass(frozen=True)
class CustomHeaders:
    """-H lines: headers to add, internal headers to drop (`Name:`), in the order given."""

    add: tuple[tuple[str, str], ...]
    drop: frozenset[str]

    def has(self, name: str) -> bool:
        wanted = name.lower()
        return wanted in self.drop or any(n.lower() == wanted for n, _ in self.add)

    def value(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for n, v in self.add if n.lower() == wanted), None)


def custom_headers(ctx: ExecContext, lines: list[str]) -> CustomHeaders:
    add: list[tuple[str, str]] = []
    drop: set[str] = set()
    for line in lines:
        if line.startswith("@"):
            try:
                text = ctx.read_file(line[1:]).decode("utf-8", "replace")
            except Exception:
                raise CurlUsageError(f"Failed to open {line[1:]}") from None
            nested = custom_headers(ctx, [x for x in text.splitlines() if x.strip()])
            add.extend(nested.add)
            drop |= nested.drop
            continue
        if ":" in line:
            name, _, value = line.partition(":")
            value = value.strip()
            if value:
                add.append((name.strip(), value))
            else:
                drop.add(name.strip().lower())
        elif line.endswith(";"):
            add.append((line[:-1].strip(), ""))
    return CustomHeaders(tuple(add), frozenset(drop))


def request_headers(
    opts: CurlOptions,
    url: Url,
    custom: CustomHeaders,
    body: bytes | None,
    cookies: list[Cookie],
    literal_cookie: str,
) -> list[tuple[str, str]]:
    """Headers in the order curl sends them."""
    out: list[tuple[str, str]] = []
    host = custom.value("host")
    if host is not None:
        out.append(("Host", host))
    elif "host" not in custom.drop:
        out.append(("Host", url.authority))
    user = opts.last("user") or (url.userinfo or None)
    if user is not None and not custom.has("authorization"):
        if ":" not in user:
            user += ":"
        token = base64.b64encode(user.encode()).decode()
        out.append(("Authorization", f"Basic {token}"))
    agent = opts.last("user_agent")
    if not custom.has("user-agent"):
        out.append(("User-Agent", agent if agent is not None else USER_AGENT))
    if not custom.has("accept"):
        out.append(("Accept", "*/*"))
    referer = opts.last("referer")
    if referer:
        out.append(("Referer", referer))
    jar = "; ".join(
        f"{c.name}={c.value}"
        for c in cookies
        if c.matches(url.host, url.path.split("?", 1)[0], url.scheme == "https")
    )
    cookie = "; ".join(x for x in (literal_cookie, jar) if x)
    if cookie and not custom.has("cookie"):
        out.append(("Cookie", cookie))
    if body is not None:
        if not custom.has("content-length"):
            out.append(("Content-Length", str(len(body))))
        if not custom.has("content-type"):
            out.append(("Content-Type", "application/x-www-form-urlencoded"))
    out.extend((n, v) for n, v in custom.add if n.lower() != "host")
    return out


def method_for(opts: CurlOptions, body: bytes | None) -> str:
    explicit = opts.last("request")
    if explicit:
        return explicit
    if opts.on("head"):
        return "HEAD"
    if body is not None and not opts.on("get"):
        return "POST"
    return "GET"


__all__ = ["CustomHeaders", "custom_headers", "method_for", "request_body", "request_headers"]
