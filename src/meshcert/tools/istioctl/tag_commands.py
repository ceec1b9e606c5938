"""`istioctl tag set|list|remove` (istio/istio istioctl/pkg/tag; istio.io docs/setup/upgrade/
canary "Stable revision labels")."""

from __future__ import annotations

from meshcert.mesh import install as installation

from .commands import Command, Flag, Invocation, UsageError
from .tables import render_table


def run_set(inv: Invocation) -> int:
    if len(inv.args) != 1:
        raise UsageError("must provide a tag for modification")
    revision = inv.flag("revision")
    if not revision:
        raise UsageError("revision to point tag to must be specified (use --revision)")
    tag = inv.args[0]
    try:
        installation.set_tag(inv.cluster, tag, revision, overwrite=bool(inv.flag("overwrite")))
    except installation.InstallError as exc:
        raise UsageError(str(exc)) from None
    inv.out(
        f'Revision tag "{tag}" created, referencing control plane revision "{revision}". To '
        "enable injection using this\nrevision tag, use 'kubectl label namespace <NAMESPACE> "
        f"istio.io/rev={tag}'\n"
    )
    return 0


def run_list(inv: Invocation) -> int:
    tags = installation.list_tags(inv.cluster)
    if not tags:
        inv.out("No Istio revision tag MutatingWebhookConfigurations to list\n")
        return 0
    rows = [["TAG", "REVISION", "NAMESPACES"]]
    rows += [[t.name, t.revision, ",".join(t.namespaces)] for t in tags]
    inv.out(render_table(rows))
    return 0


def run_remove(inv: Invocation) -> int:
    if len(inv.args) != 1:
        raise UsageError("must provide a tag for removal")
    tag = inv.args[0]
    users = [t for t in installation.list_tags(inv.cluster) if t.name == tag and t.namespaces]
    if users and not inv.flag("skip-confirmation"):
        raise UsageError(
            f"revision tag {tag} is currently in use by existing namespaces, please "
            "re-label these namespaces or use --skip-confirmation to bypass:\n"
            + "\n".join(users[0].namespaces)
        )
    try:
        installation.remove_tag(inv.cluster, tag)
    except installation.InstallError as exc:
        raise UsageError(str(exc)) from None
    inv.out(f"Revision tag {tag} removed\n")
    return 0


def add_tag_commands(root: Command) -> None:
    tag = root.add(Command("tag", "Command group used to interact with revision tags"))
    tag.add(
        Command(
            "set",
            "Create or modify revision tags",
            run_set,
            (
                Flag("revision", "r", help="Control plane revision to reference from a given tag"),
                Flag(
                    "overwrite",
                    kind="bool",
                    default=False,
                    help="If true, allow revision tags to be overwritten",
                ),
                Flag(
                    "skip-confirmation", "y", kind="bool", default=False, help="Skip confirmation"
                ),
            ),
            usage="<revision-tag> [flags]",
        )
    )
    tag.add(Command("list", "List existing revision tags", run_list, aliases=("show",), max_args=0))
    tag.add(
        Command(
            "remove",
            "Remove Istio control plane revision tag",
            run_remove,
            (Flag("skip-confirmation", "y", kind="bool", default=False, help="Skip confirmation"),),
            usage="<revision-tag> [flags]",
        )
    )
