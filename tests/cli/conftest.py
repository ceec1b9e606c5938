"""The real `meshcert` command and the real kubectl, in a private MESHCERT_HOME and HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from meshcert.lab import launching
from meshcert.lab.state import LabFiles

BIN = Path(sys.executable).parent


@dataclass
class Shell:
    """Runs `meshcert` and `kubectl` as a user would, with this test's home directories."""

    home: Path
    env: dict[str, str]

    @property
    def default_kubeconfig(self) -> Path:
        return self.home / "kubeconfig"

    def meshcert(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "meshcert"), *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def kubectl(
        self, *args: str, kubeconfig: Path | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "KUBECONFIG": str(kubeconfig or self.default_kubeconfig)}
        return subprocess.run(
            [str(BIN / "kubectl"), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            input=input,
        )

    def lab_files(self, lab_id: str = "default") -> LabFiles:
        return LabFiles.of(lab_id, self.home)

    def stop_all(self) -> None:
        """Stop every lab server this test started (they hold their lab's lock)."""
        labs = self.home / "labs"
        for lab_dir in sorted(labs.iterdir()) if labs.is_dir() else []:
            launching.stop(LabFiles.of(lab_dir.name, self.home))


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[Shell]:
    home = tmp_path / "meshcert-home"
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "MESHCERT_DEBUG")}
    env.update(MESHCERT_HOME=str(home), HOME=str(tmp_path), NO_COLOR="1", COLUMNS="200")
    running = Shell(home, env)
    yield running
    running.stop_all()
