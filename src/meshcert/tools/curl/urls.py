"""URLs as curl reads them: a missing scheme means http, the default ports of http and https,
the path defaulting to `/`, the fragment dropped. Errors carry curl's exit code and text
(`lib/urlapi.c`, `lib/url.c` in curl/curl)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlError(Exception):
    """A URL curl rejects: `code` is curl's exit code, `message` its text."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Url:
    scheme: str
    host: str
    port: int
    path: str  # with the query string
    userinfo: str = ""
    explicit_port: bool = False

    @property
    def authority(self) -> str:
        """The Host header curl sends: the port only when it is not the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return (
            f"{host}:{self.port}"
            if self.explicit_port and self.port != DEFAULT_PORTS[self.scheme]
            else host
        )

    def text(self) -> str:
        return f"{self.scheme}://{self.authority}{self.path}"


def parse_url(text: str) -> Url:
    raw = text.strip()
    scheme = "http"
    if "://" in raw:
        scheme, raw = raw.split("://", 1)
        scheme = scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise UrlError(1, f'Protocol "{scheme}" not supported')
    raw = raw.split("#", 1)[0]
    cut = min((i for i in (raw.find("/"), raw.find("?")) if i >= 0), default=len(raw))
    authority, rest = raw[:cut], raw[cut:]
    if rest.startswith("?"):
        rest = "/" + rest
    path = rest or "/"
    userinfo = ""
    if "@" in authority:
        userinfo, authority = authority.rsplit("@", 1)
    host, port_text = authority, ""
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise UrlError(3, "URL rejected: Bad IPv6 address")
        host, port_text = authority[1:end], authority[end + 1 :].removeprefix(":")
    elif ":" in authority:
        host, port_text = authority.rsplit(":", 1)
    if not host:
        raise UrlError(3, "URL rejected: No host part in the URL")
    if any(c in host for c in ' <>\\^`{|}"') or host.startswith(".."):
        raise UrlError(3, "URL rejected: Bad hostname")
    port = DEFAULT_PORTS[scheme]
    if port_text:
        if not port_text.isdigit() or int(port_text) > 65535:
            raise UrlError(
                3, "URL rejected: Port number was not a decimal number between 0 and 65535"
            )
        port = int(port_text)
    return Url(scheme, host.lower(), port, path, userinfo, bool(port_text))


def resolve(base: Url, location: str) -> Url:
    """The URL a `Location` header leads to from `base` (absolute, host-relative or relative)."""
    if "://" in location:
        return parse_url(location)
    if location.startswith("//"):
        return parse_url(f"{base.scheme}:{location}")
    if location.startswith("/"):
        path = location
    else:
        directory = base.path.split("?", 1)[0].rsplit("/", 1)[0]
        path = f"{directory}/{location}"
    return Url(base.scheme, base.host, base.port, path, base.userinfo, base.explicit_port)


__all__ = ["DEFAULT_PORTS", "Url", "UrlError", "parse_url", "resolve"]
