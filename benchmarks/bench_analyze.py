"""`istioctl analyze -A` on a lab holding 2,000 Istio resources in 100 namespaces (issue 5
target: under 1 s, process start included).

Each of the 100 namespaces (labelled for injection) holds 20 Istio resources — 6
VirtualServices (hosts, subsets, a gateway binding), 6 DestinationRules (subsets, TLS), 2
Gateways, 3 ServiceEntries, a Sidecar, a PeerAuthentication and an AuthorizationPolicy — and
the 6 Services they route to, on top of the `istio-default` scenario. Two measurements:

- in-process: `run_istioctl(cluster, ["analyze", "-A"])` on the cluster (the analysis, output
  included): the first run (every object validated) and the median of the later ones (schema
  validation is cached per object uid and resourceVersion);
- CLI: the venv's `meshcert istioctl analyze -A` spawned against a served durable lab (what the
  `istioctl` shim of `meshcert lab env` runs: interpreter start, the request to the lab, the
  analysis in the server), wall time from spawn to exit, median of `--runs`.

    python benchmarks/bench_analyze.py [--runs N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import time
from typing import Any

import harness
from harness import ServedLab, median, meshcert_binary, temp_home
from meshcert.kube.cluster import Cluster

NAMESPACES = 100
TARGET_SECONDS = 1.0
NET = "networking.istio.io/v1"
SEC = "security.istio.io/v1"


def _objects(ns: str) -> list[dict[str, Any]]:
    def obj(api: str, kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": ns},
                "spec": spec}  # fmt: skip

    out = [{"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"istio-injection": "enabled"}}}]  # fmt: skip
    for i in range(6):
        svc = f"svc{i}"
        ports = [{"name": "http", "port": 8080}]
        out.append(obj("v1", "Service", svc, {"selector": {"app": svc}, "ports": ports}))
        out.append(obj(NET, "DestinationRule", svc, {
            "host": svc, "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}},
            "subsets": [{"name": "v1", "labels": {"version": "v1"}},
                        {"name": "v2", "labels": {"version": "v2"}}]}))  # fmt: skip
        out.append(obj(NET, "VirtualService", svc, {
            "hosts": [svc] if i else [f"{ns}.example.com"],
            "gateways": ["mesh"] if i else ["gw0"],
            "http": [{"match": [{"headers": {"end-user": {"exact": "jason"}}}],
                      "route": [{"destination": {"host": svc, "subset": "v2"}}]},
                     {"route": [{"destination": {"host": svc, "subset": "v1"}, "weight": 90},
                                {"destination": {"host": svc, "subset": "v2"},
                                 "weight": 10}]}]}))  # fmt: skip
    for i in range(2):
        out.append(obj(NET, "Gateway", f"gw{i}", {
            "selector": {"istio": "ingressgateway"},
            "servers": [{"port": {"number": 8080 + i, "name": "http", "protocol": "HTTP"},
                         "hosts": [f"{ns}.example.com"]}]}))  # fmt: skip
    for i in range(3):
        out.append(obj(NET, "ServiceEntry", f"se{i}", {
            "hosts": [f"api{i}.{ns}.example.com"], "location": "MESH_EXTERNAL",
            "ports": [{"number": 443, "name": "tls", "protocol": "TLS"}],
            "resolution": "DNS"}))  # fmt: skip
    out.append(obj(NET, "Sidecar", "default", {"egress": [{"hosts": ["./*", "istio-system/*"]}]}))
    out.append(obj(SEC, "PeerAuthentication", "default", {"mtls": {"mode": "STRICT"}}))
    out.append(obj(SEC, "AuthorizationPolicy", "allow", {"rules": [
        {"from": [{"source": {"namespaces": [ns]}}],
         "to": [{"operation": {"methods": ["GET"]}}]}]}))  # fmt: skip
    return out


def populate(cluster: Cluster) -> int:
    """Create the 100 namespaces; return how many Istio resources were made."""
    istio = 0
    for n in range(NAMESPACES):
        for o in _objects(f"team-{n:03d}"):
            cluster.create(cluster.kind_of(o), o)
            istio += o["apiVersion"] not in ("v1",)
    return istio


def in_process(runs: int, profile: bool) -> tuple[float, float, int, int, str]:
    from meshcert.lab.labs import new_cluster
    from meshcert.lab.scenarios import load_scenario, seed
    from meshcert.tools.istioctl import run_istioctl

    cluster = new_cluster()
    seed(cluster, load_scenario("istio-default"))
    istio = populate(cluster)
    samples = []
    code, out = 0, ""
    for _ in range(runs):
        started = time.perf_counter()
        code, out, _ = run_istioctl(cluster, ["analyze", "-A"])
        samples.append(time.perf_counter() - started)
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run_istioctl(cluster, ["analyze", "-A"])
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return samples[0], median(samples[1:] or samples), istio, code, out


def cli(runs: int) -> tuple[float, float, int]:
    with temp_home() as home:
        lab = ServedLab(home, scenario="istio-default")
        try:
            populate(lab.lab.cluster)
            kubeconfig = home / "kubeconfig"
            lab.write_kubeconfig(kubeconfig)
            env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home),
                   "KUBECONFIG": str(kubeconfig), "MESHCERT_HOME": str(home)}  # fmt: skip
            argv = [meshcert_binary(), "istioctl", "analyze", "-A"]
            subprocess.run(argv, env=env, capture_output=True, check=False)  # warm-up
            samples, code = [], 0
            for _ in range(runs):
                started = time.perf_counter()
                done = subprocess.run(argv, env=env, capture_output=True, check=False)
                samples.append(time.perf_counter() - started)
                code = done.returncode
            version = [meshcert_binary(), "istioctl", "version", "--remote=false"]
            starts = []
            for _ in range(runs):
                started = time.perf_counter()
                subprocess.run(version, env=env, capture_output=True, check=False)
                starts.append(time.perf_counter() - started)
            return median(samples), median(starts), code
        finally:
            lab.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    harness.header("istioctl analyze -A: 2,000 Istio resources in 100 namespaces")
    first, seconds, istio, code, out = in_process(args.runs, args.profile)
    lines = len(out.splitlines())
    cli_seconds, baseline, cli_code = cli(args.runs)
    print("| measurement | target | median | verdict |")
    print("|---|---|---|---|")
    print(
        f"| in-process `run_istioctl analyze -A`, first run ({istio} Istio resources, exit "
        f"{code}, {lines} output lines) | | {first * 1000:.0f} ms | |"
    )
    print(f"| in-process, later runs (validation cached per object version) | | "
          f"{seconds * 1000:.0f} ms | |")  # fmt: skip
    verdict = "met" if cli_seconds < TARGET_SECONDS else "**not met**"
    print(f"| `meshcert istioctl analyze -A` spawned against the served lab (exit {cli_code}) "
          f"| < 1 s | {cli_seconds * 1000:.0f} ms | {verdict} |")  # fmt: skip
    print(f"| `meshcert istioctl version --remote=false` spawned (the process start alone) | "
          f"| {baseline * 1000:.0f} ms | |")  # fmt: skip


if __name__ == "__main__":
    main()
