"""istioctl and helm from the candidate's own machine: `eval "$(meshcert lab env)"` puts shims
on PATH, and the istio.io install pages' commands run as typed against the lab (issue 5, "One
istioctl implementation ... on the candidate's own machine")."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import BIN, Shell

pytestmark = pytest.mark.kubectl


def _bash(shell: Shell, script: str, cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**shell.env, "PATH": f"{BIN}:{shell.env.get('PATH', '')}"}
    return subprocess.run(["bash", "-c", 'eval "$(meshcert lab env)"\n' + script],
                          capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=120)  # fmt: skip


def test_shims_run_the_labs_istioctl_with_local_files(shell: Shell, tmp_path: object) -> None:
    up = shell.meshcert("lab", "up", "--detach")
    assert up.returncode == 0, up.stderr
    work = shell.home.parent / "work"
    work.mkdir()
    (work / "overlay.yaml").write_text(
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n"
        "spec:\n  meshConfig:\n    accessLogFile: /dev/stdout\n"
    )
    # istio.io docs/setup/install/istioctl: install with a profile and an overlay file
    out = _bash(shell, "command -v istioctl && istioctl install --set profile=demo "
                "-f overlay.yaml -y && kubectl get deploy -n istio-system -o name",
                cwd=str(work))  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == str(shell.home / "bin" / "istioctl")
    assert "✔ Installation complete" in out.stdout
    assert "deployment.apps/istiod" in lines
    mesh = _bash(shell, "kubectl get cm istio -n istio-system -o jsonpath='{.data.mesh}'")
    assert "accessLogFile: /dev/stdout" in mesh.stdout

    # stdin for `-f -`, the exit code and stderr of a failing command
    bad = _bash(shell, "istioctl install -f - -y <<'EOF'\nkind: Nope\nEOF", cwd=str(work))
    assert bad.returncode != 0
    assert bad.stderr
    helm = _bash(shell, "helm list -A")
    assert helm.returncode == 0, helm.stderr
    assert helm.stdout.startswith("NAME")


def test_meshcert_istioctl_without_a_lab_says_so(shell: Shell) -> None:
    result = shell.meshcert("istioctl", "version")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
