"""`meshcert practice`: a full session through the CLI as a candidate plays it (issue 6, "A
test plays a full practice session through the CLI (start, solve with the real kubectl,
check, see full marks)"): the prompt, `eval "$(meshcert lab env)"`, the reference solution
typed with the real kubectl, `practice check` from 3/10 to full marks, reset, stop."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import BIN, Shell

pytestmark = pytest.mark.kubectl

TASK = "authz-allow-get-path"


def _bash(shell: Shell, script: str) -> subprocess.CompletedProcess[str]:
    """`script` in bash with the lab's environment, as the candidate's shell has it."""
    env = {**shell.env, "PATH": f"{BIN}:{shell.env.get('PATH', '')}"}
    return subprocess.run(["bash", "-c", f'eval "$({BIN}/meshcert lab env)" && {script}'],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip


def test_a_full_practice_session(shell: Shell) -> None:
    started = shell.meshcert("practice", "start", TASK, "--seed", "4", timeout=120)
    assert started.returncode == 0, started.stderr
    assert "Create an AuthorizationPolicy named httpbin-viewer-" in started.stdout
    assert 'eval "$(meshcert lab env)"' in started.stdout
    # the lab answers the candidate's own kubectl, in the task's starting state
    pods = _bash(shell, "kubectl get pods -n default -o name")
    assert "pod/httpbin-" in pods.stdout

    before = shell.meshcert("practice", "check", timeout=120)
    assert before.returncode == 1
    assert "✘ 0/4  others-denied" in before.stdout
    assert "Requests to other paths of httpbin are still allowed." in before.stdout
    assert "Score: 3/10" in before.stdout

    script = shell.meshcert("practice", "solution").stdout
    assert script.startswith("#!/usr/bin/env bash\n")
    # typed as the candidate would: the commands of the solution, with the real kubectl
    solved = _bash(shell, script.split("set -e\n", 1)[1])
    assert solved.returncode == 0, solved.stderr
    assert "authorizationpolicy.security.istio.io/httpbin-viewer-" in solved.stdout
    after = shell.meshcert("practice", "check", timeout=120)
    assert after.returncode == 0, after.stdout
    assert "Score: 10/10" in after.stdout
    assert "Why it works" in after.stdout

    again = shell.meshcert("practice", "start", TASK)
    assert again.returncode == 1
    assert f"a practice session is running (task {TASK})" in again.stderr

    reset = shell.meshcert("practice", "reset", timeout=120)
    assert reset.returncode == 0, reset.stderr
    assert shell.meshcert("practice", "check", timeout=120).returncode == 1  # undone

    stopped = shell.meshcert("practice", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not shell.default_kubeconfig.exists() or "meshcert" not in (
        shell.default_kubeconfig.read_text()
    )
    nothing = shell.meshcert("practice", "check")
    assert nothing.returncode == 1
    assert "no practice session: start one with `meshcert practice start TASK_ID`" in (
        nothing.stderr
    )


def test_list_filters_and_bad_choices(shell: Shell) -> None:
    listed = shell.meshcert("practice", "list", "--domain", "Securing Workloads")
    assert listed.returncode == 0, listed.stderr
    assert TASK in listed.stdout
    assert "Traffic Management" not in listed.stdout
    unknown = shell.meshcert("practice", "start", "no-such-task")
    assert unknown.returncode == 1
    assert "no task 'no-such-task': `meshcert practice list` shows them" in unknown.stderr
    nothing = shell.meshcert("practice", "start")
    assert nothing.returncode == 2
    assert shell.meshcert("practice", "stop").returncode == 1  # no session: no lab touched
