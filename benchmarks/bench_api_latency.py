"""API latency p50/p99 for GET, LIST (1,000 objects) and PATCH at concurrency 1 and 16.

Clients are threads with keep-alive HTTPS connections (httpx) in a separate process from the
server, so client and server do not share a GIL. Target: p99 under 20 ms for GET and PATCH.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from harness import TOKEN, machine, percentile, serve

REQUESTS = 400
OBJECTS = 1000


def _client_run(port: int, ca: str, op: str, concurrency: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    base = f"https://127.0.0.1:{port}/api/v1/namespaces/default/configmaps"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    per_worker = max(1, (REQUESTS if op != "LIST" else REQUESTS // 4) // concurrency)

    def worker(index: int) -> list[float]:
        timings = []
        with httpx.Client(verify=ca, headers=headers) as client:
            for i in range(per_worker):
                name = f"cm-{(index * per_worker + i) % OBJECTS}"
                start = time.perf_counter()
                if op == "GET":
                    r = client.get(f"{base}/{name}")
                elif op == "LIST":
                    r = client.get(base)
                else:
                    r = client.patch(
                        f"{base}/{name}",
                        content=json.dumps({"data": {"i": str(i)}}),
                        headers={"Content-Type": "application/merge-patch+json"},
                    )
                timings.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200, r.text
        return timings

    with ThreadPoolExecutor(concurrency) as pool:
        samples = [t for ts in pool.map(worker, range(concurrency)) for t in ts]
    out.put(samples)


def main() -> None:
    served = serve()
    cm = served.cluster.kind("", "configmaps")
    with served.cluster.transaction():
        for i in range(OBJECTS):
            served.cluster.create(
                cm, {"metadata": {"name": f"cm-{i}"}, "data": {"i": "0"}}, "default"
            )
    with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as ca:
        ca.write(served.cert)
    print(f"Machine: {machine()}\n")
    print("| operation | concurrency | requests | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    ctx = mp.get_context("spawn")
    for op in ("GET", "LIST", "PATCH"):
        for concurrency in (1, 16):
            queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
            proc = ctx.Process(
                target=_client_run, args=(served.port, ca.name, op, concurrency, queue)
            )
            proc.start()
            samples = queue.get(timeout=600)
            proc.join()
            print(
                f"| {op}{' (1,000 objects)' if op == 'LIST' else ''} | {concurrency} | "
                f"{len(samples)} | {percentile(samples, 50):.2f} | {percentile(samples, 99):.2f} |"
            )
    served.stop()


if __name__ == "__main__":
    main()
