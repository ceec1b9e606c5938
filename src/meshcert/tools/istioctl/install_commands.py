"""`istioctl install`, `upgrade`, `uninstall`, `manifest generate`, `verify-install` and
`profile list|dump`.

Texts follow istioctl 1.26 (istio/istio operator/cmd/mesh/install.go, uninstall.go,
operator/pkg/util/progress and component.go for the progress lines and icons; istio.io
docs/setup/install/istioctl and docs/setup/getting-started for the expected output).
"""

from __future__ import annotations

from typing import Any

import yaml

from meshcert.kube.execution.filesystem import FileSystemError
from meshcert.mesh import install as installation
from meshcert.mesh.controlplane import installed_revisions, istiod_name, revision_health

from .commands import Command, Flag, Invocation, UsageError
from .mesh_config_validation import mesh_config_errors

_INSTALL_FLAGS = (
    Flag(
        "filename", "f", kind="list", help="Path to file containing IstioOperator custom resource"
    ),
    Flag("set", "s", kind="list", help="Override an IstioOperator value, e.g. to choose a profile"),
    Flag("skip-confirmation", "y", kind="bool", default=False, help="Skip the confirmation prompt"),
    Flag("dry-run", kind="bool", default=False, help="Console/log output only, make no changes."),
    Flag("revision", "r", help="Target control plane revision for the command."),
    Flag("force", kind="bool", default=False, help="Proceed even with validation errors."),
    Flag(
        "verify",
        kind="bool",
        default=False,
        help="Verify the Istio control plane after installation/in-place upgrade",
    ),
    Flag(
        "readiness-timeout",
        default="5m0s",
        help="Maximum time to wait for Istio resources in each component to be ready.",
    ),
    Flag("manifests", "d", help="Specify a path to a directory of charts and profiles"),
)


def _files(inv: Invocation) -> list[tuple[str, str]]:
    files = []
    for path in inv.flag("filename") or []:
        try:
            text = inv.read_file(path).decode("utf-8", "replace")
        except FileSystemError:
            raise UsageError(f"open {path}: no such file or directory") from None
        files.append((path, text))
    return files


def owner_of(inv: Invocation) -> str:
    """The IstioOperator's metadata.name from the `-f` files ("" when none names one)."""
    from meshcert.mesh.install.operator import operator_name

    return operator_name(_files(inv))


def spec_from(inv: Invocation) -> dict[str, Any]:
    files = _files(inv)
    try:
        return installation.effective_spec(
            inv.cluster, files, inv.flag("set") or [], inv.flag("revision")
        )
    except installation.InstallError as exc:
        raise UsageError(f"generate config: {exc}") from None


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return ", ".join(names[:-1]) + f", and {names[-1]}"


def _confirm(inv: Invocation, prompt: str) -> bool:
    inv.out(prompt + " ")
    answer = inv.stdin().decode("utf-8", "replace").strip().lower()
    if answer in ("y", "yes"):
        return True
    inv.out("Cancelled.\n")
    return False


def _check_mesh_config(inv: Invocation, spec: dict[str, Any], *, install: bool) -> None:
    """Refuse a meshConfig istiod would reject, as istioctl does before rendering (see
    mesh_config_validation); --force goes on, install saying so on stderr."""
    errors = ", ".join(mesh_config_errors(spec))
    if not errors:
        return
    if not inv.flag("force"):
        raise UsageError(f"generate config: {errors}" if install else errors)
    if install:
        inv.err(f"spec invalid; continuing because of --force: {errors}")


def run_install(inv: Invocation) -> int:
    spec = spec_from(inv)
    _check_mesh_config(inv, spec, install=True)
    cluster = inv.cluster
    dry_run = bool(inv.flag("dry-run"))
    owner = owner_of(inv)
    components = installation.render_spec(cluster, spec, owner=owner)
    if not inv.flag("skip-confirmation") and not dry_run:
        titles = [c.title for c in components]
        profile = spec.get("profile", "default")
        prompt = (
            f'This will install the Istio {installation.ISTIO_VERSION} "{profile}" profile '
            f"(with components: {_join(titles)}) into the cluster. Proceed? (y/N)"
        )
        if not _confirm(inv, prompt):
            return 1
    try:
        result = installation.install(cluster, spec, dry_run=dry_run, owner=owner)
    except installation.InstallError as exc:
        raise UsageError(f"failed to install manifests: {exc}") from None
    except Exception as exc:  # a KubeError from the cluster
        message = getattr(exc, "message", str(exc))
        inv.out(f"✘ Installation failed: {message}\n")
        raise UsageError(f"failed to install manifests: {message}") from None
    for component in result.components:
        inv.out(f"✔ {component.title} installed {component.icon}\n")
    for removed in result.removed:
        inv.out(f"  Removed {removed}.\n")
    inv.out("✔ Installation complete\n")
    if result.made_default and not dry_run:
        inv.out("Made this installation the default for cluster-wide operations.\n")
    if inv.flag("verify") and not dry_run:
        return _verify(inv, spec)
    return 0


