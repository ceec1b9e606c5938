"""`fortio load` and `fortio curl` (fortio.org/fortio), the circuit-breaking task's client
(istio.io docs/tasks/traffic-management/circuit-breaking):

    fortio load -c 2 -qps 0 -n 20 -loglevel Warning http://httpbin:8000/get

runs `-c` connections in parallel for `-n` calls (or `-t` duration at `-qps`, 0 = as fast as
possible), and prints fortio's summary: the histogram, `Sockets used`, the IP distribution,
`Code 200 : N (x %)` lines and the size statistics. Requests go through the pod's sidecar with
the given concurrency, so connection-pool limits show as 503s.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from meshcert.kube.execution import ExecContext
from meshcert.mesh import hosts
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.simulation.engine import exchange, lookup
from meshcert.tools.curl.texts import reason
from meshcert.tools.curl.urls import Url, UrlError, parse_url

VERSION = "1.69.5"
MAX_CALLS = 100_000
_VALUE_FLAGS = {"c", "qps", "n", "t", "loglevel", "H", "payload", "timeout", "r", "p", "a",
                "json", "labels", "content-type", "X", "user-agent"}  # fmt: skip


@dataclass
class LoadRun:
    codes: Counter[int] = field(default_factory=Counter)
    durations: list[float] = field(default_factory=list)
    header_sizes: list[int] = field(default_factory=list)
    body_sizes: list[int] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)
    address: str = ""


def _parse(argv: list[str]) -> tuple[dict[str, str], set[str], list[str]]:
    values: dict[str, str] = {}
    flags: set[str] = set()
    operands: list[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg.startswith("-") and len(arg) > 1:
            name, eq, value = arg.lstrip("-").partition("=")
            if name in _VALUE_FLAGS:
                values[name] = value if eq else (args.pop(0) if args else "")
            else:
                flags.add(name)
        else:
            operands.append(arg)
    return values, flags, operands


def _seconds(text: str) -> float:
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    for unit in ("ms", "s", "m", "h"):
        if text.endswith(unit) and text[: -len(unit)].replace(".", "", 1).isdigit():
            return float(text[: -len(unit)]) * units[unit]
    return float(text) if text.replace(".", "", 1).isdigit() else 5.0


def fortio(ctx: ExecContext) -> int:
    args = ctx.argv[1:]
    if not args or args[0] in ("help", "-h", "--help"):
        ctx.err(f"Φορτίο {VERSION} usage:\n\tfortio command [flags] target\n")
        return 1
    command, rest = args[0], args[1:]
    if command == "version":
        ctx.out(f"{VERSION}\n")
        return 0
    values, flags, operands = _parse(rest)
    if not operands:
        ctx.err("Error: fortio needs a url or destination\n")
        return 1
    if command == "curl":
        return _curl(ctx, operands[0], values)
    if command == "load":
        return _load(ctx, operands[0], values, flags)
    ctx.err(f"Error: unknown command {command!r}\n")
    return 1


def _request(
    ctx: ExecContext, url_text: str, values: dict[str, str]
) -> tuple[Url, str | None, HttpRequest]:
    url = parse_url(url_text)
    headers = [("user-agent", f"fortio.org/fortio-{VERSION}")]
    if "H" in values and ":" in values["H"]:
        name, _, value = values["H"].partition(":")
        headers.append((name.strip(), value.strip()))
    with ctx.cluster.lock:
        address = url.host if hosts.is_ip(url.host) else lookup(ctx.cluster, ctx.pod, url.host)
    request = HttpRequest("GET", url.authority, url.path, url.scheme, tuple(headers))
    return url, address, request


def _curl(ctx: ExecContext, url_text: str, values: dict[str, str]) -> int:
    try:
        url, address, request = _request(ctx, url_text, values)
    except UrlError as exc:
        ctx.err(f"Error: {exc.message}\n")
        return 1
    if address is None:
        ctx.err(f"Error: unable to resolve {url.host}\n")
        return 1
    with ctx.cluster.lock:
        got = exchange(ctx.cluster, ctx.pod, request, address, url.port, container=ctx.container)
    if got.response is None:
        ctx.err(f"Error: unable to connect to {url.host}:{url.port}\n")
        return 1
    response = got.response
    lines = [f"HTTP/1.1 {response.status} {reason(response.status, got.via_envoy)}"]
    lines += [f"{n}: {v}" for n, v in response.headers]
    ctx.stdout.write(("\r\n".join(lines) + "\r\n\r\n").encode() + response.body)
    return 0 if 200 <= response.status < 400 else 1


def _load(ctx: ExecContext, url_text: str, values: dict[str, str], flags: set[str]) -> int:
    try:
        url, address, request = _request(ctx, url_text, values)
    except UrlError as exc:
        ctx.err(f"Error: {exc.message}\n")
        return 1
    if address is None:
        ctx.err(f"Error: unable to resolve {url.host}\n")
        return 1
    threads = max(int(values.get("c", "4") or 4), 1)
    qps = float(values.get("qps", "8") or 0)
    calls = int(values["n"]) if values.get("n") else 0
    duration = _seconds(values.get("t", "5s"))
    if not calls:
        calls = int(qps * duration) if qps > 0 else MAX_CALLS
    calls = min(calls, MAX_CALLS)
    per_thread, extra = divmod(calls, threads)
    run = LoadRun(address=f"{address}:{url.port}")
    elapsed = 0.0
    with ctx.cluster.lock:
        for _ in range(calls):
            got = exchange(ctx.cluster, ctx.pod, request, address, url.port,
                           container=ctx.container, concurrency=threads)  # fmt: skip
            took = got.duration
            run.durations.append(took)
            elapsed += took / threads
            if got.response is None:
                run.codes[-1] += 1
                run.errors.append(took)
                run.header_sizes.append(0)
                run.body_sizes.append(0)
            else:
                status = got.response.status
                run.codes[status] += 1
                head = sum(len(n) + len(v) + 4 for n, v in got.response.headers) + 17
                run.header_sizes.append(head)
                run.body_sizes.append(head + len(got.response.body))
                if status != 200:
                    run.errors.append(took)
            if qps <= 0 and not values.get("n") and elapsed >= duration:
                calls = len(run.durations)
                break
    total_time = max(elapsed, calls / qps if qps > 0 else 0.0)
    ctx.spend(total_time, float(ctx.cluster.extensions.get("mesh.time_scale", 1.0)))
    _print(ctx, url_text, run, threads, qps, calls, per_thread, extra, total_time)
    return 0


def _stats(values: list[float] | list[int]) -> str:
    if not values:
        return "count 0 avg 0 +/- 0 min 0 max 0 sum 0"
    avg = sum(values) / len(values)
    dev = statistics.pstdev(values) if len(values) > 1 else 0.0
    return (f"count {len(values)} avg {avg:.8g} +/- {dev:.4g} min {min(values):.8g} "
            f"max {max(values):.8g} sum {sum(values):.8g}")  # fmt: skip


def _print(ctx: ExecContext, url: str, run: LoadRun, threads: int, qps: float, calls: int,
           per_thread: int, extra: int, total: float) -> None:  # fmt: skip
    out: list[str] = []
    out.append(f"Fortio {VERSION} running at {qps:g} queries per second, 2->2 procs, for "
               f"{calls} calls: {url}")  # fmt: skip
    rate = "max qps" if qps <= 0 else f"{qps:g} qps"
    out.append(f"Starting at {rate} with {threads} thread(s) [gomax 2] for exactly {calls} "
               f"calls ({per_thread} per thread + {extra})")  # fmt: skip
    real_qps = calls / total if total > 0 else 0.0
    out.append(f"Ended after {total * 1000:.3f}ms : {calls} calls. qps={real_qps:.5g}")
    out.append(f"Aggregated Function Time : {_stats(run.durations)}")
    out.append("# range, mid point, percentile, count")
    ordered = sorted(run.durations)
    if ordered:
        out.append(f">= {ordered[0]:.6g} <= {ordered[-1]:.6g} , "
                   f"{(ordered[0] + ordered[-1]) / 2:.6g} , 100.00, {len(ordered)}")  # fmt: skip
        for target in (50, 75, 90, 99, 99.9):
            index = min(len(ordered) - 1, int(len(ordered) * target / 100))
            out.append(f"# target {target:g}% {ordered[index]:.6g}")
    out.append(f"Error cases : {_stats(run.errors)}")
    failed = sum(n for code, n in run.codes.items() if code != 200)
    sockets = threads + failed
    out.append(f"Sockets used: {sockets} (for perfect keepalive, would be {threads})")
    out.append("Uniform: false, Jitter: false, Catchup allowed: true")
    out.append("IP addresses distribution:")
    out.append(f"{run.address}: {sockets}")
    for code in sorted(run.codes):
        count = run.codes[code]
        out.append(f"Code {code:3d} : {count} ({count * 100 / calls:.1f} %)")
    out.append(f"Response Header Sizes : {_stats(run.header_sizes)}")
    out.append(f"Response Body/Total Sizes : {_stats(run.body_sizes)}")
    avg_ms = sum(run.durations) / len(run.durations) * 1000 if run.durations else 0.0
    out.append(f"All done {calls} calls (plus 0 warmup) {avg_ms:.3f} ms avg, {real_qps:.1f} qps")
    ctx.out("\n".join(out) + "\n")


__all__ = ["fortio"]
