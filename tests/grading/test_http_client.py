"""The HTTP client (official `kubernetes` client through a kubeconfig) gives the in-process
client's verdicts on a served lab, for a sample of tasks, untouched and solved; and reads,
lists, execs and runs istioctl the way the checks need."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from served_labs import Loop, serve_task, serving_host

from meshcert.content.running import ScriptRunner
from meshcert.content.tasks import load_tasks
from meshcert.grading.client import ClientError
from meshcert.grading.clients.http import HttpClient
from meshcert.grading.clients.inprocess import InProcessClient
from meshcert.grading.grader import baseline, grade
from meshcert.lab import kubeconfig
from meshcert.lab.labs import Lab, LabHost


@pytest.fixture(scope="module")
def host() -> Iterator[tuple[Loop, LabHost]]:
    with serving_host() as served:
        yield served


def served(host: tuple[Loop, LabHost], tmp_path: Path, task_id: str,
           seed: int) -> tuple[Lab, HttpClient, Any]:  # fmt: skip
    instance = load_tasks()[task_id].instantiate(seed)
    lab, path = serve_task(host, tmp_path, instance, shared=True)
    return lab, HttpClient(str(path)), instance


@pytest.mark.parametrize("task_id", ["authz-allow-get-path", "troubleshoot-missing-subset",
                                     "traffic-shifting-weights"])  # fmt: skip
def test_same_verdicts_in_process_and_over_http(
    host: tuple[Loop, LabHost], tmp_path: Path, task_id: str
) -> None:
    lab, http, instance = served(host, tmp_path, task_id, seed=1)
    with http:
        check_same_verdicts(lab, http, instance)
    loop, lab_host = host
    loop.run(lab_host.remove(lab.id))


def check_same_verdicts(lab: Lab, http: HttpClient, instance: Any) -> None:
    local = InProcessClient(lab.cluster)
    context = baseline(local)
    assert baseline(http) == context

    def verdicts(client: Any) -> list[tuple[str, bool]]:
        return [(r.id, r.passed) for r in grade(instance.checks, client, context).results]

    untouched = verdicts(local)
    assert verdicts(http) == untouched
    assert not all(passed for _, passed in untouched)
    ScriptRunner(lab.cluster).run(instance.solution)
    assert verdicts(http) == verdicts(local) == [(c.id, True) for c in instance.checks]


def test_reads_exec_and_istioctl(host: tuple[Loop, LabHost], tmp_path: Path) -> None:
    lab, http, _ = served(host, tmp_path, "troubleshoot-missing-subset", seed=0)
    with http:
        check_reads(http)
    loop, lab_host = host
    loop.run(lab_host.remove(lab.id))


def check_reads(http: HttpClient) -> None:
    vs = http.get("networking.istio.io/v1", "VirtualService", "default", "ratings")
    assert vs is not None
    assert vs["spec"]["hosts"] == ["ratings"]
    assert http.get("networking.istio.io/v1", "VirtualService", "default", "nope") is None
    assert http.get("v1", "Namespace", "", "istio-system") is not None
    pods = http.list("v1", "Pod", "default", "app=reviews")
    assert [p["metadata"]["labels"]["version"] for p in pods] == ["v1", "v2", "v3"]
    assert {p["kind"] for p in pods} == {"Pod"}
    with pytest.raises(ClientError, match='no matches for kind "Nope"'):
        http.list("v1", "Nope")
    curl = http.list("v1", "Pod", "default", "app=curl")[0]["metadata"]["name"]
    done = http.exec("default", curl, "curl", ["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert done == (3, "out\n", "err\n")
    with pytest.raises(ClientError, match='pods "nope" not found'):
        http.exec("default", "nope", "curl", ["true"])
    analyzed = http.istioctl(["analyze", "-n", "default"])
    assert analyzed.exit_code == 79
    assert "Error [IST0101] (VirtualService default/ratings)" in analyzed.stdout


def test_unreachable_cluster_is_a_client_error(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    entry = kubeconfig.KubeconfigEntry("gone", "https://127.0.0.1:9", b"", "token")
    kubeconfig.write(path, entry.document())
    with HttpClient(str(path)) as http, pytest.raises(ClientError, match="cannot reach"):
        http.get("v1", "Namespace", "", "default")
