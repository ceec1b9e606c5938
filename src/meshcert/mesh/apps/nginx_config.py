"""The part of an nginx configuration the lab's nginx acts on: the `server` blocks of the `http`
context with their `listen`, `server_name`, TLS and `return` directives.

Syntax as nginx.org documents it (docs/beginners_guide.html "Configuration File's Structure":
simple directives end with `;`, block directives hold others in `{ }`, `#` starts a comment;
http/ngx_http_core_module.html `listen` (port, `ssl`, `default_server`, `http2`) and
`server_name`; http/ngx_http_ssl_module.html `ssl_certificate`, `ssl_certificate_key`,
`ssl_protocols`; http/ngx_http_rewrite_module.html `return`). The image's own configuration
(no file mounted over /etc/nginx/nginx.conf) is one server on port 80 serving the welcome page.

A file nginx cannot parse gives `ConfigError` with nginx's `[emerg]` wording; the lab's nginx
then serves nothing (a real one would not start).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CONFIG_PATH = "/etc/nginx/nginx.conf"
DEFAULT_SITE = "/etc/nginx/conf.d/default.conf"
_TOKEN = re.compile(
    r"""\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"']+)"""
)


class ConfigError(ValueError):
    """nginx's `[emerg]` message for a file it cannot load."""


@dataclass(frozen=True)
class Directive:
    name: str
    args: tuple[str, ...]
    block: tuple[Directive, ...] | None = None
    line: int = 0


@dataclass(frozen=True)
class Listen:
    port: int
    ssl: bool = False
    default: bool = False
    http2: bool = False


@dataclass(frozen=True)
class Server:
    """One `server` block."""

    listens: tuple[Listen, ...]
    names: tuple[str, ...] = ()
    certificate: str = ""
    key: str = ""
    protocols: tuple[str, ...] = ("TLSv1.2", "TLSv1.3")
    http2: bool = False
    returns: tuple[int, str] | None = None
    locations: dict[str, tuple[int, str]] = field(default_factory=dict)

    def listen_on(self, port: int) -> Listen | None:
        return next((item for item in self.listens if item.port == port), None)


def _tokens(text: str, path: str) -> list[tuple[str, bool, int]]:
    """(token, is_punctuation, line)."""
    out: list[tuple[str, bool, int]] = []
    pos = 0
    line = 1
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ConfigError(f'unexpected "{text[pos]}" in {path}:{line}')
        double, single, punct, word = match.groups()
        if punct is not None:
            out.append((punct, True, line))
        elif word is not None:
            out.append((word, False, line))
        elif double is not None or single is not None:
            out.append((double if double is not None else single or "", False, line))
        line += match.group(0).count("\n")
        pos = match.end()
    return out


def parse(text: str, path: str = CONFIG_PATH) -> tuple[Directive, ...]:
    """The directives of a configuration file."""
    tokens = _tokens(text, path)
    stack: list[list[Directive]] = [[]]
    heads: list[tuple[str, tuple[str, ...], int]] = []
    words: list[tuple[str, int]] = []
    for token, punct, line in tokens:
        if not punct:
            words.append((token, line))
            continue
        if token == ";":
            if not words:
                raise ConfigError(f'unexpected ";" in {path}:{line}')
            stack[-1].append(Directive(words[0][0], tuple(w for w, _ in words[1:]), None,
                                       words[0][1]))  # fmt: skip
            words = []
        elif token == "{":
            if not words:
                raise ConfigError(f'unexpected "{{" in {path}:{line}')
            heads.append((words[0][0], tuple(w for w, _ in words[1:]), words[0][1]))
            stack.append([])
            words = []
        else:
            if words or len(stack) == 1:
                raise ConfigError(f'unexpected "}}" in {path}:{line}')
            name, args, at = heads.pop()
            block = tuple(stack.pop())
            stack[-1].append(Directive(name, args, block, at))
    if words:
        raise ConfigError(f"unexpected end of file, expecting \";\" or \"}}\" in {path}:"
                          f"{tokens[-1][2] if tokens else 1}")  # fmt: skip
    if len(stack) != 1:
        raise ConfigError(f'unexpected end of file, expecting "}}" in {path}:'
                          f"{tokens[-1][2] if tokens else 1}")  # fmt: skip
    return tuple(stack[0])


