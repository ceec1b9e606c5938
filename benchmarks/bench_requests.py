"""Request simulation throughput: single-hop requests per second (a curl pod to httpbin, both
with sidecars, through `meshcert.mesh.simulation.engine.exchange`), with 50 other
VirtualServices and DestinationRules present; then the per-request cost with 5,000
VirtualServices in 500 namespaces against 50 in 5 (indexed lookups: the ratio should stay
within 1.5x); and full bookinfo page loads per second (productpage -> details, reviews ->
ratings). Prints a Markdown table: each rate per second of wall time and per second of this
process's CPU time (the same on an idle machine; on a shared one the CPU column leaves out the
time other processes held the core), with the load average and a CPU speed reference.

    python benchmarks/bench_requests.py [--quick]
"""

from __future__ import annotations

import os
import platform
import sys
import time
import timeit
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

import traffic_lab as t

from meshcert.kube.cluster import Cluster
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.simulation.engine import exchange, lookup


def _filler(cluster: Cluster, namespaces: int, per_namespace: int) -> None:
    """`namespaces` x `per_namespace` VirtualServices and DestinationRules for other hosts."""
    for n in range(namespaces):
        ns = f"team-{n}"
        cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": ns}})
        with cluster.transaction():
            for i in range(per_namespace):
                host = f"svc-{i}"
                vs: dict[str, Any] = {
                    "apiVersion": "networking.istio.io/v1",
                    "kind": "VirtualService",
                    "metadata": {"name": host, "namespace": ns},
                    "spec": {"hosts": [host], "http": [
                        {"match": [{"uri": {"prefix": "/v2"}}],
                         "route": [{"destination": {"host": host, "subset": "v2"}}]},
                        {"route": [{"destination": {"host": host, "subset": "v1"}}]}]},
                }  # fmt: skip
                dr: dict[str, Any] = {
                    "apiVersion": "networking.istio.io/v1",
                    "kind": "DestinationRule",
                    "metadata": {"name": host, "namespace": ns},
                    "spec": {"host": host, "subsets": [
                        {"name": "v1", "labels": {"version": "v1"}},
                        {"name": "v2", "labels": {"version": "v2"}}]},
                }  # fmt: skip
                cluster.create(cluster.kind_of(vs), vs, ns)
                cluster.create(cluster.kind_of(dr), dr, ns)


def _httpbin_lab(namespaces: int, per_namespace: int) -> tuple[Cluster, dict[str, Any], str]:
    cluster = t.lab()
    t.httpbin(cluster)
    t.curl_client(cluster)
    _filler(cluster, namespaces, per_namespace)
    pod = t.pod_named(cluster, "default", "curl")
    with cluster.lock:
        address = lookup(cluster, pod, "httpbin")
    assert address is not None
    return cluster, pod, address


def _rate(cluster: Cluster, pod: dict[str, Any], address: str, port: int,
          request: HttpRequest, seconds: float) -> tuple[Rate, int]:  # fmt: skip
    """(best rates of short runs of a third of a second, status of the last): a shared
    machine's noise only ever slows a run down, and this VM's speed swings within minutes."""
    count = max(3, round(seconds * 3))
    runs = [_one_rate(cluster, pod, address, port, request, seconds / count)
            for _ in range(count)]  # fmt: skip
    return Rate(max(r[0].wall for r in runs), max(r[0].cpu for r in runs)), runs[-1][1]


class Rate(NamedTuple):
    """Requests per second of wall time, and per second of this process's CPU time (what one
    core does when the process has it: unaffected by other processes' turns on a shared
    machine, though not by a busy hyperthread sibling)."""

    wall: float
    cpu: float

    def best(self, other: Rate) -> Rate:
        return Rate(max(self.wall, other.wall), max(self.cpu, other.cpu))

    def __str__(self) -> str:
        return f"{self.wall:,.0f} | {self.cpu:,.0f}"


def _one_rate(cluster: Cluster, pod: dict[str, Any], address: str, port: int,
              request: HttpRequest, seconds: float) -> tuple[Rate, int]:  # fmt: skip
    """(rates, status of the last) over about `seconds` of wall time."""
    with cluster.lock:
        status = 0
        for _ in range(200):  # warm the view and the memo
            got = exchange(cluster, pod, request, address, port)
        count = 0
        start = time.perf_counter()
        cpu_start = time.process_time()
        deadline = start + seconds
        while True:
            for _ in range(500):
                got = exchange(cluster, pod, request, address, port)
            count += 500
            now = time.perf_counter()
            if now >= deadline:
                break
        cpu = time.process_time() - cpu_start
        assert got.response is not None
        status = got.response.status
    return Rate(count / (now - start), count / cpu), status


def main() -> None:
    quick = "--quick" in sys.argv
    seconds = 1.0 if quick else 3.0
    rounds = 5 if quick else 15
    request = HttpRequest("GET", "httpbin:8000", "/status/200", "http",
                          (("user-agent", "curl/8.17.0"), ("accept", "*/*")))  # fmt: skip
    rows: list[tuple[str, str]] = []

    small, pod, address = _httpbin_lab(5, 10)
    large, lpod, laddress = _httpbin_lab(500, 10)
    # Alternate the two labs so that a busy neighbour slows both alike; keep each one's best.
    best_50 = best_5000 = Rate(0.0, 0.0)
    for _ in range(rounds):
        rate, status = _one_rate(small, pod, address, 8000, request, seconds / rounds)
        assert status == 200
        best_50 = best_50.best(rate)
        rate, status = _one_rate(large, lpod, laddress, 8000, request, seconds / rounds)
        assert status == 200
        best_5000 = best_5000.best(rate)
    rows.append(("single hop curl -> httpbin, 50 VS + 50 DR (req/s)", str(best_50)))
    headers_request = HttpRequest("GET", "httpbin:8000", "/headers", "http", request.headers)
    rate_headers, _ = _rate(small, pod, address, 8000, headers_request, seconds)
    rows.append(("single hop /headers (JSON body), 50 VS + 50 DR (req/s)", str(rate_headers)))
    rows.append(("single hop, 5,000 VS + 5,000 DR in 500 namespaces (req/s)", str(best_5000)))
    rows.append(("per-request cost, 5,000 VS / 50 VS",
                 f"{best_50.wall / best_5000.wall:.2f}x | "
                 f"{best_50.cpu / best_5000.cpu:.2f}x"))  # fmt: skip

    book = t.lab()
    t.bookinfo(book)
    t.curl_client(book)
    bpod = t.pod_named(book, "default", "curl")
    with book.lock:
        baddress = lookup(book, bpod, "productpage")
    assert baddress is not None
    page = HttpRequest("GET", "productpage:9080", "/productpage", "http", request.headers)
    rate_page, status = _rate(book, bpod, baddress, 9080, page, seconds)
    assert status == 200
    rows.append(("bookinfo page load, 4 hops, 8 proxies (pages/s)", str(rate_page)))

    reference = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    load = os.getloadavg()[0]
    print(f"Machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, one thread; load average {load:.2f}; speed "
          f"reference: sum(range(1000)) takes {reference:.1f} us (a 2023 laptop core: about "
          "8 us)\n")  # fmt: skip
    print("| measure | per second of wall time | per second of CPU time |")
    print("|---|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
