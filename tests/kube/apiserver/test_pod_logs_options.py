"""`kubectl logs` options against the API: containers, tail, since, limits, timestamps,
follow, previous, and the kubelet's errors."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from running_api import RunningApi, kubectl_binary

from meshcert.kube.controllers import ContainerState, image_pull_backoff, set_container_state

PODS = """
apiVersion: v1
kind: Pod
metadata:
  name: duo
  annotations: {kubectl.kubernetes.io/default-container: sidecar}
spec:
  initContainers: [{name: init, image: busybox:1.36}]
  containers: [{name: app, image: busybox:1.36}, {name: sidecar, image: istio/proxyv2:1.26.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: pair}
spec:
  containers: [{name: first, image: busybox:1.36}, {name: second, image: busybox:1.36}]
---
apiVersion: v1
kind: Pod
metadata: {name: solo}
spec:
  containers: [{name: app, image: busybox:1.36}]
"""
OLD = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def logs(api: RunningApi) -> RunningApi:
    api.ok("apply", "-f", "-", input=PODS)
    book = api.cluster.logs
    for container, line in [("init", "i1"), ("app", "a1"), ("app", "a2"), ("sidecar", "s1")]:
        book.append("default", "duo", container, line)
    book.append("default", "pair", "first", "f1")
    book.append("default", "pair", "second", "x1")
    book.append("default", "solo", "app", "old line", when=OLD)
    book.append("default", "solo", "app", "new line")
    return api


def test_container_choice(logs: RunningApi) -> None:
    assert logs.ok("logs", "duo") == "s1\n"  # the default-container annotation
    assert logs.ok("logs", "duo", "-c", "app") == "a1\na2\n"
    assert logs.ok("logs", "duo", "-c", "init") == "i1\n"
    every = logs.ok("logs", "duo", "--all-containers")  # kubectl asks in parallel
    assert sorted(every.splitlines()) == ["a1", "a2", "i1", "s1"]
    pair = logs.kubectl("logs", "pair")
    assert pair.stdout == "f1\n"
    assert 'Defaulted container "first" out of: first, second' in pair.stderr
    wrong = logs.kubectl("logs", "duo", "-c", "nope")
    assert "container nope is not valid for pod duo" in wrong.stderr


def test_server_side_container_rules(logs: RunningApi) -> None:
    raw = logs.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/pair/log")
    assert raw.returncode == 1
    assert "a container name must be specified for pod pair, choose one of: [first second]" in (
        raw.stderr
    )


def test_tail_limit_bytes_and_timestamps(logs: RunningApi) -> None:
    assert logs.ok("logs", "duo", "-c", "app", "--tail=1") == "a2\n"
    assert logs.ok("logs", "duo", "-c", "app", "--limit-bytes=4") == "a1\na"
    stamped = logs.ok("logs", "solo", "--timestamps")
    assert re.fullmatch(
        r"2020-01-01T00:00:00\.000000000Z old line\n\d{4}-\d\d-\d\dT[\d:]{8}\.\d{9}Z new line\n",
        stamped,
    )


def test_since_and_since_time(logs: RunningApi) -> None:
    assert logs.ok("logs", "solo", "--since=1h") == "new line\n"
    assert logs.ok("logs", "solo", "--since-time=2019-12-31T23:59:59Z") == "old line\nnew line\n"
    later = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert logs.ok("logs", "solo", f"--since-time={later}") == "new line\n"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "tailLines=-1",
            'PodLogOptions "solo" is invalid: tailLines: Invalid value: -1: '
            "must be greater than or equal to 0",
        ),
        (
            "limitBytes=0",
            'PodLogOptions "solo" is invalid: limitBytes: Invalid value: 0: must be greater than 0',
        ),
        (
            "sinceSeconds=0",
            'PodLogOptions "solo" is invalid: sinceSeconds: Invalid value: 0: '
            "must be greater than 0",
        ),
    ],
)
def test_invalid_options(logs: RunningApi, query: str, message: str) -> None:
    raw = logs.kubectl("get", "--raw", f"/api/v1/namespaces/default/pods/solo/log?{query}")
    assert raw.returncode == 1
    assert message in raw.stderr


def test_previous(logs: RunningApi) -> None:
    missing = logs.kubectl("logs", "solo", "--previous")
    assert missing.returncode == 1
    assert missing.stderr == (
        'Error from server (BadRequest): previous terminated container "app" in pod "solo" '
        "not found\n"
    )
    logs.cluster.logs.restart("default", "solo", "app")
    logs.cluster.logs.append("default", "solo", "app", "second run")
    with logs.cluster.lock:
        set_container_state(
            logs.cluster,
            "default",
            "solo",
            "app",
            ContainerState(restart_count=1, last_exit_code=1),
        )
    assert logs.ok("logs", "solo", "-p") == "old line\nnew line\n"
    assert logs.ok("logs", "solo") == "second run\n"


def test_waiting_container_has_no_logs(logs: RunningApi) -> None:
    with logs.cluster.lock:
        set_container_state(logs.cluster, "default", "solo", "app", image_pull_backoff())
    out = logs.kubectl("logs", "solo")
    assert out.stderr == (
        'Error from server (BadRequest): container "app" in pod "solo" is waiting to start: '
        "trying and failing to pull image\n"
    )


def test_follow_streams_new_lines(logs: RunningApi) -> None:
    proc = subprocess.Popen(
        [kubectl_binary(), "logs", "-f", "solo", "--tail=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=logs.env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"new line\n"
        logs.cluster.logs.append("default", "solo", "app", "live line")
        assert proc.stdout.readline() == b"live line\n"
    finally:
        proc.kill()
        proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


def test_follow_ends_at_the_byte_limit(logs: RunningApi) -> None:
    proc = subprocess.Popen(
        [kubectl_binary(), "logs", "-f", "solo", "--tail=1", "--limit-bytes=14"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=logs.env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"new line\n"
        logs.cluster.logs.append("default", "solo", "app", "live line")
        assert proc.stdout.read() == b"live "
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