def run_manifest_generate(inv: Invocation) -> int:
    spec = spec_from(inv)
    _check_mesh_config(inv, spec, install=False)
    components = installation.render_spec(inv.cluster, spec, owner=owner_of(inv))
    inv.out(installation.manifest_yaml(components))
    return 0


def run_uninstall(inv: Invocation) -> int:
    purge = bool(inv.flag("purge"))
    revision = inv.flag("revision")
    files = inv.flag("filename") or []
    if not purge and not revision and not files:
        raise UsageError(
            "at least one of the --revision (or --set revision=<revision>), --filename or "
            "--purge flags must be set"
        )
    if files and not revision:
        revision = spec_from(inv).get("revision") or "default"
    dry_run = bool(inv.flag("dry-run"))
    if not inv.flag("skip-confirmation") and not dry_run:
        prompt = (
            "All Istio resources will be pruned from the cluster\nProceed? (y/N)"
            if purge
            else f"All Istio resources with revision {revision} will be pruned from the cluster"
            "\nProceed? (y/N)"
        )
        if not _confirm(inv, prompt):
            return 1
    removed = installation.uninstall(inv.cluster, revision=revision, purge=purge, dry_run=dry_run)
    for item in removed:
        inv.out(f"  Removed {item}.\n")
    inv.out("✔ Uninstall complete\n")
    return 0


def _verify(inv: Invocation, spec: dict[str, Any]) -> int:
    cluster = inv.cluster
    revision = spec.get("revision") or "default"
    revisions = installed_revisions(cluster)
    if not revisions:
        raise UsageError(
            "could not load IstioOperator from cluster: no Istio installation found. Use --filename"
        )
    inv.out(
        f'{len(revisions)} Istio control planes detected, checking --revision "{revision}" only\n'
    )
    components = installation.render_spec(cluster, spec)
    failures = 0
    crds = deployments = 0
    for component in components:
        for obj in component.objects:
            kind = cluster.kind_of(obj)
            meta = obj["metadata"]
            ns = meta.get("namespace", "") if kind.namespaced else ""
            found = cluster.find(kind, ns, meta["name"])
            label = f"{obj['kind']}: {meta['name']}.{meta.get('namespace', '')}".rstrip(".")
            if obj["kind"] == "CustomResourceDefinition":
                crds += 1 if found is not None else 0
                continue
            if found is None:
                inv.out(f'✘ {label}: {obj["kind"].lower()}s "{meta["name"]}" not found\n')
                failures += 1
                continue
            if obj["kind"] == "Deployment":
                deployments += 1
                status = found.get("status") or {}
                want = (found.get("spec") or {}).get("replicas", 1)
                if (status.get("availableReplicas") or 0) < want:
                    inv.out(f"✘ {label}: Deployment is not ready\n")
                    failures += 1
                    continue
            inv.out(f"✔ {label} checked successfully\n")
    inv.out(f"Checked {crds} custom resource definitions\n")
    inv.out(f"Checked {deployments} Istio Deployments\n")
    if failures:
        raise UsageError(
            f'Istio installation failed, incomplete or does not match "{revision}": '
            f"{failures} errors"
        )
    inv.out("✔ Istio is installed and verified successfully\n")
    return 0


def run_verify_install(inv: Invocation) -> int:
    if not inv.flag("filename") and not installed_revisions(inv.cluster):
        raise UsageError(
            "could not load IstioOperator from cluster: no Istio installation found. Use --filename"
        )
    if inv.flag("filename"):
        spec = spec_from(inv)
    else:
        revisions = installed_revisions(inv.cluster)
        revision = inv.flag("revision") or (
            "default" if "default" in revisions else (revisions[0] if revisions else "default")
        )
        spec = _installed_spec(inv, revision)
    return _verify(inv, spec)


