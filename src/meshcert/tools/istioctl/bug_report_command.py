"""`istioctl bug-report`: a bounded `bug-report.tar.gz` of the lab's state, with the real
command's progress lines, archive layout and flags.

Source: istio/istio tools/bug-report/pkg (bugreport/bugreport.go: the printed steps, the
archive written to the working directory or `--output-dir`; archive/archive.go: the
`bug-report/` root with `cluster/`, `istio/<ns>/<pod>/`, `proxies/<ns>/<pod>/`, `analyze/`;
content/content.go: `k8s-resources`, `crs`, `events`, `nodes`, `secrets` (names only unless
`--full-secrets`), `cluster-context`; common/common.go: `discovery` and `istio-proxy`
containers; config/config.go: the `--include`/`--exclude` selection specs
`ns/deployment/pod/labels/annotations/container` with `*` globs, kube-system and friends
excluded by default).

What the archive holds in the lab: the cluster's objects as YAML lists (all namespaces, as the
real `kubectl get --all-namespaces` calls), istiod's `discovery.log`, and for each selected
sidecar or gateway its `istio-proxy.log` and its `config_dump` (the JSON `istioctl proxy-config
all -o json` shows). Istiod debug endpoints, netstat, core dumps and CNI logs are not modelled.

Bounds (a lab must not fill its own file system): at most MAX_PROXIES proxies, the last
MAX_LOG_BYTES of each log, files over MAX_FILE_BYTES cut with a marker line, and the compressed
archive at most MAX_ARCHIVE_BYTES (proxies are dropped from the end until it fits). Whatever a
bound leaves out is named in `bug-report/lab-bounds` and on stdout.
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
import tarfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from meshcert.kube.cluster import Cluster
from meshcert.kube.execution.filesystem import FileSystemError
from meshcert.kube.tables.formatting import age
from meshcert.mesh.install import ISTIO_VERSION
from meshcert.mesh.routing.proxies import proxy_for
from meshcert.mesh.simulation.state import view_for_proxy

from .analyze.output import format_messages
from .analyze.resources import LabReader
from .analyze.running import analyze
from .commands import Command, Flag, Invocation, UsageError
from .file_output import current_output
from .proxy_config import envoy, output

Obj = dict[str, Any]

MAX_PROXIES = 25
MAX_LOG_BYTES = 256 * 1024
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024
ARCHIVE_NAME = "bug-report.tar.gz"
ROOT = "bug-report"
DEFAULT_EXCLUDE = "kube-node-lease,kube-public,kube-system,local-path-storage"
PROXY_CONTAINER, DISCOVERY_CONTAINER = "istio-proxy", "discovery"
# `kubectl get --all-namespaces all,namespaces,jobs,ingresses,endpoints,...` (content.go)
K8S_RESOURCES = (
    ("", "pods"), ("", "services"), ("apps", "daemonsets"), ("apps", "deployments"),
    ("apps", "replicasets"), ("apps", "statefulsets"), ("batch", "cronjobs"), ("batch", "jobs"),
    ("autoscaling", "horizontalpodautoscalers"), ("", "namespaces"),
    ("networking.k8s.io", "ingresses"), ("", "endpoints"),
    ("apiextensions.k8s.io", "customresourcedefinitions"), ("", "configmaps"), ("", "events"),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
)  # fmt: skip
CR_GROUPS = ("networking.istio.io", "security.istio.io", "telemetry.istio.io",
             "extensions.istio.io", "install.istio.io", "gateway.networking.k8s.io")  # fmt: skip
_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Selection:
    """One `--include`/`--exclude` spec (config.go SelectionSpec): empty parts match all."""

    namespaces: tuple[str, ...] = ()
    deployments: tuple[str, ...] = ()
    pods: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    containers: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Selection:
        parts = text.split("/")
        names = [_names(p) for p in parts[:3]] + [()] * (3 - len(parts[:3]))
        maps = [_pairs(p) for p in parts[3:5]] + [()] * (2 - len(parts[3:5]))
        containers = _names(parts[5]) if len(parts) > 5 else ()
        return cls(names[0], names[1], names[2], maps[0], maps[1], containers)

    def matches(self, c: ContainerRef) -> bool:
        def any_glob(patterns: tuple[str, ...], value: str) -> bool:
            return not patterns or any(fnmatch.fnmatchcase(value, p) for p in patterns)

        def all_pairs(pairs: tuple[tuple[str, str], ...], values: Mapping[str, str]) -> bool:
            return all(k in values and fnmatch.fnmatchcase(values[k], v) for k, v in pairs)

        return (
            any_glob(self.namespaces, c.namespace)
            and any_glob(self.deployments, c.deployment)
            and any_glob(self.pods, c.pod)
            and all_pairs(self.labels, c.labels)
            and all_pairs(self.annotations, c.annotations)
            and any_glob(self.containers, c.container)
        )

    def __str__(self) -> str:
        text = ""
        if self.namespaces:
            text += f"Namespaces: {','.join(self.namespaces)}"
        if self.deployments:
            text += f"/Deployments: {','.join(self.deployments)}"
        if self.pods:
            text += f"/Pods:{','.join(self.pods)}"
        if self.containers:
            text += f"/Containers: {','.join(self.containers)}"
        return "{ " + text + " }"


def _names(part: str) -> tuple[str, ...]:
    if part.strip() in ("", "*"):
        return ()
    return tuple(part.split(","))


def _pairs(part: str) -> tuple[tuple[str, str], ...]:
    if part.strip() in ("", "*"):
        return ()
    out = []
    for item in filter(None, part.split(",")):
        key, eq, value = item.partition("=")
        if not eq or "=" in value:
            raise UsageError(f"bad label/annotation selection {item}, must have format key=value")
        if "*" in key:
            raise UsageError(
                f"bad label/annotation selection {item}, key cannot have '*' wildcards"
            )
        out.append((key, value))
    return tuple(out)


@dataclass(frozen=True)
class ContainerRef:
    """One container of the cluster, as the filter sees it (`ns/deployment/pod/container`)."""

    namespace: str
    deployment: str
    pod: str
    container: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def path(self) -> str:
        return f"{self.namespace}/{self.deployment}/{self.pod}/{self.container}"


def _seconds(value: str) -> float:
    """Go's time.ParseDuration, for `--timeout`."""
    if not _DURATION.match(value):
        raise UsageError(
            f'invalid argument "{value}" for "--timeout" flag: time: invalid duration "{value}"'
        )
    return sum(float(n) * _UNITS[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)",
                                                               value))  # fmt: skip


