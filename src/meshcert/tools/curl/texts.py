"""The fixed texts curl prints: reason phrases of status lines, the progress meter, the
messages and exit codes of failed transfers (`lib/strerror.c`, `src/tool_progress.c`)."""

from __future__ import annotations

from http import HTTPStatus

from meshcert.mesh.simulation.deliveries import Failure

CURL_VERSION = "8.17.0"
USER_AGENT = f"curl/{CURL_VERSION}"
TRY_HELP = "curl: try 'curl --help' or 'curl --manual' for more information\n"
VERSION_TEXT = (
    f"curl {CURL_VERSION} (x86_64-pc-linux-musl) libcurl/{CURL_VERSION} OpenSSL/3.5.4 "
    "zlib/1.3.1 brotli/1.1.0 zstd/1.5.7 c-ares/1.34.5 libidn2/2.3.8 libpsl/0.21.5 "
    "libssh2/1.11.1 nghttp2/1.67.1\n"
    "Release-Date: 2025-11-05\n"
    "Protocols: dict file ftp ftps gopher gophers http https imap imaps ipfs ipns mqtt pop3 "
    "pop3s rtsp scp sftp smb smbs smtp smtps telnet tftp ws wss\n"
    "Features: alt-svc AsynchDNS brotli HSTS HTTP2 HTTPS-proxy IDN IPv6 Largefile libz NTLM "
    "PSL SSL threadsafe TLS-SRP UnixSockets zstd\n"
)
PROGRESS_HEADER = (
    "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
    "                                 Dload  Upload   Total   Spent    Left  Speed\n"
)


def reason(status: int, via_envoy: bool = True) -> str:
    """The reason phrase Envoy and most servers send for `status` (Envoy has none for 418:
    istio.io docs/tasks/observability/logs/access-log shows `HTTP/1.1 418 Unknown`)."""
    if status == 418:
        return "Unknown" if via_envoy else "I'M A TEAPOT"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _size(n: int) -> str:
    for unit, scale in (("", 1), ("k", 1024), ("M", 1024**2), ("G", 1024**3)):
        if n < 100_000 * scale:
            return f"{n // scale}{unit}" if unit else str(n)
    return f"{n // 1024**4}T"


def _clock(seconds: float) -> str:
    s = int(seconds)
    if s == 0:
        return "--:--:--"
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def progress_line(received: int, uploaded: int, seconds: float) -> str:
    """The last line of curl's progress meter for a finished transfer."""
    speed = int(received / seconds) if seconds > 0 else 0
    up_speed = int(uploaded / seconds) if seconds > 0 else 0
    pct = 100 if received else 0
    up_pct = 100 if uploaded else 0
    spent = _clock(seconds)
    return (
        f"\r{pct:3d} {_size(received):>5}  {pct:3d} {_size(received):>5}  "
        f"{up_pct:3d} {_size(uploaded):>5}  {_size(speed):>5}  {_size(up_speed):>5} "
        f"{spent} {spent} --:--:-- {_size(speed):>5}\n"
    )


def failure_message(
    failure: Failure, host: str, port: int, elapsed_ms: int, connect_limit: bool = False
) -> tuple[int, str]:
    """curl's exit code and message for a connection-level failure (`connect_limit`: the
    --connect-timeout ran out, rather than the kernel giving up on the SYN)."""
    if failure is Failure.RESOLVE:
        return 6, f"Could not resolve host: {host}"
    if failure is Failure.REFUSED:
        return 7, (
            f"Failed to connect to {host} port {port} after {elapsed_ms} ms: "
            "Couldn't connect to server"
        )
    if failure is Failure.CONNECT_TIMEOUT:
        if connect_limit:
            return 28, f"Connection timed out after {elapsed_ms} milliseconds"
        return 28, (
            f"Failed to connect to {host} port {port} after {elapsed_ms} ms: "
            "Couldn't connect to server"
        )
    if failure is Failure.RESET:
        return 56, "Recv failure: Connection reset by peer"
    if failure is Failure.EMPTY:
        return 52, "Empty reply from server"
    if failure is Failure.TLS:
        return 35, f"OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to {host}:{port}"
    return 28, f"Operation timed out after {elapsed_ms} milliseconds with 0 bytes received"


# How servers that are not Envoy spell common header names (Envoy sends them lower-case).
_CANONICAL = {
    "www-authenticate": "WWW-Authenticate",
    "etag": "ETag",
    "x-xss-protection": "X-XSS-Protection",
}


def header_name(name: str, via_envoy: bool) -> str:
    if via_envoy:
        return name
    return _CANONICAL.get(name) or "-".join(p[:1].upper() + p[1:] for p in name.split("-"))


__all__ = [
    "PROGRESS_HEADER",
    "TRY_HELP",
    "USER_AGENT",
    "VERSION_TEXT",
    "failure_message",
    "header_name",
    "progress_line",
    "reason",
]
