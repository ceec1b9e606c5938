"""Labs served by a `LabHost` in this process for tests that talk to them over HTTP (the real
kubectl, the `kubernetes` client): an asyncio loop in a daemon thread serves them while the
test blocks, and a task's lab is set up as the content self-test sets it up in-process."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from meshcert.content.labs import task_scenario
from meshcert.content.running import ScriptRunner
from meshcert.content.tasks import TaskInstance
from meshcert.lab import kubeconfig
from meshcert.lab.labs import Lab, LabHost
from meshcert.mesh.simulation.state import SEED_KEY, TIME_SCALE_KEY

T = TypeVar("T")


class Loop:
    """An asyncio loop in a daemon thread: the labs serve there while tests block on clients."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@contextmanager
def serving_host(home: Path | None = None) -> Iterator[tuple[Loop, LabHost]]:
    """A started, non-durable `LabHost` and the loop it serves on; stopped on exit."""
    loop = Loop()

    async def started() -> LabHost:
        host = LabHost(home=home, durable=False)
        await host.start()
        return host

    host = loop.run(started())
    try:
        yield loop, host
    finally:
        loop.run(host.stop())
        loop.close()


def serve_task(host: tuple[Loop, LabHost], folder: Path, instance: TaskInstance, *,
               shared: bool = False) -> tuple[Lab, Path]:  # fmt: skip
    """A served lab in `instance`'s starting state (its seed, time not waited for, its set-up
    steps run) and a kubeconfig for it in `folder`."""
    loop, lab_host = host
    lab = loop.run(lab_host.create(task_scenario(instance)))
    lab.cluster.extensions[SEED_KEY] = instance.seed
    lab.cluster.extensions[TIME_SCALE_KEY] = 0.0
    if instance.scenario.steps.strip():
        ScriptRunner(lab.cluster).run(instance.scenario.steps)
    path = folder / f"kubeconfig-{lab.id}"
    kubeconfig.write(path, lab_host.kubeconfig_entry(lab, shared=shared).document())
    return lab, path


__all__ = ["Loop", "serve_task", "serving_host"]
