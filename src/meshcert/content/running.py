"""Running solution and scenario-step scripts in-process against a lab's cluster: the
kubectl commands solutions use, applied through the cluster's API, and `istioctl` / `helm` run
as the workstation runs them (`meshcert istioctl`, the same programs and output).

This is for the content self-test (hundreds of labs in seconds). kubectl covered: `apply -f -`
and `create -f -` (a here-document; `-f FILE` after `cat > FILE`), `create namespace`,
`delete KIND NAME... | -f -`, `label` and `annotate` (`k=v`, `k-`, `--overwrite`), `patch
--type merge|json|strategic -p`, `scale --replicas`, `rollout restart`; `get`, `describe`,
`logs`, `wait`, `rollout status` and `sleep` change nothing and are skipped. An apply merges
into an existing object (RFC 7386, as the lab's scenarios do) where kubectl computes a
three-way patch from its last-applied annotation: fields an update leaves out stay. Anything
else is refused with the line it is on. The self-test's second path, the real kubectl against
a served lab, has none of these limits.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from meshcert.kube.clock import timestamp
from meshcert.kube.cluster import Cluster
from meshcert.kube.errors import KubeError
from meshcert.kube.execution.filesystem import FileSystem, FileSystemError
from meshcert.kube.execution.programs import (
    Budget,
    ExecContext,
    ExecTimeout,
    InputStream,
    ProgramNotFound,
)
from meshcert.kube.execution.workstation import WORKSTATION_IMAGE, allowed
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.patching.media_types import JSON, MERGE, STRATEGIC
from meshcert.lab.errors import ScenarioError
from meshcert.lab.scenarios import apply_manifests, parse_manifests

from .scripts import Command, ScriptError, parse_script

CWD = "/root"
READ_ONLY = frozenset({"get", "describe", "logs", "wait", "explain", "api-resources", "top"})
PATCH_TYPES = {"merge": MERGE, "json": JSON, "strategic": STRATEGIC}
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
# istioctl commands whose exit code reports findings (analyze: 79), not a failed change
ISTIOCTL_DIAGNOSTICS = frozenset({"analyze", "proxy-config", "pc", "proxy-status", "ps",
                                  "describe", "version", "verify-install", "x"})  # fmt: skip


class RunnerError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _flags(args: list[str], with_value: set[str]) -> tuple[list[str], dict[str, str]]:
    """Split `args` into positionals and flags (`--flag value`, `--flag=value`, `-n value`)."""
    positional: list[str] = []
    flags: dict[str, str] = {}
    words = iter(args)
    for word in words:
        if word.startswith("-") and word != "-":
            name, eq, value = word.partition("=")
            if not eq and name in with_value:
                value = next(words, "")
            flags[name] = value if (eq or name in with_value) else "true"
        else:
            positional.append(word)
    return positional, flags


VALUE_FLAGS = {"-n", "--namespace", "-f", "--filename", "--type", "-p", "--patch", "--replicas",
               "-o", "--output", "--for", "--timeout", "-l", "--selector", "-c",
               "--container"}  # fmt: skip


class _Buffer:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data.extend(data)


class ScriptRunner:
    """Runs scripts on one cluster from one workstation: its file system (files written with
    `cat > FILE`, helm's repository list) persists between commands and scripts, as a
    candidate's machine does."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.fs = FileSystem()
        self.fs.mkdir(CWD, parents=True)

    def run(self, script: str) -> None:
        try:
            commands = parse_script(script)
        except ScriptError as exc:
            raise RunnerError(str(exc)) from exc
        for command in commands:
            try:
                self._one(command)
            except RunnerError as exc:
                raise RunnerError(f"line {command.line} ({command.text}): {exc.message}") from exc
            except (KubeError, ScenarioError) as exc:
                raise RunnerError(f"line {command.line} ({command.text}): {exc.message}") from exc

    def _one(self, command: Command) -> None:
        argv = list(command.argv)
        if command.output is not None:
            self._write(posixpath.join(CWD, command.output), (command.stdin or "").encode())
        elif argv[0] == "kubectl":
            self._kubectl(argv[1:], command.stdin)
        elif argv[0] in ("istioctl", "helm"):
            self._workstation(argv, command.stdin)
        elif argv[0] != "sleep":
            raise RunnerError(f"{argv[0]} is not supported by the in-process runner")

    def _write(self, path: str, data: bytes) -> None:
        try:
            self.fs.mkdir(posixpath.dirname(path), parents=True)
            self.fs.write(path, data)
        except FileSystemError as exc:
            raise RunnerError(str(exc)) from exc

    def _workstation(self, argv: list[str], stdin: str | None) -> None:
        """Run istioctl or helm as `meshcert istioctl|helm` does (`run_for_workstation`),
        on this runner's persistent file system."""
        if argv[0] not in allowed(self.cluster):
            raise RunnerError(f"{argv[0]} cannot run from a workstation in this lab")
        out, err = _Buffer(), _Buffer()
        ctx = ExecContext(
            argv=list(argv), input=InputStream((stdin or "").encode()), stdout=out, stderr=err,
            env={"HOME": "/root", "PATH": "/usr/local/bin:/usr/bin:/bin"}, cwd=CWD, fs=self.fs,
            cluster=self.cluster, namespace="",
            pod={"metadata": {"name": "workstation", "namespace": "", "uid": ""}, "spec": {}},
            container="workstation", image=WORKSTATION_IMAGE, registry=self.cluster.programs,
            budget=Budget(),
        )  # fmt: skip
        try:
            code = ctx.run(ctx.argv)
        except ProgramNotFound:
            raise RunnerError(f"{argv[0]}: command not found") from None
        except ExecTimeout:
            raise RunnerError("timed out") from None
        diagnostic = argv[0] == "istioctl" and bool(ISTIOCTL_DIAGNOSTICS & set(argv[1:2]))
        if code != 0 and not diagnostic:
            error = bytes(err.data).decode(errors="replace").strip()
            raise RunnerError(f"exit code {code}: {error[:300]}")

    # kubectl ----------------------------------------------------------------------------------

    def _kubectl(self, args: list[str], stdin: str | None) -> None:
        positional, flags = _flags(args, VALUE_FLAGS)
        if not positional:
            raise RunnerError("kubectl without a command")
        verb, rest = positional[0], positional[1:]
        namespace = flags.get("-n") or flags.get("--namespace") or "default"
        if verb in READ_ONLY or (verb == "rollout" and rest[:1] == ["status"]):
            return
        if verb in ("apply", "create") and (flags.get("-f") or flags.get("--filename")):
            self._apply(self._manifest_text(flags, stdin), namespace, create=verb == "create")
        elif verb == "create" and rest[:1] in (["namespace"], ["ns"]) and len(rest) == 2:
            self.cluster.create(self.cluster.kind("", "namespaces"),
                                {"metadata": {"name": rest[1]}})  # fmt: skip
        elif verb == "delete":
            self._delete(rest, flags, stdin, namespace)
        elif verb in ("label", "annotate"):
            self._label(verb, rest, flags, namespace)
        elif verb == "patch":
            kind, name = self._target(rest)
            body = json.loads(flags.get("-p") or flags.get("--patch") or "{}")
            patch_type = PATCH_TYPES.get(flags.get("--type", "strategic"))
            if patch_type is None:
                raise RunnerError(f"patch type {flags.get('--type')!r}")
            self.cluster.patch(kind, namespace, name, patch_type, body, field_manager="kubectl")
        elif verb == "scale":
            kind, name = self._target(rest)
            body = {"spec": {"replicas": int(flags.get("--replicas", "1"))}}
            self.cluster.patch(kind, namespace, name, MERGE, body, field_manager="kubectl")
        elif verb == "rollout" and rest[:1] == ["restart"]:
            kind, name = self._target(rest[1:])
            now = timestamp(self.cluster.clock.now())
            body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}}
            self.cluster.patch(kind, namespace, name, MERGE, body, field_manager="kubectl")
        else:
            raise RunnerError(f"kubectl {verb} is not supported by the in-process runner")

    def _manifest_text(self, flags: dict[str, str], stdin: str | None) -> str:
        source = flags.get("-f") or flags.get("--filename") or ""
        if source == "-":
            if stdin is None:
                raise RunnerError("-f - without a here-document")
            return stdin
        try:
            return self.fs.read(source, CWD).decode()
        except FileSystemError:
            message = f"{source}: only files written by the script can be applied"
            raise RunnerError(message) from None

    def _apply(self, text: str, namespace: str, *, create: bool) -> None:
        manifests = parse_manifests(text, "stdin")
        placed = []
        for manifest in manifests:
            meta = manifest.setdefault("metadata", {})
            kind = self.cluster.kind_of(manifest)
            if kind.namespaced:
                meta.setdefault("namespace", namespace)
            placed.append(manifest)
        if create:
            for manifest in placed:
                kind = self.cluster.kind_of(manifest)
                ns = manifest["metadata"].get("namespace", "") if kind.namespaced else ""
                self.cluster.create(kind, manifest, ns)
        else:
            with self.cluster.transaction():
                apply_manifests(self.cluster, tuple(placed), "stdin")

    def _kind(self, name: str) -> ResourceKind:
        wanted = name.lower()
        resource, _, group = wanted.partition(".")
        for rk in self.cluster.registry.all_kinds():
            if not self.cluster.registry.is_served(rk):
                continue
            names = {rk.plural, rk.singular, *rk.short_names}
            if resource in names and (not group or rk.group == group or
                                      rk.group.startswith(group + ".")):  # fmt: skip
                return rk
        raise RunnerError(f'the server doesn\'t have a resource type "{name}"')

    def _target(self, words: list[str]) -> tuple[ResourceKind, str]:
        if len(words) == 1 and "/" in words[0]:
            kind, name = words[0].split("/", 1)
            return self._kind(kind), name
        if len(words) == 2:
            return self._kind(words[0]), words[1]
        raise RunnerError("expected KIND NAME or KIND/NAME")

    def _delete(self, rest: list[str], flags: dict[str, str], stdin: str | None,
                namespace: str) -> None:  # fmt: skip
        targets: list[tuple[ResourceKind, str, str]] = []
        if flags.get("-f") or flags.get("--filename"):
            for manifest in parse_manifests(self._manifest_text(flags, stdin), "stdin"):
                kind = self.cluster.kind_of(manifest)
                ns = manifest["metadata"].get("namespace", namespace) if kind.namespaced else ""
                targets.append((kind, ns, manifest["metadata"]["name"]))
        elif rest and "/" in rest[0]:
            for word in rest:
                kind, name = self._target([word])
                targets.append((kind, namespace if kind.namespaced else "", name))
        elif len(rest) >= 2:
            kind = self._kind(rest[0])
            targets += [(kind, namespace if kind.namespaced else "", n) for n in rest[1:]]
        else:
            raise RunnerError("kubectl delete needs KIND NAME... or -f")
        for kind, ns, name in targets:
            self.cluster.delete(kind, ns, name)

    def _label(self, verb: str, rest: list[str], flags: dict[str, str], namespace: str) -> None:
        if not rest:
            raise RunnerError(f"kubectl {verb} needs a target")
        if "/" in rest[0]:
            kind, name = self._target(rest[:1])
            pairs = rest[1:]
        else:
            kind, name = self._target(rest[:2])
            pairs = rest[2:]
        field = "labels" if verb == "label" else "annotations"
        current = self.cluster.get(kind, namespace if kind.namespaced else "", name)
        existing = current["metadata"].get(field) or {}
        changes: dict[str, Any] = {}
        for pair in pairs:
            if pair.endswith("-") and "=" not in pair:
                changes[pair[:-1]] = None
                continue
            key, eq, value = pair.partition("=")
            if not eq:
                raise RunnerError(f"{pair!r} is not key=value or key-")
            if key in existing and existing[key] != value and "--overwrite" not in flags:
                raise RunnerError(f"'{key}' already has a value ({existing[key]}), and "
                                  "--overwrite is false")  # fmt: skip
            changes[key] = value
        body = {"metadata": {field: changes}}
        self.cluster.patch(kind, namespace if kind.namespaced else "", name, MERGE, body,
                           field_manager="kubectl")  # fmt: skip


def run_script(cluster: Cluster, script: str) -> None:
    """Run `script` on `cluster` (raises RunnerError with the failing line)."""
    ScriptRunner(cluster).run(script)


__all__ = ["RunnerError", "ScriptRunner", "run_script"]