def _deployment_of(cluster: Cluster, pod: Obj) -> str:
    meta = pod["metadata"]
    for owner in meta.get("ownerReferences") or []:
        if owner.get("kind") == "ReplicaSet":
            rs = cluster.find(cluster.kind("apps", "replicasets"), meta.get("namespace", ""),
                              str(owner.get("name")))  # fmt: skip
            for up in ((rs or {}).get("metadata") or {}).get("ownerReferences") or []:
                if up.get("kind") == "Deployment":
                    return str(up.get("name"))
        elif owner.get("kind") in ("Deployment", "DaemonSet", "StatefulSet"):
            return str(owner.get("name"))
    return ""


def _containers(cluster: Cluster, pods: list[Obj]) -> list[ContainerRef]:
    refs = []
    for pod in pods:
        meta = pod["metadata"]
        deployment = _deployment_of(cluster, pod)
        for c in (pod.get("spec") or {}).get("containers") or []:
            ref = ContainerRef(
                str(meta.get("namespace", "")),
                deployment,
                str(meta.get("name", "")),
                str(c.get("name", "")),
                meta.get("labels") or {},
                meta.get("annotations") or {},
            )
            refs.append(ref)
    return sorted(refs, key=ContainerRef.path)


def _yaml_list(items: list[Obj]) -> str:
    if not items:
        return ""
    doc = {"apiVersion": "v1", "items": items, "kind": "List",
           "metadata": {"resourceVersion": ""}}  # fmt: skip
    return str(yaml.safe_dump(doc, default_flow_style=False))


class _Archive:
    """Files of the archive in order, with the per-file bound and what the bounds left out."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.files: dict[str, bytes] = {}
        self.left_out: list[str] = []

    def add(self, path: str, text: str) -> None:
        if not text.strip():  # writeFile skips empty texts
            return
        data = text.encode()
        if len(data) > MAX_FILE_BYTES:
            data = data[:MAX_FILE_BYTES] + b"\n[cut by the lab: file over 4 MiB]\n"
            self.left_out.append(f"{path}: cut at {MAX_FILE_BYTES} bytes")
        self.files[f"{self.root}/{path}" if self.root else path] = data

    def build(self, mtime: float) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for name, data in self.files.items():
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), mtime, 0o644
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()


def _tail(text: str) -> str:
    data = text.encode()
    if len(data) <= MAX_LOG_BYTES:
        return text
    cut = data[-MAX_LOG_BYTES:].decode("utf-8", "ignore")
    return cut.split("\n", 1)[1] if "\n" in cut else cut


def _log(cluster: Cluster, ref: ContainerRef, restarted: bool) -> str:
    """getLog: the log, the previous instance's appended when the container restarted."""
    text = cluster.logs.read(ref.namespace, ref.pod, ref.container)
    if restarted and cluster.logs.has_previous(ref.namespace, ref.pod, ref.container):
        previous = cluster.logs.read(ref.namespace, ref.pod, ref.container, previous=True)
        text = ("========= Previous log present (appended at the end) =========\n\n" + text
                + "\n\n========= Previous log =========\n\n" + previous)  # fmt: skip
    return _tail(text)


