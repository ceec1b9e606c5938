"""rollout restart / status, wait, describe, logs and exec with exit codes."""

from __future__ import annotations

import re
from pathlib import Path

from running_api import RunningApi

MANIFESTS = Path(__file__).parent / "manifests"


def test_rollout_restart_then_status(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    before = set(api.ok("get", "pods", "-l", "app=reviews", "-o", "name").split())
    assert api.ok("rollout", "restart", "deploy/reviews-v1").strip() == (
        "deployment.apps/reviews-v1 restarted"
    )
    status = api.ok("rollout", "status", "deploy/reviews-v1", "--timeout=20s")
    assert 'deployment "reviews-v1" successfully rolled out' in status
    after = set(api.ok("get", "pods", "-l", "app=reviews", "-o", "name").split())
    assert len(after) == 1
    assert before.isdisjoint(after)
    replicasets = api.ok("get", "rs", "-l", "app=reviews", "-o", "name").split()
    assert len(replicasets) == 2
    revision = api.ok(
        "get",
        "deploy",
        "reviews-v1",
        "-o",
        "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
    )
    assert revision == "2"


def test_wait_for_condition_ready(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    out = api.ok("wait", "--for=condition=Ready", "pod", "-l", "app=details", "--timeout=20s")
    assert re.fullmatch(r"pod/details-v1-[a-z0-9]+-[a-z0-9]{5} condition met\n", out)
    avail = api.ok("wait", "--for=condition=Available", "deploy/details-v1", "--timeout=20s")
    assert avail.strip() == "deployment.apps/details-v1 condition met"


def test_describe_pod_shows_events(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    pod = api.ok("get", "pods", "-l", "app=details", "-o", "name").split()[0]
    text = api.ok("describe", pod)
    assert re.search(r"^Name:\s+details-v1-", text, re.M)
    assert re.search(r"^Status:\s+Running$", text, re.M)
    assert re.search(r"^Node:\s+meshcert-control-plane/", text, re.M)
    assert "Successfully assigned default/" in text
    assert re.search(
        r"Started\s+\S+\s+kubelet\s+spec.containers\{details\}: Container started", text
    )
    deploy = api.ok("describe", "deploy", "details-v1")
    assert "Scaled up replica set details-v1-" in deploy


def test_exec_runs_programs_and_returns_exit_codes(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    pod = api.ok("get", "pods", "-l", "app=details", "-o", "name").split()[0]
    assert api.ok("exec", pod, "--", "echo", "hello").strip() == "hello"
    shell = api.ok("exec", pod, "--", "sh", "-c", "for i in $(seq 1 3); do echo n$i; done | wc -l")
    assert shell.strip() == "3"
    failed = api.kubectl("exec", pod, "--", "sh", "-c", "exit 3")
    assert failed.returncode == 3
    assert "command terminated with exit code 3" in failed.stderr
    piped = api.ok("exec", "-i", pod, "--", "grep", "-c", "x", input="x\ny\nx\n")
    assert piped.strip() == "2"
    written = api.ok("exec", pod, "--", "sh", "-c", "echo saved > /tmp/f")
    assert written == ""
    assert api.ok("exec", pod, "--", "cat", "/tmp/f").strip() == "saved"


def test_logs_of_a_container(api: RunningApi) -> None:
    api.ok("apply", "-f", str(MANIFESTS / "bookinfo-lite.yaml"))
    name = api.ok("get", "pods", "-l", "app=details", "-o", "jsonpath={.items[0].metadata.name}")
    api.cluster.logs.append("default", name, "details", "GET /details/0 200")
    api.cluster.logs.append("default", name, "details", "GET /health 200")
    assert api.ok("logs", name) == "GET /details/0 200\nGET /health 200\n"
    assert api.ok("logs", name, "--tail=1") == "GET /health 200\n"
    assert api.ok("logs", "deploy/details-v1") == "GET /details/0 200\nGET /health 200\n"
