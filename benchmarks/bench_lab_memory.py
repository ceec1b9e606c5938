"""Memory of idle labs in one process: target < 20 MB per lab, so that 100 labs fit in one.

In a fresh process (one per configuration), a `LabHost` (durable: journal, snapshot, lock and
pid files in a throw-away MESHCERT_HOME) is started on a shared port, then labs are created from
the default scenario (`base`) up to 100; after each checkpoint (1, 10, 50, 100 labs) the
garbage collector runs and the resident set size (VmRSS in /proc/self/status) is read. The
labs are idle: created and served, never asked anything.

- RSS per lab = growth from 1 lab to N labs / (N - 1): what one more lab costs. The first lab
  is shown apart; it also pays for one-time, lazily loaded shared state (schemas, programs).
- tracemalloc (in a separate run with fewer labs, as it slows Python down and costs memory
  itself; started once the first lab exists) gives the Python heap per lab and the source lines
  that allocate it.
- The time to create a lab and to stop the host (`LabHost.stop()`) are printed too.

Configurations: `own port` (each lab also listens on a port of its own, as `meshcert lab up`
serves it), `shared port only` (labs reached at /labs/<id> on the host's port), and, for scale,
`own port, 40 objects`: each lab also holds the 40-object application of `bench_apply.py`
(created through the cluster, so admission, controllers and the journal run: with its
ReplicaSets, Pods and Events, about 70 objects), i.e. a lab in use rather than idle.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import harness
from bench_apply import manifests
from harness import rss_mb, temp_home

if TYPE_CHECKING:
    from meshcert.lab.labs import Lab

TARGET_MB = 20.0
CHECKPOINTS = (1, 10, 50, 100)
CHECKPOINTS_LOADED = (1, 10, 25)  # enough to see the slope; 100 would take minutes


def _checkpoints(loaded: bool, traced: bool) -> tuple[int, ...]:
    """Lab counts to measure at. Tracing 10 frames is slow: fewer labs suffice for the slope."""
    if traced:
        return (1, 5) if loaded else (1, 10)
    return CHECKPOINTS_LOADED if loaded else CHECKPOINTS


def _attribute(traceback: tracemalloc.Traceback) -> str:
    """The innermost meshcert line of an allocation (else its innermost line), shortened."""
    frames = list(traceback)  # oldest first
    ours = [f for f in frames if f"{os.sep}meshcert{os.sep}" in f.filename]
    frame = (ours or frames)[-1]
    name = frame.filename
    for marker in (f"{os.sep}src{os.sep}", "site-packages" + os.sep, f"{os.sep}lib{os.sep}"):
        if marker in name:
            name = name.rpartition(marker)[2]
            break
    return f"{name}:{frame.lineno}"


def _snapshot_mb() -> float:
    return tracemalloc.get_traced_memory()[0] / 1024 / 1024


def _load(lab: Lab) -> None:
    """Create the 40 objects of bench_apply.py in namespace `app` of the lab."""
    cluster = lab.cluster
    with cluster.transaction():
        cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "app"}})
    for obj in manifests():
        with cluster.transaction():
            cluster.create(cluster.kind_of(obj), obj, "app")


async def _child(own_port: bool, loaded: bool, traced: bool, home: Path) -> dict[str, Any]:
    """Runs in the measured process: the RSS (or traced heap) at each checkpoint, in MB."""
    from meshcert.lab.labs import LabHost

    checkpoints = _checkpoints(loaded, traced)
    host = LabHost(home=home)
    await host.start()
    gc.collect()
    read = _snapshot_mb if traced else rss_mb
    result: dict[str, Any] = {"host": read(), "labs": {}}
    first: tracemalloc.Snapshot | None = None
    creating = 0.0
    for count in range(1, checkpoints[-1] + 1):
        started = time.perf_counter()
        lab = await host.create("base", port=0 if own_port else None)
        if loaded:
            _load(lab)
        creating += time.perf_counter() - started
        if count in checkpoints:
            gc.collect()
            result["labs"][count] = read()
        if traced and count == 1:
            # Traced from here on: lab 1 loaded the shared, lazily built state untraced.
            tracemalloc.start(10)
            first = tracemalloc.take_snapshot()
            result["labs"][1] = read()
    result["create_ms"] = creating / checkpoints[-1] * 1000
    if traced and first is not None:
        by_line: Counter[str] = Counter()
        for stat in tracemalloc.take_snapshot().compare_to(first, "traceback"):
            by_line[_attribute(stat.traceback)] += stat.size_diff
        span = checkpoints[-1] - 1
        result["top"] = [(where, size / span / 1024) for where, size in by_line.most_common(10)]
    started = time.perf_counter()
    await host.stop()
    result["stop_s"] = time.perf_counter() - started
    return result


def _run_child(own_port: bool, loaded: bool, traced: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "own" if own_port else "shared"]
    if loaded:
        command.append("--loaded")
    if traced:
        command.append("--traced")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the measured process failed:\n{done.stderr}")
    data: dict[str, Any] = json.loads(done.stdout)
    data["labs"] = {int(k): v for k, v in data["labs"].items()}
    return data


def _per_lab(labs: dict[int, float], count: int) -> float:
    return (labs[count] - labs[1]) / (count - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["own", "shared"], help=argparse.SUPPRESS)
    parser.add_argument("--loaded", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with temp_home() as home:
            own = args.child == "own"
            result = asyncio.run(_child(own, args.loaded, args.traced, home / "meshcert"))
        print(json.dumps(result))
        return

    harness.header("Memory of idle labs in one process")
    print(
        "| configuration | labs | RSS MB | RSS growth since host start MB | "
        "RSS per lab MB (from 1 lab) |"
    )
    print("|---|---|---|---|---|")
    verdicts: list[float] = []
    heaps: list[str] = []
    tops: dict[str, list[tuple[str, float]]] = {}
    timings: list[str] = []
    configurations = (
        (True, False, "own port"),
        (False, False, "shared port only"),
        (True, True, "own port, 40 objects"),
    )
    for own_port, loaded, name in configurations:
        rss = _run_child(own_port, loaded, traced=False)
        print(f"| {name} | 0 (host started) | {rss['host']:.1f} | - | - |")
        for count in sorted(rss["labs"]):
            growth = rss["labs"][count] - rss["host"]
            per = f"{_per_lab(rss['labs'], count):.2f}" if count > 1 else f"first: {growth:.2f}"
            print(f"| {name} | {count} | {rss['labs'][count]:.1f} | {growth:.1f} | {per} |")
        last = max(rss["labs"])
        timings.append(f"| {name} | {rss['create_ms']:.0f} | {last} | {rss['stop_s']:.1f} |")
        if not loaded:
            verdicts.append(_per_lab(rss["labs"], last))
        if own_port:  # the shared-port labs allocate at the same lines
            traced = _run_child(own_port, loaded, traced=True)
            labs = traced["labs"]
            heaps.append(f"| {name} | {max(labs)} | {_per_lab(labs, max(labs)):.3f} |")
            tops[name] = traced["top"]
    print(
        "\nPython heap (tracemalloc with 10 frames, started once the first lab exists; "
        "a separate run with fewer labs):\n"
    )
    print("| configuration | labs | heap per lab MB (from 1 lab) |")
    print("|---|---|---|")
    print("\n".join(heaps))
    for name, top in tops.items():
        print(
            f"\nWhere a lab's Python heap goes ({name}; KB per lab from 1 lab on; each "
            "allocation charged to its innermost meshcert line):\n"
        )
        print("| source line | KB per lab |")
        print("|---|---|")
        for where, kb in top:
            print(f"| `{where}` | {kb:.1f} |")
    print("\nTime (RSS runs):\n")
    print("| configuration | create ms per lab | labs | LabHost.stop() s |")
    print("|---|---|---|---|")
    print("\n".join(timings))
    worst = max(verdicts)
    print(
        f"\nTarget: < {TARGET_MB:.0f} MB per idle lab (own port, shared port only): "
        f"{'met' if worst < TARGET_MB else 'MISSED'} (worst {worst:.2f} MB per lab)."
    )


if __name__ == "__main__":
    main()
