"""API latency p50/p99 for GET, LIST (1,000 objects) and PATCH at concurrency 1 and 16.

The server is a real lab (`LabHost`, journal fsynced on every accepted change, so a PATCH
includes its fsync) served from a thread of this process; 1,000 ConfigMaps are seeded in
`default`. The clients run in another process (no shared GIL): `concurrency` threads, each with
its own keep-alive HTTPS connection, each request timed from send to the last body byte. Per
worker a few untimed requests open the connection first. Target: p99 < 20 ms for GET and PATCH.

Clients: httpx (default), or `--client lean`, a minimal HTTP/1.1 client over `ssl` that needs
a fraction of httpx's CPU: on a small machine 16 httpx threads (one GIL) are themselves the
queue at concurrency 16. `--what-if-nodelay` also measures the lab with TCP_NODELAY on its
sockets (see `harness.set_tcp_nodelay`).

The server's own time per request (from `harness.ServerTimer`: inside the ASGI app, and the
process's CPU per request) is shown beside the client's latency, so what the clients add
(their GIL, TLS, queueing) can be told apart from what the lab spends.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import socket
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx

import harness
from harness import ServedLab, ServerTimes, median, percentile, temp_home
from meshcert.lab.journal import COMPACT_AFTER

OBJECTS = 1000
WARM_UP = 3
TARGET_MS = 20.0
BASE = "/api/v1/namespaces/default/configmaps"


class _Client(Protocol):
    def send(self, method: str, path: str, body: bytes = b"", media: str = "") -> int: ...

    def close(self) -> None: ...


class _Lean:
    """A minimal keep-alive HTTP/1.1 client over `ssl` (TCP_NODELAY, one write per request):
    far less CPU per request than httpx, so that at concurrency 16 the clients' own GIL does
    not become the queue being measured."""

    def __init__(self, url: str, ca: str, token: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        raw = socket.create_connection((self.host, parts.port or 443))
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        context = ssl.create_default_context(cafile=ca)
        self.sock = context.wrap_socket(raw, server_hostname=self.host)
        self.file = self.sock.makefile("rb")
        self.auth = f"Authorization: Bearer {token}\r\n"

    def send(self, method: str, path: str, body: bytes = b"", media: str = "") -> int:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.auth}"
        head += "Accept: application/json\r\n"
        if body:
            head += f"Content-Type: {media}\r\nContent-Length: {len(body)}\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + body)
        status = int(self.file.readline().split()[1])
        length = 0
        while (line := self.file.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            elif name.strip().lower() == b"transfer-encoding":
                raise RuntimeError("chunked responses are not expected here")
        self.file.read(length)
        return status

    def close(self) -> None:
        self.file.close()
        self.sock.close()


class _Httpx:
    """httpx.Client with one keep-alive connection."""

    def __init__(self, url: str, ca: str, token: str) -> None:
        self.url = url
        self.client = httpx.Client(verify=ca, headers={"Authorization": f"Bearer {token}"})

    def send(self, method: str, path: str, body: bytes = b"", media: str = "") -> int:
        headers = {"Content-Type": media} if body else None
        response = self.client.request(method, self.url + path, content=body, headers=headers)
        response.read()
        return response.status_code

    def close(self) -> None:
        self.client.close()


CLIENTS: dict[str, Callable[[str, str, str], _Client]] = {"httpx": _Httpx, "lean": _Lean}


def _client(
    url: str, ca: str, token: str, op: str, concurrency: int, requests: int, kind: str
) -> tuple[list[float], float, float]:
    """Runs in the client process: latencies (ms), wall time (s), client CPU (s) of the run."""
    per_worker = max(1, requests // concurrency)
    start_line = threading.Barrier(concurrency)

    def request(client: _Client, name: str, i: int) -> int:
        if op == "GET":
            return client.send("GET", f"{BASE}/{name}")
        if op == "LIST":
            return client.send("GET", BASE)
        body = json.dumps({"data": {"i": str(i)}}).encode()
        return client.send("PATCH", f"{BASE}/{name}", body, "application/merge-patch+json")

    def worker(index: int) -> list[float]:
        timings: list[float] = []
        client = CLIENTS[kind](url, ca, token)
        try:
            for _ in range(WARM_UP):  # the connection is open and warm before timing
                client.send("GET", f"{BASE}/cm-{index}")
            start_line.wait()
            for i in range(per_worker):
                name = f"cm-{(index * per_worker + i) % OBJECTS}"
                started = time.perf_counter()
                status = request(client, name, i)
                timings.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise RuntimeError(f"{op} {name}: HTTP {status}")
        finally:
            client.close()
        return timings

    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(concurrency) as pool:
        samples = [t for ts in pool.map(worker, range(concurrency)) for t in ts]
    return samples, time.perf_counter() - started, time.process_time() - cpu


def _client_process(args: tuple[str, str, str, str, int, int, str], out: mp.Queue) -> None:  # type: ignore[type-arg]
    out.put(_client(*args))


@dataclass
class Result:
    op: str
    concurrency: int
    samples: list[float]
    wall: float
    client_cpu: float
    server: ServerTimes


def run(served: ServedLab, op: str, concurrency: int, requests: int, client: str) -> Result:
    assert served.timer is not None
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    ca = str(served.ca_file())
    args = (served.url, ca, served.lab.token, op, concurrency, requests, client)
    process = ctx.Process(target=_client_process, args=(args, queue))
    served.timer.take()
    process.start()
    samples, wall, client_cpu = queue.get(timeout=600)
    process.join(60)
    server = served.timer.take()
    # The warm-up requests came first (a barrier holds the timed ones back): drop them.
    server.per_request = server.per_request[-len(samples) :]
    return Result(op, concurrency, samples, wall, client_cpu, server)


def seed(served: ServedLab) -> None:
    cluster = served.lab.cluster
    configmaps = cluster.kind("", "configmaps")
    with cluster.transaction():
        for i in range(OBJECTS):
            data = {"i": "0", "payload": "x" * 200}
            cluster.create(configmaps, {"metadata": {"name": f"cm-{i}"}, "data": data}, "default")


def checkpoint_ms(served: ServedLab, runs: int = 5) -> float:
    """The median time of `Lab.checkpoint()` (snapshot + empty journal) of the seeded lab."""

    async def timed() -> float:
        started = time.perf_counter()
        served.lab.checkpoint()
        return (time.perf_counter() - started) * 1000

    return median([served.call(timed()) for _ in range(runs)])


def measure(nodelay: bool, requests: int, client: str) -> tuple[list[Result], float]:
    results: list[Result] = []
    with temp_home() as home:
        served = ServedLab(home / "meshcert", timed=True, nodelay=nodelay)
        try:
            seed(served)
            for op in ("GET", "LIST", "PATCH"):
                count = requests // 4 if op == "LIST" else requests
                for concurrency in (1, 16):
                    results.append(run(served, op, concurrency, count, client))
            checkpoint = checkpoint_ms(served)
        finally:
            served.stop()
    return results, checkpoint


def table(rows: list[Result], label: str) -> None:
    print(
        "| server, client | operation | concurrency | requests | p50 ms | p99 ms | max ms | "
        "req/s | server app p50 ms | server app p99 ms | server CPU / req ms | "
        "client CPU / req ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        per = [t * 1000 for t in r.server.per_request]
        op = f"{r.op} (1,000 objects)" if r.op == "LIST" else r.op
        print(
            f"| {label} | {op} | {r.concurrency} | {len(r.samples)} | "
            f"{percentile(r.samples, 50):.1f} | {percentile(r.samples, 99):.1f} | "
            f"{max(r.samples):.1f} | {len(r.samples) / r.wall:.0f} | "
            f"{median(per):.2f} | {percentile(per, 99):.2f} | "
            f"{r.server.cpu * 1000 / max(1, r.server.requests):.2f} | "
            f"{r.client_cpu * 1000 / len(r.samples):.2f} |"
        )


def verdict(rows: list[Result]) -> str:
    worst = max(percentile(r.samples, 99) for r in rows if r.op in ("GET", "PATCH"))
    return f"{'met' if worst < TARGET_MS else 'MISSED'} (worst GET/PATCH p99 {worst:.1f} ms)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=400, help="timed requests per GET/PATCH run (LIST: 1/4)"
    )
    parser.add_argument(
        "--client",
        choices=[*CLIENTS, "both"],
        default="httpx",
        help="httpx (default), lean (a minimal HTTP/1.1 client: less client CPU), or both",
    )
    parser.add_argument(
        "--what-if-nodelay",
        action="store_true",
        help="also measure a lab whose sockets have TCP_NODELAY (see harness.py)",
    )
    args = parser.parse_args()
    harness.header("API latency: GET, LIST (1,000 objects), PATCH at concurrency 1 and 16")
    clients = list(CLIENTS) if args.client == "both" else [args.client]
    servers = [("lab", False)] + ([("what-if TCP_NODELAY", True)] if args.what_if_nodelay else [])
    verdicts: list[str] = []
    checkpoints: list[str] = []
    for name, nodelay in servers:
        for client in clients:
            rows, checkpoint = measure(nodelay, args.requests, client)
            table(rows, f"{name}, {client}")
            print()
            verdicts.append(f"{name}, {client}: {verdict(rows)}")
            checkpoints.append(f"{checkpoint:.1f}")
    print(
        f"Journal checkpoint of the seeded lab ({OBJECTS} ConfigMaps; runs inside the request "
        f"that brings the journal to {COMPACT_AFTER} changes): median "
        f"{' / '.join(checkpoints)} ms.\n"
    )
    print(f"Target: GET/PATCH p99 < {TARGET_MS:.0f} ms:\n")
    for line in verdicts:
        print(f"- {line}")


if __name__ == "__main__":
    main()
