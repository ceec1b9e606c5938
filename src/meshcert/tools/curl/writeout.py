"""`curl -w`: the write-out format and its variables (curl(1) "--write-out",
`src/tool_writeout.c`): `%{http_code}`, `%{time_total}`, `%{header{name}}`, `%{stderr}`, ...

Times print with six decimals in seconds, `%{http_code}` as three digits (`000` when there was
no response), `\\n`, `\\r`, `\\t` and `%%` are escapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Transfer:
    """What one transfer measured, for -w and the summary lines."""

    url: str
    method: str = "GET"
    scheme: str = "http"
    status: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    size_download: int = 0
    size_header: int = 0
    size_request: int = 0
    size_upload: int = 0
    time_total: float = 0.0
    time_connect: float = 0.0
    time_namelookup: float = 0.0
    time_starttransfer: float = 0.0
    time_redirect: float = 0.0
    remote_ip: str = ""
    remote_port: int = 0
    local_ip: str = ""
    local_port: int = 0
    num_redirects: int = 0
    redirect_url: str = ""
    http_version: str = "1.1"
    exitcode: int = 0
    errormsg: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        found = [v for n, v in self.headers if n.lower() == wanted]
        return ", ".join(found) if found else None


def _seconds(value: float) -> str:
    return f"{value:.6f}"


def _variables(t: Transfer) -> dict[str, str]:
    content_type = t.header("content-type") or ""
    return {
        "http_code": f"{t.status:03d}",
        "response_code": f"{t.status:03d}",
        "http_connect": "000",
        "time_total": _seconds(t.time_total),
        "time_connect": _seconds(t.time_connect),
        "time_appconnect": _seconds(t.time_connect if t.scheme == "https" else 0.0),
        "time_namelookup": _seconds(t.time_namelookup),
        "time_pretransfer": _seconds(t.time_connect),
        "time_posttransfer": _seconds(t.time_connect),
        "time_starttransfer": _seconds(t.time_starttransfer),
        "time_redirect": _seconds(t.time_redirect),
        "size_download": str(t.size_download),
        "size_header": str(t.size_header),
        "size_request": str(t.size_request),
        "size_upload": str(t.size_upload),
        "speed_download": str(int(t.size_download / t.time_total) if t.time_total else 0),
        "speed_upload": str(int(t.size_upload / t.time_total) if t.time_total else 0),
        "remote_ip": t.remote_ip,
        "remote_port": str(t.remote_port) if t.remote_port else "",
        "local_ip": t.local_ip,
        "local_port": str(t.local_port) if t.local_port else "",
        "url_effective": t.url,
        "url": t.url,
        "content_type": content_type,
        "num_redirects": str(t.num_redirects),
        "num_connects": "1" if t.remote_ip else "0",
        "num_headers": str(len(t.headers)),
        "redirect_url": t.redirect_url,
        "scheme": t.scheme,
        "http_version": t.http_version if t.status else "0",
        "method": t.method,
        "exitcode": str(t.exitcode),
        "errormsg": t.errormsg,
        "ssl_verify_result": "0",
        "filename_effective": "",
        **t.extra,
    }


def render(fmt: str, transfer: Transfer) -> tuple[str, str]:
    """Expand `fmt`; returns (stdout text, stderr text) since `%{stderr}` switches streams."""
    variables = _variables(transfer)
    outs = {"stdout": [], "stderr": []}  # type: dict[str, list[str]]
    target = "stdout"
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and fmt.startswith("%%", i):
            outs[target].append("%")
            i += 2
        elif c == "%" and fmt.startswith("%{", i):
            end = fmt.find("}", i + 2)
            if fmt.startswith("%{header{", i):
                end = fmt.find("}}", i)
                name = fmt[i + 9 : end]
                outs[target].append(transfer.header(name) or "")
                i = end + 2
                continue
            if end < 0:
                outs[target].append(fmt[i:])
                break
            name = fmt[i + 2 : end]
            i = end + 1
            if name in ("stderr", "stdout"):
                target = name
            elif name == "json":
                outs[target].append(json.dumps(variables))
            elif name == "onerror":
                if transfer.exitcode == 0:
                    break
            elif name in variables:
                outs[target].append(variables[name])
            else:
                outs["stderr"].append(f"curl: unknown --write-out variable: '{name}'\n")
        elif c == "\\" and i + 1 < len(fmt) and fmt[i + 1] in "nrt\\":
            outs[target].append({"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}[fmt[i + 1]])
            i += 2
        else:
            outs[target].append(c)
            i += 1
    return "".join(outs["stdout"]), "".join(outs["stderr"])


__all__ = ["Transfer", "render"]
