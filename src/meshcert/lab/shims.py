"""`istioctl` and `helm` on the candidate's PATH: small scripts under `<home>/bin` that run
`meshcert istioctl|helm` with this Python, so the commands of the istio.io pages work as
typed (`istioctl install --set profile=demo -y`) against the lab the kubeconfig points at.
`meshcert lab env` writes them and puts the directory first on PATH."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from .state import write_atomic

TOOLS = ("istioctl", "helm")


def shim_text(tool: str, python: str | None = None) -> str:
    interpreter = shlex.quote(python or sys.executable)
    return (
        "#!/bin/sh\n"
        f"# meshcert: the lab's {tool}, run from this machine (meshcert lab env)\n"
        f'exec {interpreter} -m meshcert.cli.main {tool} "$@"\n'
    )


def install_shims(home: Path) -> Path:
    """Write (or refresh) the shims; return their directory."""
    directory = home / "bin"
    directory.mkdir(parents=True, exist_ok=True)
    for tool in TOOLS:
        path = directory / tool
        text = shim_text(tool)
        try:
            current = path.read_text()
        except OSError:
            current = ""
        if current != text:
            write_atomic(path, text.encode(), mode=0o755)
    return directory


__all__ = ["TOOLS", "install_shims", "shim_text"]