def _listen(args: tuple[str, ...], path: str, line: int) -> Listen:
    if not args:
        raise ConfigError(f'invalid number of arguments in "listen" directive in {path}:{line}')
    address = args[0].rsplit(":", 1)[-1]
    if not address.isdigit():
        raise ConfigError(f'host not found in "{args[0]}" of the "listen" directive in '
                          f"{path}:{line}")  # fmt: skip
    flags = set(args[1:])
    return Listen(int(address), "ssl" in flags, "default_server" in flags, "http2" in flags)


def _return(args: tuple[str, ...]) -> tuple[int, str]:
    if args and args[0].isdigit():
        return int(args[0]), " ".join(args[1:])
    return 302, " ".join(args)


def _server(block: tuple[Directive, ...], path: str) -> Server:
    listens: list[Listen] = []
    names: tuple[str, ...] = ()
    values: dict[str, tuple[str, ...]] = {}
    returns: tuple[int, str] | None = None
    locations: dict[str, tuple[int, str]] = {}
    for item in block:
        if item.name == "listen":
            listens.append(_listen(item.args, path, item.line))
        elif item.name == "server_name":
            names = item.args
        elif item.name == "return":
            returns = _return(item.args)
        elif item.name == "location" and item.block is not None and item.args:
            found = next((d for d in item.block if d.name == "return"), None)
            if found is not None:
                locations[item.args[-1]] = _return(found.args)
        else:
            values[item.name] = item.args
    if not listens:
        listens.append(Listen(80))  # nginx's default: *:80 (run as root)
    http2 = values.get("http2", ("off",))[0] == "on" or any(x.http2 for x in listens)
    return Server(
        tuple(listens),
        names,
        certificate=(values.get("ssl_certificate") or ("",))[0],
        key=(values.get("ssl_certificate_key") or ("",))[0],
        protocols=values.get("ssl_protocols") or ("TLSv1.2", "TLSv1.3"),
        http2=http2,
        returns=returns,
        locations=locations,
    )


def servers(text: str, path: str = CONFIG_PATH) -> tuple[Server, ...]:
    """The `http { server { ... } }` blocks of a main configuration file (a file holding
    only `server` blocks, like conf.d/default.conf, works too)."""
    top = parse(text, path)
    found: list[Server] = []
    for item in top:
        if item.name == "http" and item.block is not None:
            found += [_server(d.block, path) for d in item.block
                      if d.name == "server" and d.block is not None]  # fmt: skip
        elif item.name == "server" and item.block is not None:
            found.append(_server(item.block, path))
    return tuple(found)


def pick(candidates: tuple[Server, ...], port: int, name: str) -> Server | None:
    """The server nginx picks for a connection on `port` for host `name` (the TLS SNI or
    the Host header): an exact server_name, then a `*.` wildcard, then the port's
    default_server, then its first server (nginx.org docs/http/request_processing.html)."""
    on_port = [s for s in candidates if s.listen_on(port) is not None]
    if not on_port:
        return None
    name = name.lower()
    for server in on_port:
        if name in (n.lower() for n in server.names):
            return server
    for server in on_port:
        for pattern in server.names:
            if pattern.startswith("*.") and name.endswith(pattern[1:].lower()):
                return server
    for server in on_port:
        listen = server.listen_on(port)
        if listen is not None and listen.default:
            return server
    return on_port[0]


__all__ = ["CONFIG_PATH", "DEFAULT_SITE", "ConfigError", "Listen", "Server", "parse", "pick",
           "servers"]  # fmt: skip