def _restarts(pod: Obj, container: str) -> int:
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == container:
            return int(status.get("restartCount") or 0)
    return 0


def _config_dump(cluster: Cluster, pod: Obj) -> str | None:
    """The proxy's Envoy config dump (proxy-config's builders), None for proxies the lab does not
    model (waypoints, ztunnel)."""
    for container in (pod.get("spec") or {}).get("containers") or []:
        args = [str(a) for a in container.get("args") or []]
        if len(args) > 1 and args[0] == "proxy" and args[1] in ("waypoint", "ztunnel"):
            return None
    meta = pod["metadata"]
    view = view_for_proxy(cluster, pod)
    proxy = proxy_for(view.workload(meta.get("namespace", ""), meta.get("name", "")))
    if proxy is None:
        return None
    return json.dumps(output.config_dump(cluster, envoy.build(view, proxy)), indent=2) + "\n"


def _secrets(cluster: Cluster, full: bool) -> str:
    """`kubectl get secrets --all-namespaces` (`-o yaml` with --full-secrets)."""
    secrets = cluster.list(cluster.kind("", "secrets"))
    if full:
        return _yaml_list(secrets)
    if not secrets:
        return ""
    now = cluster.clock.now()
    rows = [["NAMESPACE", "NAME", "TYPE", "DATA", "AGE"]]
    for s in sorted(secrets, key=lambda o: (o["metadata"].get("namespace", ""),
                                             o["metadata"].get("name", ""))):  # fmt: skip
        meta = s["metadata"]
        rows.append([str(meta.get("namespace", "")), str(meta.get("name", "")),
                     str(s.get("type") or "Opaque"), str(len(s.get("data") or {})),
                     age(meta.get("creationTimestamp"), now)])  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "".join(
        "   ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n"
        for row in rows
    )


def _listed(cluster: Cluster, group: str, plural: str) -> list[Obj]:
    kind = cluster.registry.by_plural(group, plural)
    return cluster.list(kind) if kind is not None else []


def _versions(cluster: Cluster, pods: list[Obj], istio_namespace: str) -> str:
    labels = [p["metadata"].get("labels") or {} for p in pods]
    revisions = sorted({str(lab["istio.io/rev"]) for lab in labels if lab.get("istio.io/rev")})
    build = (f'version.BuildInfo{{Version:"{ISTIO_VERSION}", GitRevision:"meshcert-lab", '
             f'GolangVersion:"", BuildStatus:"Clean", GitTag:"{ISTIO_VERSION}"}}')  # fmt: skip
    text = f"CLI version:\n{build}\n\n"
    text += "The following Istio control plane revisions/versions were found in the cluster:\n"
    proxies: dict[str, set[str]] = {}
    for revision in revisions:
        istiods = [
            p
            for p, lab in zip(pods, labels, strict=True)
            if p["metadata"].get("namespace") == istio_namespace
            and lab.get("app") == "istiod"
            and lab.get("istio.io/rev") == revision
        ]
        components = ", ".join(
            f'version.ComponentVersion{{Component:"pilot", Revision:"{revision}", '
            f'Info:version.BuildInfo{{Version:"{ISTIO_VERSION}"}}}}'
            for _ in istiods
        )
        text += f"Revision {revision}:\n&[]version.ComponentVersion{{{components}}}\n\n"
        for pod in pods:
            containers = (pod.get("spec") or {}).get("containers") or []
            for c in containers:
                if (
                    c.get("name") == PROXY_CONTAINER
                    and (pod["metadata"].get("labels") or {}).get("istio.io/rev", "default")
                    == revision
                ):
                    image = str(c.get("image") or "")
                    tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
                    proxies.setdefault(revision, set()).add(tag or ISTIO_VERSION)
    text += "The following proxy revisions/versions were found in the cluster:\n"
    for revision, versions in sorted(proxies.items()):
        text += f"Revision {revision}: Versions {{{', '.join(sorted(versions))}}}\n"
    return text


