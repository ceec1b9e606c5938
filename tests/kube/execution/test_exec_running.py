"""run_exec as the runtime behind `kubectl exec`: pods, containers, programs, files, time."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from meshcert.kube import errors
from meshcert.kube.cluster import Cluster
from meshcert.kube.execution import ExecContext, ProgramNotFound, run_exec

Run = Callable[..., tuple[str, str, int]]
OCI = "OCI runtime exec failed: exec failed: unable to start container process: "


@pytest.mark.parametrize(
    ("pod", "container", "error", "message"),
    [
        pytest.param("nope", "app", errors.NotFound, 'pods "nope" not found', id="pod-not-found"),
        pytest.param(
            "web",
            "nope",
            errors.BadRequest,
            "container nope is not valid for pod web",
            id="container-not-in-pod",
        ),
        pytest.param(
            "duo",
            "",
            errors.BadRequest,
            "a container name must be specified for pod duo, choose one of: [app sidecar]",
            id="container-required",
        ),
    ],
)
def test_pod_and_container_errors(
    cluster: Cluster, pod: str, container: str, error: type[errors.KubeError], message: str
) -> None:
    with pytest.raises(error) as caught:
        run_exec(cluster, "default", pod, container, ["true"])
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("status", "message"),
    [
        pytest.param(
            {"phase": "Succeeded"},
            "cannot exec into a container in a completed pod; current phase is Succeeded",
            id="completed",
        ),
        pytest.param(
            {
                "phase": "Pending",
                "containerStatuses": [
                    {"name": "app", "state": {"waiting": {"reason": "ContainerCreating"}}}
                ],
            },
            'unable to upgrade connection: container not found ("app")',
            id="not-running",
        ),
    ],
)
def test_pods_that_cannot_take_an_exec(
    cluster: Cluster, add_pod: Callable[..., Any], status: dict[str, Any], message: str
) -> None:
    add_pod(
        {
            "metadata": {"name": "idle"},
            "spec": {"containers": [{"name": "app", "image": "busybox"}]},
            "status": status,
        }
    )
    with pytest.raises(errors.BadRequest) as caught:
        run_exec(cluster, "default", "idle", "app", ["true"])
    assert str(caught.value) == message


def test_empty_command_is_a_bad_request(cluster: Cluster) -> None:
    with pytest.raises(errors.BadRequest) as caught:
        run_exec(cluster, "default", "web", "app", [])
    assert str(caught.value) == "you must specify at least one command for the container"


def test_the_only_container_is_the_default(cluster: Cluster) -> None:
    assert run_exec(cluster, "default", "web", "", ["hostname"]).stdout == b"web\n"


@pytest.mark.parametrize(
    ("argv", "stderr"),
    [
        pytest.param(
            ["foo"],
            OCI + 'exec: "foo": executable file not found in $PATH: unknown\n',
            id="unknown-name",
        ),
        pytest.param(
            ["/opt/app/run"],
            OCI + 'exec: "/opt/app/run": stat /opt/app/run: no such file or directory: unknown\n',
            id="unknown-path",
        ),
        pytest.param(
            ["cd", "/"],
            OCI + 'exec: "cd": executable file not found in $PATH: unknown\n',
            id="shell-builtins-are-not-executables",
        ),
    ],
)
def test_unknown_programs_fail_like_the_runtime(execute: Run, argv: list[str], stderr: str) -> None:
    assert execute(argv) == ("", stderr, 126)


@pytest.mark.parametrize(
    "argv",
    [["/bin/sh", "-c", "echo ok"], ["/usr/bin/env", "echo", "ok"], ["/usr/local/bin/echo", "ok"]],
    ids=["bin", "usr-bin", "usr-local-bin"],
)
def test_programs_by_path(execute: Run, argv: list[str]) -> None:
    assert execute(argv) == ("ok\n", "", 0)


def test_stdin_reaches_the_program(execute: Run) -> None:
    assert execute(["grep", "-c", "x"], "x\ny\nx\n") == ("2\n", "", 0)


# files -------------------------------------------------------------------------------------------


def test_seeded_files(execute: Run) -> None:
    hosts = (
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"
        "10.244.0.7\tweb\n"
    )
    resolv = (
        "search default.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 10.96.0.10\noptions ndots:5\n"
    )
    assert execute(["cat", "/etc/hosts"])[0] == hosts
    assert execute(["cat", "/etc/resolv.conf"])[0] == resolv
    assert execute(["cat", "/etc/hostname"])[0] == "web\n"
    sa = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert execute(["cat", f"{sa}/namespace"])[0] == "default"
    assert execute(["cat", f"{sa}/ca.crt"])[0].startswith("-----BEGIN CERTIFICATE-----\n")
    token = execute(["cat", f"{sa}/token"])[0]
    _header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == "system:serviceaccount:default:default"
    assert claims["kubernetes.io"]["pod"]["name"] == "web"
    assert signature


def test_pod_settings_shape_the_files(
    cluster: Cluster, add_pod: Callable[..., Any], execute: Run
) -> None:
    configmaps = cluster.kind("", "configmaps")
    cluster.create(
        configmaps,
        {"metadata": {"name": "settings"}, "data": {"mode": "strict", "level": "3"}},
        "shop",
    )
    secrets = cluster.kind("", "secrets")
    cluster.create(
        secrets,
        {"metadata": {"name": "creds"}, "data": {"password": base64.b64encode(b"s3cret").decode()}},
        "shop",
    )
    add_pod(
        {
            "metadata": {"name": "db-0"},
            "spec": {
                "hostname": "db-0",
                "subdomain": "db",
                "serviceAccountName": "db",
                "automountServiceAccountToken": False,
                "hostAliases": [{"ip": "10.0.0.9", "hostnames": ["legacy", "legacy.local"]}],
                "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
                "volumes": [
                    {
                        "name": "conf",
                        "configMap": {
                            "name": "settings",
                            "items": [{"key": "mode", "path": "mode.txt"}],
                        },
                    },
                    {"name": "creds", "secret": {"secretName": "creds"}},
                ],
                "containers": [
                    {
                        "name": "db",
                        "image": "postgres:16",
                        "workingDir": "/work",
                        "env": [
                            {
                                "name": "LEVEL",
                                "valueFrom": {
                                    "configMapKeyRef": {"name": "settings", "key": "level"}
                                },
                            },
                        ],
                        "envFrom": [{"secretRef": {"name": "creds"}, "prefix": "DB_"}],
                        "volumeMounts": [
                            {"name": "conf", "mountPath": "/etc/conf"},
                            {"name": "creds", "mountPath": "/etc/creds"},
                        ],
                    }
                ],
            },
            "status": {"podIP": "10.244.0.9"},
        },
        "shop",
    )

    def run(script: str) -> str:
        return run_exec(cluster, "shop", "db-0", "db", ["sh", "-c", script]).stdout.decode()

    assert run("cat /etc/conf/mode.txt; ls /etc/conf") == "strictmode.txt\n"
    assert run("cat /etc/creds/password") == "s3cret"
    assert run("echo $LEVEL $DB_password; pwd") == "3 s3cret\n/work\n"
    assert run("tail -4 /etc/hosts") == (
        "10.244.0.9\tdb-0.db.shop.svc.cluster.local\tdb-0\n\n"
        "# Entries added by HostAliases.\n10.0.0.9\tlegacy\tlegacy.local\n"
    )
    assert run("tail -1 /etc/resolv.conf") == "options ndots:2\n"
    assert run("ls /var/run/secrets 2>&1; echo $?") == (
        "ls: cannot access '/var/run/secrets': No such file or directory\n2\n"
    )


def test_files_persist_across_execs_of_one_container(execute: Run) -> None:
    assert execute(["sh", "-c", "echo saved > /tmp/f"]) == ("", "", 0)
    assert execute(["cat", "/tmp/f"]) == ("saved\n", "", 0)
    assert execute(["cat", "/tmp/f"], pod="duo", container="app")[2] == 1
    assert execute(["sh", "-c", "echo other > /tmp/f"], pod="duo", container="sidecar")[2] == 0
    assert execute(["cat", "/tmp/f"]) == ("saved\n", "", 0)


def test_files_go_with_the_pod(cluster: Cluster, add_pod: Callable[..., Any], execute: Run) -> None:
    execute(["sh", "-c", "echo saved > /tmp/f"])
    pods = cluster.kind("", "pods")
    uid = cluster.get(pods, "default", "web")["metadata"]["uid"]
    assert cluster.files.get("default", uid, "app") is not None
    cluster.delete(pods, "default", "web")
    assert cluster.files.get("default", uid, "app") is None
    add_pod(
        {"metadata": {"name": "web"}, "spec": {"containers": [{"name": "app", "image": "busybox"}]}}
    )
    assert execute(["cat", "/tmp/f"]) == ("", "cat: /tmp/f: No such file or directory\n", 1)


def test_container_file_system_is_bounded(cluster: Cluster, execute: Run) -> None:
    cluster.files.capacity = 64 * 1024
    out, err, code = execute(["sh", "-c", "seq 1 100000 > /tmp/big; echo $?; ls /tmp"])
    assert (out, err, code) == ("1\nbig\n", "seq: write error: No space left on device\n", 0)
    assert execute(["sh", "-c", "rm /tmp/big && echo ok > /tmp/small && cat /tmp/small"])[0] == (
        "ok\n"
    )


# streams and time --------------------------------------------------------------------------------


def test_tty_merges_stderr_and_uses_crlf(cluster: Cluster) -> None:
    result = run_exec(
        cluster, "default", "web", "app", ["sh", "-c", "echo out; echo err >&2"], tty=True
    )
    assert (result.stdout, result.stderr, result.exit_code) == (b"out\r\nerr\r\n", b"", 0)


def test_output_is_passed_on_as_it_is_written(cluster: Cluster) -> None:
    seen: list[tuple[int, bytes]] = []
    run_exec(
        cluster,
        "default",
        "web",
        "app",
        ["sh", "-c", "echo a; echo b >&2; echo c"],
        on_output=lambda channel, data: seen.append((channel, data)),
    )
    assert seen == [(1, b"a\n"), (2, b"b\n"), (1, b"c\n")]


def test_sleep_really_sleeps(execute: Run) -> None:
    start = time.monotonic()
    assert execute(["sh", "-c", "sleep 0.2; echo done"]) == ("done\n", "", 0)
    assert time.monotonic() - start >= 0.2


def test_time_limit_ends_a_long_exec(execute: Run) -> None:
    start = time.monotonic()
    assert execute(["sh", "-c", "echo before; sleep 30; echo after"], time_limit=0.2) == (
        "before\n",
        "",
        137,
    )
    assert time.monotonic() - start < 5


def test_cancel_ends_a_running_exec(cluster: Cluster) -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.1, cancel.set)
    timer.start()
    start = time.monotonic()
    result = run_exec(cluster, "default", "web", "app", ["sleep", "30"], cancel=cancel)
    timer.join()
    assert result.exit_code == 137
    assert time.monotonic() - start < 5


# registry ----------------------------------------------------------------------------------------


def istioctl(ctx: ExecContext) -> int:
    ctx.out(f"istioctl in {ctx.container} of {ctx.pod_name}: {' '.join(ctx.argv[1:])}\n")
    return 0


def test_programs_can_be_limited_to_images(cluster: Cluster, execute: Run) -> None:
    cluster.programs.register("istioctl", istioctl, images=("docker.io/istio/proxyv2:*",))
    assert execute(["istioctl", "version"], pod="duo", container="sidecar") == (
        "istioctl in sidecar of duo: version\n",
        "",
        0,
    )
    assert execute(["istioctl", "version"], pod="duo", container="app")[2] == 126
    assert execute(["sh", "-c", "istioctl x"], pod="duo", container="app") == (
        "",
        "sh: 1: istioctl: not found\n",
        127,
    )
    assert execute(["sh", "-c", "command -v istioctl"], pod="duo", container="sidecar") == (
        "/usr/bin/istioctl\n",
        "",
        0,
    )


def test_later_registrations_win(cluster: Cluster, execute: Run) -> None:
    def loud_echo(ctx: ExecContext) -> int:
        ctx.out(" ".join(ctx.argv[1:]).upper() + "\n")
        return 0

    cluster.programs.register("echo", loud_echo)
    assert execute(["sh", "-c", "echo hi | cat"]) == ("HI\n", "", 0)


def test_programs_see_their_context_and_run_others(cluster: Cluster, execute: Run) -> None:
    def probe(ctx: ExecContext) -> int:
        ctx.out(f"{ctx.namespace}/{ctx.pod_name}/{ctx.container} {ctx.image} {ctx.cwd}\n")
        ctx.out(f"env={ctx.env['GREETING']} stdin={ctx.stdin!r}\n")
        code = ctx.run(["sh", "-c", "echo nested; exit 5"])
        with pytest.raises(ProgramNotFound):
            ctx.run(["nope"])
        ctx.fs.write("/tmp/probe", b"written")
        ctx.log("probe ran")
        return code

    cluster.programs.register("probe", probe)
    assert execute(["probe"], "in") == (
        "default/web/app docker.io/library/busybox:1.36 /\nenv=hi stdin=b'in'\nnested\n",
        "",
        5,
    )
    assert execute(["cat", "/tmp/probe"])[0] == "written"
    assert cluster.logs.read("default", "web", "app") == "probe ran\n"


def test_writing_to_pid_1_output_goes_to_the_container_log(cluster: Cluster, execute: Run) -> None:
    assert execute(["sh", "-c", "echo to-log > /proc/1/fd/1; echo 'two\nlines' >/proc/1/fd/2"]) == (
        "",
        "",
        0,
    )
    assert cluster.logs.read("default", "web", "app") == "to-log\ntwo\nlines\n"
