"""The `helm` program (helm 3.17): repo add|list|update|remove, install, upgrade [--install],
uninstall, list, status and history for Istio's charts, following istio.io
docs/setup/install/helm and docs/ambient/install/helm. Texts as helm prints them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import yaml

from meshcert.kube import errors
from meshcert.kube.cluster import Cluster
from meshcert.kube.execution import ExecContext
from meshcert.kube.execution.filesystem import FileSystemError
from meshcert.mesh.install import ISTIO_VERSION
from meshcert.mesh.install.applying import apply_object, ensure_namespace, key_of, prune
from meshcert.tools.istioctl.commands import (
    Command,
    Flag,
    Invocation,
    UsageError,
    defaults,
    help_text,
    parse,
)

from . import releases
from .charts import CHARTS
from .releases import Release
from .repos import (
    STATE_KEY,
    HelmState,
    helm_state,
    run_repo_add,
    run_repo_list,
    run_repo_remove,
    run_repo_update,
    table,
)
from .values import ValuesError, apply_set, merge_values

GLOBALS = (
    Flag("namespace", "n", help="namespace scope for this request"),
    Flag("kube-context", help="name of the kubeconfig context to use"),
    Flag("kubeconfig", help="path to the kubeconfig file"),
    Flag("debug", kind="bool", default=False, help="enable verbose output"),
    Flag("help", "h", kind="bool", default=False, help="help for helm"),
)
_INSTALL_FLAGS = (
    Flag("set", kind="list", help="set values on the command line"),
    Flag("set-string", kind="list", help="set STRING values on the command line"),
    Flag("values", "f", kind="list", help="specify values in a YAML file"),
    Flag(
        "create-namespace",
        kind="bool",
        default=False,
        help="create the release namespace if not present",
    ),
    Flag("wait", kind="bool", default=False, help="wait until all resources are ready"),
    Flag("timeout", default="5m0s", help="time to wait for any individual Kubernetes operation"),
    Flag("version", help="specify a version constraint for the chart version to use"),
    Flag("repo", help="chart repository url where to locate the requested chart"),
    Flag("dry-run", kind="bool", default=False, help="simulate an install"),
    Flag(
        "install",
        "i",
        kind="bool",
        default=False,
        help="if a release by this name doesn't already exist, run an install",
    ),
    Flag("reuse-values", kind="bool", default=False, help="reuse the last release's values"),
    Flag(
        "reset-values",
        kind="bool",
        default=False,
        help="when upgrading, reset the values to the ones built into the chart",
    ),
    Flag("atomic", kind="bool", default=False, help="delete the installation on failure"),
)


def _ns(inv: Invocation) -> str:
    return str(inv.flag("namespace") or "default")


def _now(cluster: Cluster) -> datetime:
    return cluster.clock.now().astimezone(UTC)


def _chart(inv: Invocation, ref: str, verb: str) -> str:
    if inv.flag("repo"):
        name = ref
    else:
        repo, sep, name = ref.partition("/")
        if not sep:
            raise UsageError(
                f"{verb} FAILED: repo {ref} not found"
                if False
                else f"non-absolute URLs should be in form of repo_name/path_to_chart, got: {ref}"
            )
        if repo not in helm_state(inv).repos():
            raise UsageError(f"{verb} FAILED: repo {repo} not found")
    if name not in CHARTS:
        raise UsageError(
            f'{verb} FAILED: chart "{name}" matching  not found in istio index. '
            "(try 'helm repo update'): no chart name found"
        )
    version = inv.flag("version")
    if version and str(version).lstrip("v") != ISTIO_VERSION:
        raise UsageError(
            f'{verb} FAILED: chart "{name}" matching {version} not found in istio index. '
            f"(try 'helm repo update'): no chart version found for {name}-{version}"
        )
    return name


def _values(inv: Invocation, base: dict[str, Any] | None = None) -> dict[str, Any]:
    values: dict[str, Any] = dict(base or {})
    for path in inv.flag("values") or []:
        try:
            doc = yaml.safe_load(inv.read_file(path)) or {}
        except FileSystemError:
            raise UsageError(f"open {path}: no such file or directory") from None
        except yaml.YAMLError as exc:
            raise UsageError(f"failed to parse {path}: {exc}") from None
        if not isinstance(doc, dict):
            raise UsageError(f"failed to parse {path}: not a map of values")
        values = merge_values(values, doc)
    try:
        for expr in inv.flag("set") or []:
            apply_set(values, expr)
        for expr in inv.flag("set-string") or []:
            apply_set(values, expr, as_string=True)
    except ValuesError as exc:
        raise UsageError(f"failed parsing --set data: {exc}") from None
    return values


def _deploy(
    inv: Invocation, name: str, chart: str, values: dict[str, Any], version: int, verb: str
) -> Release:
    cluster = inv.cluster
    ns = _ns(inv)
    ns_kind = cluster.kind("", "namespaces")
    dry_run = bool(inv.flag("dry-run"))
    with cluster.lock, cluster.transaction():
        if cluster.find(ns_kind, "", ns) is None and not dry_run:
            if not inv.flag("create-namespace"):
                raise UsageError(
                    f'{verb} FAILED: create: failed to create: namespaces "{ns}" not found'
                )
            ensure_namespace(cluster, ns)
        objects = CHARTS[chart].render(name, ns, values, cluster.registry)
        keep = []
        try:
            for obj in [] if dry_run else objects:
                apply_object(cluster, obj, "helm")
                keep.append(key_of(obj))
        except errors.KubeError as exc:
            raise UsageError(f"{verb} FAILED: {exc.message}") from None
        if not dry_run:
            prune(
                cluster,
                keep,
                {"app.kubernetes.io/managed-by": "Helm"},
                {"meta.helm.sh/release-name": name, "meta.helm.sh/release-namespace": ns},
            )
        moment = _now(cluster)
        release = Release(
            name=name,
            namespace=ns,
            version=version,
            status=("pending-install" if version == 1 else "pending-upgrade")
            if dry_run
            else "deployed",
            chart=chart,
            chart_version=ISTIO_VERSION,
            app_version=ISTIO_VERSION,
            values=values,
            updated=moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            notes=CHARTS[chart].notes(name, ns, values),
            description="Install complete" if version == 1 else "Upgrade complete",
        )
        if not dry_run:
            releases.store(cluster, release)
    return release


def _print_release(inv: Invocation, release: Release, *, notes: bool = True) -> None:
    moment = datetime.strptime(release.updated, "%Y-%m-%dT%H:%M:%S.%fZ")
    inv.out(f"NAME: {release.name}\n")
    inv.out(f"LAST DEPLOYED: {moment.strftime('%a %b %e %H:%M:%S %Y')}\n")
    inv.out(f"NAMESPACE: {release.namespace}\n")
    inv.out(f"STATUS: {release.status}\n")
    inv.out(f"REVISION: {release.version}\n")
    inv.out("TEST SUITE: None\n")
    if notes and release.notes:
        inv.out("NOTES:\n" + release.notes)


def run_install(inv: Invocation) -> int:
    if len(inv.args) != 2:
        raise UsageError(
            '"helm install" requires at least 1 argument\n\n'
            "Usage:  helm install [NAME] [CHART] [flags]"
        )
    name, ref = inv.args
    chart = _chart(inv, ref, "INSTALLATION")
    if releases.history(inv.cluster, _ns(inv), name):
        raise UsageError("INSTALLATION FAILED: cannot re-use a name that is still in use")
    release = _deploy(inv, name, chart, _values(inv), 1, "INSTALLATION")
    _print_release(inv, release)
    return 0


def run_upgrade(inv: Invocation) -> int:
    if len(inv.args) != 2:
        raise UsageError(
            '"helm upgrade" requires 2 arguments\n\nUsage:  helm upgrade [RELEASE] [CHART] [flags]'
        )
    name, ref = inv.args
    chart = _chart(inv, ref, "UPGRADE")
    past = releases.history(inv.cluster, _ns(inv), name)
    if not past:
        if not inv.flag("install"):
            raise UsageError(f'UPGRADE FAILED: "{name}" has no deployed releases')
        release = _deploy(inv, name, chart, _values(inv), 1, "INSTALLATION")
        inv.out(f'Release "{name}" does not exist. Installing it now.\n')
        _print_release(inv, release)
        return 0
    # helm 3 (pkg/action/upgrade.go reuseValues): --reset-values starts from the chart,
    # --reuse-values merges onto the last release's values, and an upgrade given no values
    # at all keeps the last release's values
    given = any(inv.flag(f) for f in ("values", "set", "set-string"))
    if inv.flag("reset-values"):
        values = _values(inv)
    elif inv.flag("reuse-values"):
        values = _values(inv, past[-1].values)
    else:
        values = _values(inv) if given else dict(past[-1].values)
    release = _deploy(inv, name, chart, values, past[-1].version + 1, "UPGRADE")
    inv.out(f'Release "{name}" has been upgraded. Happy Helming!\n')
    _print_release(inv, release)
    return 0


def run_uninstall(inv: Invocation) -> int:
    if not inv.args:
        raise UsageError(
            '"helm uninstall" requires at least 1 argument\n\n'
            "Usage:  helm uninstall RELEASE_NAME [...] [flags]"
        )
    cluster = inv.cluster
    ns = _ns(inv)
    for name in inv.args:
        with cluster.lock, cluster.transaction():
            if not releases.history(cluster, ns, name):
                raise UsageError(f"uninstall: Release not loaded: {name}: release: not found")
            prune(
                cluster,
                [],
                {"app.kubernetes.io/managed-by": "Helm"},
                {"meta.helm.sh/release-name": name, "meta.helm.sh/release-namespace": ns},
            )
            releases.forget(cluster, ns, name)
        inv.out(f'release "{name}" uninstalled\n')
    return 0


def run_list(inv: Invocation) -> int:
    all_ns = bool(inv.flag("all-namespaces"))
    found = releases.latest(inv.cluster, None if all_ns else _ns(inv))
    rows = [["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"]]
    for r in found:
        moment = datetime.strptime(r.updated, "%Y-%m-%dT%H:%M:%S.%fZ")
        updated = moment.strftime("%Y-%m-%d %H:%M:%S.%f") + "000 +0000 UTC"
        rows.append(
            [
                r.name,
                r.namespace,
                str(r.version),
                updated,
                r.status,
                f"{r.chart}-{r.chart_version}",
                r.app_version,
            ]
        )
    inv.out(table(rows))
    return 0


def run_status(inv: Invocation) -> int:
    if len(inv.args) != 1:
        raise UsageError(
            '"helm status" requires 1 argument\n\nUsage:  helm status RELEASE_NAME [flags]'
        )
    past = releases.history(inv.cluster, _ns(inv), inv.args[0])
    if not past:
        raise UsageError("release: not found")
    _print_release(inv, past[-1])
    return 0


def run_history(inv: Invocation) -> int:
    past = releases.history(inv.cluster, _ns(inv), inv.args[0] if inv.args else "")
    if not past:
        raise UsageError("release: not found")
    rows = [["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"]]
    for r in past:
        moment = datetime.strptime(r.updated, "%Y-%m-%dT%H:%M:%S.%fZ")
        rows.append(
            [
                str(r.version),
                moment.strftime("%a %b %e %H:%M:%S %Y"),
                r.status,
                f"{r.chart}-{r.chart_version}",
                r.app_version,
                r.description,
            ]
        )
    inv.out(table(rows))
    return 0


def build_root() -> Command:
    root = Command("helm", "The Kubernetes package manager")
    repo = root.add(Command("repo", "add, list, remove, update, and index chart repositories"))
    repo.add(
        Command(
            "add",
            "add a chart repository",
            run_repo_add,
            (
                Flag(
                    "force-update",
                    kind="bool",
                    default=False,
                    help="replace (overwrite) the repo if it already exists",
                ),
            ),
            usage="[NAME] [URL] [flags]",
        )
    )
    repo.add(Command("list", "list chart repositories", run_repo_list, aliases=("ls",), max_args=0))
    repo.add(
        Command(
            "update",
            "update information of available charts locally from chart repositories",
            run_repo_update,
            aliases=("up",),
        )
    )
    repo.add(
        Command("remove", "remove one or more chart repositories", run_repo_remove, aliases=("rm",))
    )
    root.add(
        Command(
            "install",
            "install a chart",
            run_install,
            _INSTALL_FLAGS,
            usage="[NAME] [CHART] [flags]",
        )
    )
    root.add(
        Command(
            "upgrade",
            "upgrade a release",
            run_upgrade,
            _INSTALL_FLAGS,
            usage="[RELEASE] [CHART] [flags]",
        )
    )
    root.add(
        Command(
            "uninstall",
            "uninstall a release",
            run_uninstall,
            (Flag("wait", kind="bool", default=False, help="wait for deletion"),),
            aliases=("delete", "del", "un"),
            usage="RELEASE_NAME [...] [flags]",
        )
    )
    root.add(
        Command(
            "list",
            "list releases",
            run_list,
            (
                Flag(
                    "all-namespaces",
                    "A",
                    kind="bool",
                    default=False,
                    help="list releases across all namespaces",
                ),
            ),
            aliases=("ls",),
            max_args=0,
        )
    )
    root.add(
        Command(
            "status",
            "display the status of the named release",
            run_status,
            usage="RELEASE_NAME [flags]",
        )
    )
    root.add(
        Command(
            "history",
            "fetch release history",
            run_history,
            aliases=("hist",),
            usage="RELEASE_NAME [flags]",
        )
    )
    return root


_ROOT = build_root()


def execute(
    cluster: Cluster,
    argv: list[str],
    out: Callable[[str], None],
    err: Callable[[str], None],
    read_file: Callable[[str], bytes],
    state: HelmState,
) -> int:
    try:
        command, path, args, opts = parse(_ROOT, argv, GLOBALS)
        opts = defaults(command, opts, GLOBALS)
        if opts.get("help") or command.run is None:
            if command.run is None and args:
                raise UsageError(f'unknown command "{args[0]}" for "{" ".join(path)}"')
            out(help_text(command, path, GLOBALS))
            return 0
        opts[STATE_KEY] = state
        inv = Invocation(cluster, path, args, opts, out, err, read_file, lambda: b"")
        return command.run(inv)
    except UsageError as exc:
        err(f"Error: {exc}\n")
        return 1
    except errors.KubeError as exc:
        err(f"Error: {exc.message}\n")
        return 1


def run_helm(
    cluster: Cluster, argv: list[str], files: dict[str, bytes] | None = None
) -> tuple[int, str, str]:
    """Run helm outside any pod: (exit code, stdout, stderr); `files` is its file system."""
    known = files if files is not None else {}
    out: list[str] = []
    err: list[str] = []

    def read_file(path: str) -> bytes:
        if path not in known:
            raise FileSystemError(path, "No such file or directory")
        return known[path]

    def write(path: str, data: bytes) -> None:
        known[path] = data

    state = HelmState(known.get, write)
    code = execute(cluster, list(argv), out.append, err.append, read_file, state)
    return code, "".join(out), "".join(err)


def helm_program(ctx: ExecContext) -> int:
    def read(path: str) -> bytes | None:
        try:
            return ctx.fs.read(path)
        except FileSystemError:
            return None

    def write(path: str, data: bytes) -> None:
        ctx.fs.mkdir(path.rsplit("/", 1)[0], parents=True, exist_ok=True)
        ctx.fs.write(path, data)

    return execute(
        ctx.cluster, ctx.argv[1:], ctx.out, ctx.err, ctx.read_file, HelmState(read, write)
    )
