"""busybox `wget` (the other HTTP client of busybox-based images): `wget -qO- URL`,
`-O FILE`, `-S` (server headers), `-T SECS`, `--spider`, `--header`, `-U`. Messages as busybox
1.36 prints them: `Connecting to host:port (ip:port)`, `wget: bad address 'host'`,
`wget: server returned error: HTTP/1.1 503 Service Unavailable`, `wget: can't connect to remote
host (ip): Connection refused`, `wget: download timed out`."""

from __future__ import annotations

from meshcert.kube.execution import ExecContext, FileSystemError
from meshcert.mesh import hosts
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.simulation.deliveries import Failure
from meshcert.mesh.simulation.engine import exchange, lookup

from .curl.texts import reason
from .curl.urls import UrlError, parse_url

USAGE = (
    "BusyBox v1.37.0 (2025-01-17 18:12:01 UTC) multi-call binary.\n\nUsage: wget [-cqS] ... URL\n"
)
_VALUES = {"-O", "-T", "-U", "--header", "-Y", "-P", "-o", "--output-document", "--timeout"}


def wget(ctx: ExecContext) -> int:
    args = ctx.argv[1:]
    quiet = spider = show_headers = False
    output: str | None = None
    timeout: float | None = None
    extra: list[tuple[str, str]] = []
    agent = "Wget"
    urls: list[str] = []
    while args:
        arg = args.pop(0)
        if arg in _VALUES or arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name in _VALUES and not eq:
                value = args.pop(0) if args else ""
            if name in ("-O", "--output-document"):
                output = value
            elif name in ("-T", "--timeout"):
                timeout = float(value) if value.replace(".", "", 1).isdigit() else None
            elif name == "-U":
                agent = value
            elif name == "--header" and ":" in value:
                key, _, val = value.partition(":")
                extra.append((key.strip().lower(), val.strip()))
            elif name == "--spider":
                spider = True
            continue
        if arg.startswith("-") and len(arg) > 1:
            for i, letter in enumerate(arg[1:], start=1):
                if letter == "q":
                    quiet = True
                elif letter == "S":
                    show_headers = True
                elif letter in "OTU":
                    value = arg[i + 1 :] or (args.pop(0) if args else "")
                    if letter == "O":
                        output = value
                    elif letter == "T":
                        timeout = float(value) if value.replace(".", "", 1).isdigit() else None
                    else:
                        agent = value
                    break
                elif letter not in "c":
                    ctx.err(f"wget: unrecognized option: {letter}\n{USAGE}")
                    return 1
            continue
        urls.append(arg)
    if not urls:
        ctx.err(USAGE)
        return 1
    code = 0
    for url in urls:
        code = _get(ctx, url, output, quiet, spider, show_headers, timeout, agent, extra) or code
    return code


def _get(ctx: ExecContext, text: str, output: str | None, quiet: bool, spider: bool,
         show_headers: bool, timeout: float | None, agent: str,
         extra: list[tuple[str, str]]) -> int:  # fmt: skip
    try:
        url = parse_url(text)
    except UrlError:
        ctx.err(f"wget: bad address '{text}'\n")
        return 1
    with ctx.cluster.lock:
        address = url.host if hosts.is_ip(url.host) else lookup(ctx.cluster, ctx.pod, url.host)
    if address is None:
        ctx.err(f"wget: bad address '{url.host}'\n")
        return 1
    if not quiet:
        ctx.err(f"Connecting to {url.authority} ({address}:{url.port})\n")
    request = HttpRequest("GET", url.authority, url.path, url.scheme,
                          (("user-agent", agent), *extra, ("connection", "close")))  # fmt: skip
    with ctx.cluster.lock:
        got = exchange(ctx.cluster, ctx.pod, request, address, url.port, timeout=timeout,
                       container=ctx.container)  # fmt: skip
    ctx.spend(got.duration, float(ctx.cluster.extensions.get("mesh.time_scale", 1.0)))
    if got.response is None:
        if got.failure is Failure.TIMEOUT:
            ctx.err("wget: download timed out\n")
        elif got.failure is Failure.REFUSED:
            ctx.err(f"wget: can't connect to remote host ({address}): Connection refused\n")
        else:
            ctx.err("wget: error getting response: Connection reset by peer\n")
        return 1
    response = got.response
    status_line = f"HTTP/1.1 {response.status} {reason(response.status, got.via_envoy)}"
    if show_headers:
        ctx.err(f"  {status_line}\n" + "".join(f"  {n}: {v}\n" for n, v in response.headers))
    if response.status >= 400:
        ctx.err(f"wget: server returned error: {status_line}\n")
        return 1
    if spider:
        if not quiet:
            ctx.err("remote file exists\n")
        return 0
    target = output if output is not None else (url.path.split("?")[0].rsplit("/", 1)[-1]
                                                or "index.html")  # fmt: skip
    if target == "-":
        if not quiet:
            ctx.err("writing to stdout\n")
        ctx.stdout.write(response.body)
        if not quiet:
            ctx.err("-                    100% |********************************|"
                    f" {len(response.body):>5}  0:00:00 ETA\nwritten to stdout\n")  # fmt: skip
        return 0
    try:
        ctx.open_output(target).write(response.body)
    except FileSystemError:
        ctx.err(f"wget: can't open '{target}': No such file or directory\n")
        return 1
    if not quiet:
        ctx.err(f"saving to '{target}'\n{target:<20} 100% |********************************| "
                f"{len(response.body):>5}  0:00:00 ETA\n'{target}' saved\n")  # fmt: skip
    return 0


__all__ = ["wget"]