def _installed_spec(inv: Invocation, revision: str) -> dict[str, Any]:
    """The spec of what is installed: the profile read back from the objects."""
    cluster = inv.cluster
    deployments = cluster.kind("apps", "deployments")
    rev = "" if revision == "default" else revision
    sets = [f"revision={rev}"] if rev else []
    egress = cluster.find(deployments, "istio-system", "istio-egressgateway")
    ingress = cluster.find(deployments, "istio-system", "istio-ingressgateway")
    ztunnel = cluster.find(cluster.kind("apps", "daemonsets"), "istio-system", "ztunnel")
    if ztunnel is not None:
        sets.append("profile=ambient")
    elif egress is not None:
        sets.append("profile=demo")
    elif ingress is None:
        sets.append("profile=minimal")
    health = revision_health(cluster, revision)
    if health is None and cluster.find(deployments, "istio-system", istiod_name(revision)) is None:
        raise UsageError(
            "could not load IstioOperator from cluster: no control plane with revision "
            f'"{revision}"'
        )
    try:
        return installation.effective_spec(cluster, [], sets)
    except installation.InstallError as exc:
        raise UsageError(str(exc)) from None


def run_precheck(inv: Invocation) -> int:
    """`istioctl x precheck` (istioctl/pkg/precheck): the lab cluster always qualifies."""
    inv.out(
        "✔ No issues found when checking the cluster. Istio is safe to install or upgrade!\n"
        "  To get started, check out https://istio.io/latest/docs/setup/getting-started/\n"
    )
    return 0


def run_profile_list(inv: Invocation) -> int:
    inv.out("Istio configuration profiles:\n")
    for name in installation.PROFILE_NAMES:
        inv.out(f"    {name}\n")
    return 0


def run_profile_dump(inv: Invocation) -> int:
    name = inv.args[0] if inv.args else "default"
    if name not in installation.PROFILE_NAMES:
        raise UsageError(
            f'profile "{name}" not found. Available profiles: '
            + ", ".join(installation.PROFILE_NAMES)
        )
    doc = {
        "apiVersion": "install.istio.io/v1alpha1",
        "kind": "IstioOperator",
        "spec": installation.profile_spec(name),
    }
    inv.out(yaml.safe_dump(doc, default_flow_style=False, sort_keys=True))
    return 0


def add_install_commands(root: Command) -> None:
    root.add(
        Command(
            "install",
            "Applies an Istio manifest, installing or reconfiguring Istio on a cluster.",
            run_install,
            _INSTALL_FLAGS,
            aliases=("apply",),
            max_args=0,
            usage="[flags]",
        )
    )
    root.add(
        Command(
            "upgrade",
            "Upgrade Istio control plane in-place",
            run_install,
            _INSTALL_FLAGS,
            max_args=0,
            usage="[flags]",
        )
    )
    manifest = root.add(Command("manifest", "Commands related to Istio manifests"))
    manifest.add(
        Command(
            "generate",
            "Generates an Istio install manifest",
            run_manifest_generate,
            _INSTALL_FLAGS,
            max_args=0,
            usage="[flags]",
        )
    )
    root.add(
        Command(
            "uninstall",
            "Uninstall Istio from a cluster",
            run_uninstall,
            (
                Flag("purge", kind="bool", default=False, help="Remove all Istio related sources."),
                Flag("revision", "r", help="Target control plane revision for the command."),
                Flag("filename", "f", kind="list", help="The filename of the IstioOperator CR."),
                Flag(
                    "skip-confirmation",
                    "y",
                    kind="bool",
                    default=False,
                    help="Skip the confirmation prompt",
                ),
                Flag(
                    "dry-run",
                    kind="bool",
                    default=False,
                    help="Console/log output only, make no changes.",
                ),
                Flag("set", "s", kind="list", help="Override an IstioOperator value"),
                Flag("verbose", "v", kind="bool", default=False, help="Verbose output."),
            ),
            max_args=0,
            usage="[flags]",
        )
    )
    root.add(
        Command(
            "verify-install",
            "Verifies Istio Installation Status",
            run_verify_install,
            (
                Flag("filename", "f", kind="list", help="Istio YAML installation file."),
                Flag("revision", "r", help="Control plane revision"),
                Flag("set", "s", kind="list", help="Override an IstioOperator value"),
            ),
            max_args=0,
            usage="[flags]",
        )
    )
    experimental = root.add(
        Command(
            "experimental",
            "Experimental commands that may be modified or deprecated",
            aliases=("x", "exp"),
        )
    )
    experimental.add(
        Command(
            "precheck",
            "Check whether Istio can safely be installed or upgraded",
            run_precheck,
            (Flag("revision", "r", help="Control plane revision"),),
            max_args=0,
        )
    )
    profile = root.add(Command("profile", "Commands related to Istio configuration profiles"))
    profile.add(
        Command(
            "list", "Lists available Istio configuration profiles", run_profile_list, max_args=0
        )
    )
    profile.add(
        Command(
            "dump",
            "Dumps an Istio configuration profile",
            run_profile_dump,
            max_args=1,
            usage="[<profile>] [flags]",
        )
    )
