"""`kubectl apply -f` of a 40-object file: the lab's share of kubectl's wall time, target < 10 %.

The lab is a real one (`LabHost`, journal fsynced on every accepted change) served from a thread
of this process, its app wrapped in `harness.ServerTimer`. While kubectl runs, this
process's main thread only waits for it, so the process's CPU time is the server's. The server's
time for one `kubectl apply` is: the wall time with a request inside the app (fsync waits and
the controllers included) plus the CPU the process spent outside the app (TLS, HTTP parsing,
uvicorn). Share = server time / kubectl wall time (spawn to exit).

The file (`manifests`) is five applications of a mesh, each with a ServiceAccount, ConfigMap,
Service, Deployment, VirtualService, DestinationRule and AuthorizationPolicy, plus an ingress
Gateway with its VirtualService, a mesh-wide PeerAuthentication, a shared ConfigMap and a
ServiceAccount: 40 objects. Per iteration, in a new namespace:

- create: `kubectl apply` of the file (40 creates; Deployments bring ReplicaSets and Pods);
- update: `kubectl apply` of a second version changing every object (40 patches);
- unchanged: `kubectl apply` of the second version again (40 reads, no writes).

`--log-requests` also lists what kubectl asked in each kind of apply (method, status, what the
path addresses, response bytes): the OpenAPI documents it fetched, the reads and writes.

`--floor` measures what the serving stack itself costs: right after each apply, the same apply
against a server that replays the lab's answers to it (`replay.py`: same protocol, event loop,
TLS and certificate, no API work), once with an `fdatasync` per write as the lab's journal makes
(the durability the lab promises) and once without. No server on this stack, whatever its API
work, can have a smaller share than the floor's on the same machine.

kubectl's discovery cache is warmed by one untimed apply first (reported on its own row: a
user's first apply against a new lab, when kubectl also downloads discovery and OpenAPI).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

import harness
from harness import (
    ServedLab,
    ServerTimer,
    ServerTimes,
    kubectl_binary,
    kubectl_env,
    median,
    temp_home,
)
from replay import Answers, Recording, Replay

TARGET_SHARE = 0.10
FLOOR_DURABLE = "floor: answers replayed, fsync per write"
FLOOR_NO_FSYNC = "floor: answers replayed, no fsync"
APPS = ("productpage", "reviews", "ratings", "details", "frontend")


def _app(name: str, version: str, port: int) -> list[dict[str, Any]]:
    labels = {"app": name, "release": version}
    meta = {"name": name, "labels": labels}
    host = f"{name}.svc.cluster.local"
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{name}-config", "labels": labels},
            "data": {"LOG_LEVEL": "info", "RELEASE": version, "settings.json": '{"cache": 30}'},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {
                "selector": {"app": name},
                "ports": [{"name": "http", "port": port, "targetPort": port}],
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name, "version": "v1"}},
                    "spec": {
                        "serviceAccountName": name,
                        "containers": [
                            {
                                "name": name,
                                "image": f"docker.io/istio/examples-bookinfo-{name}:{version}",
                                "ports": [{"containerPort": port}],
                                "envFrom": [{"configMapRef": {"name": f"{name}-config"}}],
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "128Mi"},
                                    "limits": {"cpu": "500m", "memory": "256Mi"},
                                },
                                "readinessProbe": {
                                    "httpGet": {"path": "/health", "port": port},
                                    "periodSeconds": 5,
                                },
                            }
                        ],
                    },
                },
            },
        },
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": meta,
            "spec": {
                "hosts": [name],
                "http": [
                    {
                        "match": [{"headers": {"end-user": {"exact": "jason"}}}],
                        "route": [{"destination": {"host": name, "subset": "v2"}}],
                    },
                    {
                        "route": [
                            {"destination": {"host": name, "subset": "v1"}, "weight": 90},
                            {"destination": {"host": name, "subset": "v2"}, "weight": 10},
                        ],
                        "timeout": "5s",
                        "retries": {"attempts": 3, "perTryTimeout": "2s"},
                    },
                ],
            },
        },
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "DestinationRule",
            "metadata": meta,
            "spec": {
                "host": host,
                "trafficPolicy": {
                    "tls": {"mode": "ISTIO_MUTUAL"},
                    "connectionPool": {"tcp": {"maxConnections": 100}},
                },
                "subsets": [
                    {"name": "v1", "labels": {"version": "v1"}},
                    {"name": "v2", "labels": {"version": "v2"}},
                ],
            },
        },
        {
            "apiVersion": "security.istio.io/v1",
            "kind": "AuthorizationPolicy",
            "metadata": meta,
            "spec": {
                "selector": {"matchLabels": {"app": name}},
                "action": "ALLOW",
                "rules": [
                    {
                        "from": [{"source": {"principals": ["cluster.local/ns/mesh/sa/gateway"]}}],
                        "to": [{"operation": {"methods": ["GET"], "paths": ["/api/*"]}}],
                    }
                ],
            },
        },
    ]


def manifests(version: str = "1.20.1") -> list[dict[str, Any]]:
    """The 40 objects; `version` is in every object, so a new one changes them all."""
    docs: list[dict[str, Any]] = []
    for index, name in enumerate(APPS):
        docs += _app(name, version, 9080 + index)
    labels = {"release": version}
    docs += [
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "Gateway",
            "metadata": {"name": "bookinfo-gateway", "labels": labels},
            "spec": {
                "selector": {"istio": "ingressgateway"},
                "servers": [
                    {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["*"]}
                ],
            },
        },
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": {"name": "bookinfo", "labels": labels},
            "spec": {
                "hosts": ["*"],
                "gateways": ["bookinfo-gateway"],
                "http": [
                    {
                        "match": [{"uri": {"prefix": "/productpage"}}],
                        "route": [{"destination": {"host": "productpage", "port": {"number": 80}}}],
                    }
                ],
            },
        },
        {
            "apiVersion": "security.istio.io/v1",
            "kind": "PeerAuthentication",
            "metadata": {"name": "default", "labels": labels},
            "spec": {"mtls": {"mode": "STRICT"}},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "mesh-settings", "labels": labels},
            "data": {"tracing": "zipkin", "sampling": "1.0"},
        },
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "gateway"}},
    ]
    docs[-1]["metadata"]["labels"] = labels
    assert len(docs) == 40, len(docs)
    return docs


def write_manifests(path: Path, version: str) -> Path:
    path.write_text(yaml.safe_dump_all(manifests(version), sort_keys=False))
    return path


@dataclass
class Sample:
    wall: float  # kubectl spawn -> exit
    kubectl_cpu: float  # kubectl's own user + system CPU
    server: ServerTimes


def apply(timer: ServerTimer, env: dict[str, str], namespace: str, path: Path) -> Sample:
    command = [kubectl_binary(), "apply", "-n", namespace, "-f", str(path)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    timer.take()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    server = timer.take()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"kubectl apply failed ({done.returncode}):\n{done.stderr}")
    if len(done.stdout.splitlines()) != 40:
        raise RuntimeError(f"kubectl apply did not report 40 objects:\n{done.stdout}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Sample(wall, cpu, server)


def create_namespace(env: dict[str, str], namespace: str) -> None:
    subprocess.run(
        [kubectl_binary(), "create", "namespace", namespace],
        env=env,
        capture_output=True,
        check=True,
    )


def _row(label: str, name: str, samples: list[Sample]) -> str:
    def ms(values: list[float]) -> str:
        return f"{median(values) * 1000:.0f}"

    walls = [s.wall for s in samples]
    shares = [s.server.total / s.wall for s in samples]
    return (
        f"| {label} | {name} | {len(samples)} | "
        f"{median([s.server.requests for s in samples]):.0f} | "
        f"{ms(walls)} | {ms([s.kubectl_cpu for s in samples])} | "
        f"{ms([s.server.app_wall for s in samples])} | "
        f"{ms([s.server.outside_app_cpu for s in samples])} | "
        f"{ms([s.server.total for s in samples])} | "
        f"{ms([s.server.cpu for s in samples])} | "
        f"{ms([s.wall - s.kubectl_cpu - s.server.total for s in samples])} | "
        f"{median(shares) * 100:.1f} % | {max(shares) * 100:.1f} % |"
    )


def _addressed(path: str) -> str:
    """What a request path addresses, without names: `openapi document`, `an object`..."""
    parts = [p for p in path.partition("?")[0].split("/") if p]
    if parts[:2] == ["openapi", "v3"]:
        return "openapi index" if len(parts) == 2 else "openapi document"
    if "namespaces" in parts:
        rest = parts[parts.index("namespaces") + 1 :]
        return {1: "the namespace", 2: "a collection", 3: "an object"}.get(len(rest), path)
    return path


def request_table(samples: dict[str, list[Sample]]) -> str:
    """The requests of each kind of apply (its first timed run), grouped by method, status and
    what they address: count, response bytes, milliseconds in the app."""
    lines = [
        "| apply | method | status | addresses | requests | response bytes | app ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rows in samples.items():
        groups: dict[tuple[str, int, str], list[harness.Served]] = {}
        for served in rows[0].server.log:
            key = (served.method, served.status, _addressed(served.path))
            groups.setdefault(key, []).append(served)
        for (method, status, what), found in groups.items():
            size = sum(s.body_bytes for s in found)
            ms = sum(s.seconds for s in found) * 1000
            lines.append(
                f"| {name} | {method} | {status} | {what} | {len(found)} | {size:,} | {ms:.1f} |"
            )
    return "\n".join(lines)


class Floor:
    """The replay server of `replay.py` on the lab's loop, on a port of its own, and a
    kubeconfig for it (the lab's, with the port changed: the same paths are asked)."""

    def __init__(
        self, served: ServedLab, home: Path, lab_kubeconfig: Path, *, durable: bool
    ) -> None:
        from meshcert.kube.apiserver.serving import ApiServer

        self.replay = Replay(home / f"replay-{durable}.journal", durable=durable)
        self.timer = ServerTimer(self.replay)
        server = ApiServer(self.timer, served.host.cert_pem, served.host.key_pem)  # type: ignore[arg-type]
        self.served, self.server = served, server
        port = served.call(server.start_port(0))
        lab_port = urlsplit(served.url).port
        kubeconfig = home / f"kubeconfig-floor-{durable}"
        kubeconfig.write_text(
            lab_kubeconfig.read_text().replace(f"127.0.0.1:{lab_port}", f"127.0.0.1:{port}")
        )
        self.env = kubectl_env(home, kubeconfig)

    def apply(self, answers: Answers, namespace: str, path: Path) -> Sample:
        self.replay.load(answers)
        return apply(self.timer, self.env, namespace, path)

    def stop(self) -> None:
        self.served.call(self.server.stop())
        self.replay.close()


def measure(
    runs: int, profile: bool, log_requests: bool = False, floor: bool = False
) -> dict[str, dict[str, list[Sample]]]:
    """The first apply, then `runs` x (create, update, unchanged), each in a new namespace;
    with `floor`, each apply right away again against the replay of its answers."""
    kinds = ("first (cold discovery cache), create", "create", "update", "unchanged")
    results: dict[str, dict[str, list[Sample]]] = {
        label: {kind: [] for kind in kinds}
        for label in ("lab", *((FLOOR_DURABLE, FLOOR_NO_FSYNC) if floor else ()))
    }
    with temp_home() as home:
        served = ServedLab(home / "meshcert", timed=True, log_requests=log_requests)
        assert served.timer is not None
        recording = Recording(served.timer.app)
        served.timer.app = recording
        profiler = cProfile.Profile()
        kubeconfig = home / "kubeconfig"
        served.write_kubeconfig(kubeconfig)
        env = kubectl_env(home, kubeconfig)
        floors = (
            {
                FLOOR_DURABLE: Floor(served, home, kubeconfig, durable=True),
                FLOOR_NO_FSYNC: Floor(served, home, kubeconfig, durable=False),
            }
            if floor
            else {}
        )

        def both(kind: str, namespace: str, path: Path) -> None:
            recording.take()
            timer = served.timer
            assert timer is not None
            results["lab"][kind].append(apply(timer, env, namespace, path))
            answers = recording.take()
            for label, replay in floors.items():
                results[label][kind].append(replay.apply(answers, namespace, path))

        try:
            v1 = write_manifests(home / "v1.yaml", "1.20.1")
            v2 = write_manifests(home / "v2.yaml", "1.20.2")
            create_namespace(env, "warm-up")
            both(kinds[0], "warm-up", v1)
            for index in range(runs):
                namespace = f"bench-{index}"
                create_namespace(env, namespace)
                both("create", namespace, v1)
                both("update", namespace, v2)
                both("unchanged", namespace, v2)
            if profile:  # one more, untimed round under the profiler (it slows the server)
                create_namespace(env, "profiled")
                served.call(_enable(profiler))  # the server's thread: it serves every request
                for path in (v1, v2, v2):
                    apply(served.timer, env, "profiled", path)
                served.call(_disable(profiler))
        finally:
            for replay in floors.values():
                replay.stop()
            served.stop()
    if profile:
        print("Server profile (lab; one create + update + unchanged round):\n")
        stats = io.StringIO()
        found = pstats.Stats(profiler, stream=stats)
        found.sort_stats("tottime").print_stats(20)
        found.sort_stats("cumtime").print_stats("meshcert", 25)
        print("```\n" + stats.getvalue().strip() + "\n```\n")
    return results


async def _enable(profiler: cProfile.Profile) -> None:
    profiler.enable()


async def _disable(profiler: cProfile.Profile) -> None:
    profiler.disable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="iterations (default 7)")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also replay each apply's answers with no API work (replay.py): the floor",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a cProfile of the server thread over one extra, untimed round",
    )
    parser.add_argument(
        "--log-requests",
        action="store_true",
        help="also print the requests of each kind of apply, grouped (method, status, bytes)",
    )
    args = parser.parse_args()
    harness.header("kubectl apply of 40 objects: the lab's share of kubectl's wall time")
    results = measure(args.runs, args.profile, args.log_requests, args.floor)
    if args.log_requests:
        print("Requests (the first run of each kind of apply):\n")
        print(request_table(results["lab"]) + "\n")
    print(
        "| server | apply | runs | requests | kubectl wall ms | kubectl CPU ms | "
        "server in app ms | server CPU outside app ms | server total ms | server CPU ms | "
        "rest ms | share (median) | share (max) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, rows in results.items():
        for name, samples in rows.items():
            print(_row(label, name, samples))
    print(
        "\nMedians over the runs. rest = kubectl wall - kubectl CPU - server total: time in "
        "which neither side computes (network stalls); negative when kubectl computes on "
        "several threads at once. server CPU = the server process's CPU while kubectl ran "
        "(in the app and outside it; no fsync waits): it depends less on the machine's load "
        "than the wall-time columns."
    )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nLoad average at the end: {load}")
    print(f"\nTarget: server share < {TARGET_SHARE * 100:.0f} % of kubectl's wall time:\n")
    for label, rows in results.items():
        timed = [samples for name, samples in rows.items() if not name.startswith("first")]
        worst = max(median([s.server.total / s.wall for s in samples]) for samples in timed)
        verdict = "met" if worst < TARGET_SHARE else "MISSED"
        print(f"- {label}: {verdict} (worst median share {worst * 100:.1f} %)")


if __name__ == "__main__":
    main()
