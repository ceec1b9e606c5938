"""`time` in BusyBox images (curlimages/curl, busybox, alpine): istio.io's egress-control page
runs `kubectl exec "$SOURCE_POD" -c curl -- time curl ... http://httpbin.org/delay/5` and reads
the `real` line. Format: BusyBox miscutils/time.c (`real\\t0m 5.01s`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from meshcert.kube.cluster import Cluster
from meshcert.kube.execution.programs import ExecContext

Outcome = tuple[str, str, int]


def test_time_reports_real_user_and_sys_after_the_command(
    execute: Callable[..., Outcome],
) -> None:
    out, err, code = execute(["time", "sh", "-c", "echo hi; exit 3"])
    assert (out, code) == ("hi\n", 3)
    assert re.fullmatch(r"real\t0m 0\.0\ds\nuser\t0m 0\.00s\nsys\t0m 0\.00s\n", err), err


def test_time_counts_simulated_seconds(cluster: Cluster, execute: Callable[..., Outcome]) -> None:
    def slow(ctx: ExecContext) -> int:  # a request the mesh delays by 5.02 s, not waited for
        ctx.spend(5.02, scale=0)
        return 0

    cluster.programs.register("slow", slow)
    _, err, code = execute(["time", "slow"])
    assert code == 0
    assert err.splitlines()[0] == "real\t0m 5.02s"


def test_time_of_a_missing_program(execute: Callable[..., Outcome]) -> None:
    _, err, code = execute(["time", "nope"])
    assert code == 127
    assert err.startswith("time: can't execute 'nope': No such file or directory\n")


def test_time_exists_only_in_busybox_images(
    execute: Callable[..., Outcome], add_pod: Callable[..., dict[str, Any]]
) -> None:
    add_pod({"metadata": {"name": "deb"},
             "spec": {"containers": [{"name": "app", "image": "debian:12"}]}})  # fmt: skip
    _, _, code = execute(["time", "true"], pod="deb")
    assert code != 0