def _endpoint(cluster: Cluster) -> str:
    svc = cluster.find(cluster.kind("", "services"), "default", "kubernetes")
    ip = ((svc or {}).get("spec") or {}).get("clusterIP")
    return f"https://{ip}:443" if ip else "https://kubernetes.default.svc"


def _config_text(inv: Invocation, includes: list[Selection], excludes: list[Selection],
                 timeout: float) -> str:  # fmt: skip
    """BugReportConfig.String()."""
    text = ""
    if inv.flag("context"):
        text += f"context: {inv.flag('context')}\n"
    text += f"istio-namespace: {inv.flag('istio-namespace')}\n"
    text += f"full-secrets: {'true' if inv.flag('full-secrets') else 'false'}\n"
    text += f"timeout (mins): {round(timeout / 60)}\n"
    text += f"include: {' AND '.join(str(s) for s in includes)}\n"
    text += f"exclude: {' AND '.join(str(s) for s in excludes)}\n"
    end = time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime())
    return text + f"end-time: {end}\n"


def run_bug_report(inv: Invocation) -> int:
    timeout = _seconds(str(inv.flag("timeout") or "30m0s"))
    includes = [Selection.parse(s) for s in (inv.flag("include") or [""])]
    excludes = [Selection.parse(s) for s in (inv.flag("exclude") or [DEFAULT_EXCLUDE])]
    istio_namespace = str(inv.flag("istio-namespace") or "istio-system")
    full_secrets = bool(inv.flag("full-secrets"))
    dry_run = bool(inv.flag("dry-run"))
    temp_dir = str(inv.flag("dir") or "")
    target = current_output()
    cluster = inv.cluster
    log: list[str] = []

    def say(text: str) -> None:
        inv.out(text)
        log.append(text)

    say(f"\nTarget cluster context: {inv.flag('context') or 'lab'}\n")
    say(f"Running with the following config: \n\n"
        f"{_config_text(inv, includes, excludes, timeout)}\n\n")  # fmt: skip
    with cluster.lock:
        pods = cluster.list(cluster.kind("", "pods"))
        say(f"\nCluster endpoint: {_endpoint(cluster)}\n")
        archive = _Archive("" if temp_dir else ROOT)
        versions = _versions(cluster, pods, istio_namespace)
        say(versions)
        archive.add("versions", versions)
        refs = [r for r in _containers(cluster, pods)
                if any(s.matches(r) for s in includes)
                and not any(s.matches(r) for s in excludes)]  # fmt: skip
        say("\n\nFetching logs for the following containers:\n\n"
            + "\n".join(r.path() for r in refs) + "\n")  # fmt: skip
        say("\nFetching Istio control plane information from cluster.\n\n")
        listed = {  # rendered as YAML once the lock is released
            "cluster/k8s-resources": [o for group, plural in K8S_RESOURCES
                                      for o in _listed(cluster, group, plural)],
            "cluster/crs": [o for kind in cluster.registry if kind.group in CR_GROUPS
                            for o in cluster.list(kind)],
            "cluster/events": _listed(cluster, "", "events"),
            "cluster/nodes": _listed(cluster, "", "nodes"),
            "cluster/pods": [p for p in pods if p["metadata"].get("namespace") == istio_namespace],
        }  # fmt: skip
        archive.add("cluster/cluster-context",
                    f"{inv.flag('context') or 'lab'}\n{_endpoint(cluster)}\n")  # fmt: skip
        archive.add("cluster/secrets", _secrets(cluster, full_secrets))
        say("\nFetching CNI logs from cluster.\n\n")
        by_name = {(p["metadata"].get("namespace"), p["metadata"].get("name")): p for p in pods}
        proxies: list[tuple[ContainerRef, Obj]] = []
        for ref in refs:
            pod = by_name[(ref.namespace, ref.pod)]
            restarted = _restarts(pod, ref.container) > 0
            if ref.container == PROXY_CONTAINER:
                proxies.append((ref, pod))
            elif (
                ref.container == DISCOVERY_CONTAINER
                and (pod["metadata"].get("labels") or {}).get("app") == "istiod"
            ):
                archive.add(f"istio/{ref.namespace}/{ref.pod}/discovery.log",
                            _log(cluster, ref, restarted))  # fmt: skip
    for path, objects in listed.items():
        archive.add(path, _yaml_list(objects))
    kept = proxies[:MAX_PROXIES]
    for ref, _pod in proxies[MAX_PROXIES:]:
        archive.left_out.append(f"proxies/{ref.namespace}/{ref.pod}: over {MAX_PROXIES} proxies")
    proxy_files: list[list[str]] = []
    for ref, pod in kept:  # one proxy at a time: the lab keeps serving in between
        before = set(archive.files)
        with cluster.lock:
            dump = _config_dump(cluster, pod)
            proxy_log = _log(cluster, ref, _restarts(pod, ref.container) > 0)
        if dump is not None:
            archive.add(f"proxies/{ref.namespace}/{ref.pod}/config_dump", dump)
        archive.add(f"proxies/{ref.namespace}/{ref.pod}/istio-proxy.log", proxy_log)
        proxy_files.append(sorted(set(archive.files) - before))
    say("Running Istio analyze on all namespaces and report as below:")
    with cluster.lock:
        resources = LabReader(cluster).read()
    result = analyze(resources, None, istio_namespace=istio_namespace)
    report = format_messages(list(result.messages), "log")
    say(f"\nAnalysis Report:\n{report}\n")
    archive.add("analyze/allNamespaces/allNamespaces", report)
    out_dir = str(inv.flag("output-dir") or "") or target.cwd
    out_path = target.absolute(f"{out_dir.rstrip('/')}/{ARCHIVE_NAME}")
    if dry_run:
        say(f"Dry run, skipping archive creation at {out_path}.\n")
        say("Done.\n")
        return 0
    say(f"Creating an archive at {out_path}.\n")
    started = time.perf_counter()
    mtime = cluster.clock.now().timestamp()
    data = _bounded(archive, proxy_files, log, mtime)
    inv.out(
        f"Time used for creating the tar file is {_go_duration(time.perf_counter() - started)}.\n"
    )
    try:
        target.write(out_path, data)
    except FileSystemError as exc:
        raise UsageError(f"open {out_path}: {exc.reason.lower()}") from exc
    for line in archive.left_out:
        inv.out(f"Left out by the lab's bounds: {line}\n")
    inv.out(f"Cleaning up temporary files in {temp_dir or '/tmp/bug-report'}.\n")
    inv.out("Done.\n")
    return 0


