"""Grading an exam: 17 tasks (the ICA 2025 blueprint's count range is 15-20), each on its own
lab with its reference solution applied, graded in-process one after the other. Target (issue
6): under 1 s in total. Prints a Markdown table.

The tasks are drawn from the bank as an exam form would be: spread over the blueprint's
domains by weight (20/35/25/20 of 17: 3/6/4/4, fewer when the bank has fewer), seed 0. Building
the labs and running the solutions is set-up, not timed; the timed part is `grade()` of every
task's checks through the in-process `KubeClient` (behaviour checks send their requests through
the simulation, analyzer checks run istioctl analyze), best of three rounds.

    python benchmarks/bench_grading.py [--tasks N]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import defaultdict

from meshcert.content.blueprints import load_blueprints
from meshcert.content.labs import task_lab
from meshcert.content.tasks import TaskInstance, load_tasks
from meshcert.grading.clients.inprocess import InProcessClient
from meshcert.grading.grader import baseline, grade

TARGET_SECONDS = 1.0
WEIGHTS_BLUEPRINT = "ica-2025"


def _form(count: int) -> list[TaskInstance]:
    """`count` tasks spread over the blueprint's domains by weight, first ids first."""
    blueprint = load_blueprints()[WEIGHTS_BLUEPRINT]
    by_domain: dict[str, list[str]] = defaultdict(list)
    for task_id, task in sorted(load_tasks().items()):
        by_domain[task.domain].append(task_id)
    tasks = load_tasks()
    chosen: list[str] = []
    for domain in blueprint.domains:
        share = round(count * domain.weight / 100)
        chosen += by_domain.get(domain.name, [])[:share]
    leftovers = [t for ids in by_domain.values() for t in ids if t not in chosen]
    chosen += leftovers[: max(0, count - len(chosen))]
    return [tasks[t].instantiate(0) for t in chosen[:count]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=17)
    args = parser.parse_args()
    form = _form(args.tasks)
    prepared = []
    for instance in form:
        cluster, runner = task_lab(instance)
        client = InProcessClient(cluster)
        context = baseline(client)
        runner.run(instance.solution)
        prepared.append((instance, client, context))
    rounds = []
    full = 0
    checks = 0
    for _ in range(3):
        start = time.perf_counter()
        reports = [grade(i.checks, c, ctx) for i, c, ctx in prepared]
        rounds.append(time.perf_counter() - start)
        full = sum(r.full_marks for r in reports)
        checks = sum(len(r.results) for r in reports)
    best = min(rounds)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average at end: {load}\n")  # fmt: skip
    print("| measure | result |\n|---|---|")
    print(f"| tasks graded (reference solutions applied) | {len(prepared)} ({checks} checks; "
          f"{full} at full marks) |")  # fmt: skip
    print(f"| grading all of them, best of 3 | {best * 1000:.0f} ms |")
    print(f"| per task | {best * 1000 / max(len(prepared), 1):.1f} ms |")
    print(f"\nTarget: < {TARGET_SECONDS:.0f} s for a 17-task exam: "
          f"{'met' if best < TARGET_SECONDS else 'missed'} ({best:.3f} s).")  # fmt: skip
    if full != len(prepared):
        sys.exit("a reference solution did not get full marks: run `meshcert tasks verify`")


if __name__ == "__main__":
    main()