def _bounded(
    archive: _Archive, proxy_files: list[list[str]], log: list[str], mtime: float
) -> bytes:
    """The compressed archive; proxies dropped from the end until it is within the bound."""
    while True:
        if archive.left_out:
            archive.add("lab-bounds", "".join(f"{line}\n" for line in archive.left_out))
        archive.add("bug-report.log", "".join(log))
        data = archive.build(mtime)
        if len(data) <= MAX_ARCHIVE_BYTES or not proxy_files:
            return data
        for name in proxy_files.pop():
            archive.files.pop(name, None)
            archive.left_out.append(f"{name.removeprefix(ROOT + '/')}: archive over "
                                    f"{MAX_ARCHIVE_BYTES // (1024 * 1024)} MiB")  # fmt: skip


def _go_duration(seconds: float) -> str:
    """Go's Duration.String() for the timing line (`87.176402ms`)."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3f}".rstrip("0").rstrip(".") + "µs"
    if seconds < 1:
        return f"{seconds * 1e3:.6f}".rstrip("0").rstrip(".") + "ms"
    return f"{seconds:.9f}".rstrip("0").rstrip(".") + "s"


def add_bug_report_command(root: Command) -> None:
    root.add(
        Command(
            "bug-report",
            "Cluster information and log capture support tool.",
            run_bug_report,
            (
                Flag(
                    "include",
                    kind="list",
                    help="Spec for which pod's proxy logs to include "
                    "in the archive. See above for format and examples.",
                ),
                Flag(
                    "exclude",
                    kind="list",
                    help="Spec for which pod's proxy logs to exclude "
                    "from the archive, after the include spec is processed. (default "
                    f"[{DEFAULT_EXCLUDE}])",
                ),
                Flag("dir", help="Set a specific directory for temporary artifact files."),
                Flag("output-dir", help="Set a specific directory for output archive file."),
                Flag(
                    "full-secrets",
                    kind="bool",
                    default=False,
                    help="If set, secret contents are included in output.",
                ),
                Flag(
                    "timeout",
                    default="30m0s",
                    help="Maximum amount of time to spend "
                    "fetching logs. When timeout is reached only the logs captured so far are "
                    "saved to the archive.",
                ),
                Flag(
                    "istio-namespace",
                    default="istio-system",
                    help="Namespace where Istio control plane is installed.",
                ),
                Flag(
                    "dry-run",
                    kind="bool",
                    default=False,
                    help="Only log commands that would be run, don't fetch or write.",
                ),
            ),
            max_args=0,
            usage="[flags]",
        )
    )


__all__ = ["MAX_ARCHIVE_BYTES", "MAX_PROXIES", "add_bug_report_command", "run_bug_report"]
